"""The engine's clock: calendar days cut into steps (one per day, or one per hour).

The market is daily (one price, one difficulty per UTC day); tariffs may change
within a day (time-of-use), so the engine can step in hours while every step
still knows its day. Step ``t`` covers ``[times[t], times[t] + step_seconds)``
and belongs to day ``day_of_step[t]``.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.units import HOURS_PER_DAY, SECONDS_PER_DAY

__all__ = ["Clock", "Resolution"]

#: How finely the engine steps through a day.
Resolution = Literal["day", "hour"]


@dataclasses.dataclass(frozen=True)
class Clock:
    """Days of a run and the steps they are cut into.

    Attributes
    ----------
    dates : ndarray of datetime64[D]
        Consecutive calendar days (UTC), length ``n_days``.
    steps_per_day : int
        1 (daily steps) or 24 (hourly steps).

    """

    dates: npt.NDArray[np.datetime64]
    steps_per_day: int = 1

    def __post_init__(self) -> None:
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        if dates.ndim != 1 or dates.size == 0:
            raise InputError("a run needs at least one day", field="dates")
        if dates.size > 1 and np.any(np.diff(dates) != np.timedelta64(1, "D")):
            raise InputError("days must be consecutive, without gaps", field="dates")
        if self.steps_per_day not in (1, HOURS_PER_DAY):
            raise InputError(
                f"steps per day must be 1 or 24 (got {self.steps_per_day})", field="steps_per_day"
            )
        object.__setattr__(self, "dates", dates)
        # Cached: the engine asks for a step's day at every step.
        days = np.repeat(np.arange(dates.size, dtype=np.int64), self.steps_per_day)
        days.setflags(write=False)
        object.__setattr__(self, "_day_of_step", days)

    @classmethod
    def from_range(cls, start: object, end: object, resolution: Resolution = "day") -> Clock:
        """Return the clock of the days ``start`` .. ``end`` (both included).

        Parameters
        ----------
        start, end : date, str or datetime64
            First and last day (UTC).
        resolution : {"day", "hour"}
            Step length.

        """
        first = np.datetime64(str(start), "D")
        last = np.datetime64(str(end), "D")
        if last < first:
            raise InputError(f"end {last} is before start {first}", field="end")
        dates = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
        return cls(dates, 1 if resolution == "day" else HOURS_PER_DAY)

    @property
    def resolution(self) -> Resolution:
        """``"day"`` or ``"hour"``."""
        return "day" if self.steps_per_day == 1 else "hour"

    @property
    def n_days(self) -> int:
        """Number of calendar days."""
        return int(self.dates.size)

    @property
    def n_steps(self) -> int:
        """Number of steps (days × steps per day)."""
        return self.n_days * self.steps_per_day

    @property
    def step_seconds(self) -> float:
        """Length of one step, in seconds [s]."""
        return SECONDS_PER_DAY / self.steps_per_day

    @property
    def day_of_step(self) -> npt.NDArray[np.int64]:
        """Index into ``dates`` of each step's day, length ``n_steps`` (read-only)."""
        days: npt.NDArray[np.int64] = getattr(self, "_day_of_step")  # noqa: B009
        return days

    @property
    def times(self) -> npt.NDArray[np.datetime64]:
        """Start of each step, ``datetime64[s]`` (UTC), length ``n_steps``."""
        offsets = np.arange(self.steps_per_day, dtype=np.int64) * int(self.step_seconds)
        starts = self.dates.astype("datetime64[s]")[:, None] + offsets[None, :].astype(
            "timedelta64[s]"
        )
        return starts.ravel()

    def day_index(self, date: object) -> int:
        """Return the index of ``date`` in ``dates`` (may be < 0 or >= n_days)."""
        return int((np.datetime64(str(date), "D") - self.dates[0]).astype(np.int64))

    def first_step_on_or_after(self, date: object) -> int:
        """Return the first step whose day is ``date`` or later, clipped to ``[0, n_steps]``."""
        day = min(max(self.day_index(date), 0), self.n_days)
        return day * self.steps_per_day
