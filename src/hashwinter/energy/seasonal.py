"""Seasonal tariffs: prices by spans of the calendar that recur every year.

Sichuan's hydropower is the story's case: cheap in the wet season (April to
October), dearer in the dry season when farms fall back on thermal power. A
span is given by its first and last month-day, both inclusive; a span whose end
comes before its start wraps the year end (``11-01`` to ``03-31``). The spans
must cover every day of the year exactly once. 29 February needs no span of its
own: when no span names it, it takes the price of 28 February.

Lookup maps each timestamp to its slot in a 366-day leap calendar and indexes a
366-entry price table, so whole arrays are priced at numpy speed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from hashwinter.energy.base import Price, TariffBase
from hashwinter.energy.times import LEAP_MONTH_OFFSETS, day_of_leap_year

__all__ = [
    "DAYS_IN_LEAP_YEAR",
    "MonthDay",
    "Season",
    "SeasonalTariff",
    "month_day_slot",
    "season_coverage",
]

DAYS_IN_LEAP_YEAR = 366
#: Slot of 28 and 29 February in the leap calendar.
_FEB_28, _FEB_29 = 58, 59
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")
#: "MM-DD" label of every slot, for error messages.
_LABELS = [
    (dt.date(2000, 1, 1) + dt.timedelta(days=i)).strftime("%m-%d") for i in range(DAYS_IN_LEAP_YEAR)
]


def month_day_slot(month_day: str) -> int:
    """Return the 0-based slot of ``"MM-DD"`` in a leap year (``"03-01"`` is 60).

    Raises
    ------
    ValueError
        Unless ``month_day`` is ``MM-DD`` and a real day (``02-29`` is one).

    """
    match = _MONTH_DAY.fullmatch(month_day)
    if match is None:
        raise ValueError(f"must be a month-day 'MM-DD' such as '04-01' (got {month_day!r})")
    month, day = int(match[1]), int(match[2])
    try:
        dt.date(2000, month, day)  # 2000 is a leap year: 02-29 is valid
    except ValueError:
        raise ValueError(f"no such day of the year: {month_day!r}") from None
    return int(LEAP_MONTH_OFFSETS[month - 1]) + day - 1


def _check_month_day(value: str) -> str:
    month_day_slot(value)
    return value


#: A day of the year written ``"MM-DD"`` (TOML has no month-day type).
MonthDay = Annotated[str, Field(strict=True), AfterValidator(_check_month_day)]


class Season(BaseModel):
    """One recurring span of the calendar at one price.

    Attributes
    ----------
    name : str or None
        Label, e.g. ``"wet"``.
    start, end : str
        First and last day of the span, ``"MM-DD"``, both inclusive; ``end``
        before ``start`` wraps the year end.
    price : float
        Price during the span. [currency/kWh]

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    start: MonthDay
    end: MonthDay
    price: Price

    def slots(self) -> np.ndarray:
        """Return a boolean mask of the 366 leap-calendar days this span covers."""
        first, last = month_day_slot(self.start), month_day_slot(self.end)
        mask = np.zeros(DAYS_IN_LEAP_YEAR, dtype=bool)
        if first <= last:
            mask[first : last + 1] = True
        else:  # wraps the year end
            mask[first:] = True
            mask[: last + 1] = True
        return mask


def _runs(slots: np.ndarray) -> list[tuple[int, int]]:
    """Group sorted slot numbers into (first, last) runs, joining runs across the year end."""
    runs: list[tuple[int, int]] = []
    for s in slots.tolist():
        if runs and s == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], s)
        else:
            runs.append((s, s))
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == DAYS_IN_LEAP_YEAR - 1:
        runs[0] = (runs.pop()[0], runs[0][1])
    return runs


def _describe(slots: np.ndarray) -> str:
    """Render slots as ``"11-01..11-14, 03-31"``."""
    return ", ".join(
        _LABELS[a] if a == b else f"{_LABELS[a]}..{_LABELS[b]}" for a, b in _runs(slots)
    )


def season_coverage(seasons: tuple[Season, ...]) -> tuple[np.ndarray, list[str]]:
    """Return the season covering each leap-calendar day and the coverage problems.

    Parameters
    ----------
    seasons : tuple of Season
        The spans, in the order their indices are reported.

    Returns
    -------
    owner : ndarray of int, shape (366,)
        Index of the season covering each day (29 February borrows 28 February's
        season when no span names it); -1 where the coverage is wrong.
    problems : list of str
        Days covered by no season, and days covered by several (with which).

    """
    covered = np.array([s.slots() for s in seasons]).reshape(len(seasons), DAYS_IN_LEAP_YEAR)
    count = covered.sum(axis=0)
    if count[_FEB_29] == 0 and count[_FEB_28] == 1:
        covered[:, _FEB_29] = covered[:, _FEB_28]
        count[_FEB_29] = 1
    problems = []
    uncovered = np.flatnonzero(count == 0)
    if uncovered.size:
        problems.append(f"days not covered by any season: {_describe(uncovered)}")
    overlapping = np.flatnonzero(count > 1)
    if overlapping.size:
        groups: dict[tuple[int, ...], list[int]] = {}
        for slot in overlapping.tolist():
            groups.setdefault(tuple(np.flatnonzero(covered[:, slot]).tolist()), []).append(slot)
        for members, slots in groups.items():
            names = " and ".join(f"seasons[{i}]" for i in members)
            problems.append(
                f"days covered by more than one season ({names}): {_describe(np.array(slots))}"
            )
    owner = np.where(count == 1, covered.argmax(axis=0), -1)
    return owner, problems


class SeasonalTariff(TariffBase):
    """Prices by recurring spans of the calendar (wet/dry, summer/winter).

    Attributes
    ----------
    kind : "seasonal"
        Discriminator.
    seasons : tuple of Season
        Spans covering every day of the year exactly once.

    Examples
    --------
    >>> t = SeasonalTariff(currency="CNY", seasons=[
    ...     Season(name="wet", start="04-01", end="10-31", price=0.08),
    ...     Season(name="dry", start="11-01", end="03-31", price=0.28)])
    >>> t.price_per_kwh(["2018-07-01", "2018-11-25"]).tolist()
    [0.08, 0.28]

    """

    kind: Literal["seasonal"] = "seasonal"
    seasons: tuple[Season, ...] = Field(min_length=1)

    @field_validator("seasons")
    @classmethod
    def _cover_the_year(cls, seasons: tuple[Season, ...]) -> tuple[Season, ...]:
        """Check that the spans cover every day once, naming the days that do not."""
        if seasons:
            _, problems = season_coverage(seasons)
            if problems:
                raise ValueError("; ".join(problems))
        return seasons

    def season_index(self, times: Any) -> np.ndarray:
        """Return the index in ``seasons`` of the season in force at each time (int)."""
        owner, _ = _tables(self.seasons)
        return np.asarray(owner[day_of_leap_year(self.local_times(times))])

    def price_per_kwh(self, times: Any, *, monthly_kwh: Any = None) -> np.ndarray:
        """Return the season's price at each time (see :meth:`TariffBase.price_per_kwh`)."""
        _, table = _tables(self.seasons)
        return np.asarray(table[day_of_leap_year(self.local_times(times))])


@functools.lru_cache(maxsize=256)
def _tables(seasons: tuple[Season, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return the 366-day owner and price tables, built once per distinct set of seasons.

    Kept outside the model (not as private attributes) so that tariffs stay
    plain data: equal fields compare equal and hash alike.
    """
    owner, _ = season_coverage(seasons)
    table = np.array([s.price for s in seasons], dtype=float)[owner]
    owner.flags.writeable = False
    table.flags.writeable = False
    return owner, table
