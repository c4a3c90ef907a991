"""Time-of-use tariffs: prices by hour of the day, optionally different at weekends.

A band runs from its ``start`` hour up to (not including) its ``end`` hour on
the site's clock and may wrap midnight (22 to 6); an ``end`` equal to ``start``
(0 to 24, say) means the whole day. Each band applies every day, on weekdays
(Monday to Friday) or at weekends. Every hour of every day must be covered by
exactly one band. Public holidays are not known to the tariff: price them as
weekdays or build the schedule outside.

Lookup indexes a 7 x 24 table by hour of the week, so whole arrays are priced
at numpy speed.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hashwinter.energy.base import Price, TariffBase
from hashwinter.energy.times import hour_of_week

__all__ = ["DAY_TYPES", "TimeOfUseBand", "TimeOfUseTariff", "band_coverage"]

HOURS = 24
DAYS = 7
#: Which days (Monday = 0) each value of ``TimeOfUseBand.days`` covers.
DAY_TYPES: dict[str, tuple[int, ...]] = {
    "all": (0, 1, 2, 3, 4, 5, 6),
    "weekday": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
}


class TimeOfUseBand(BaseModel):
    """Hours of the day at one price.

    Attributes
    ----------
    name : str or None
        Label, e.g. ``"peak"``.
    start : int
        First hour, 0..23 (``8`` means from 08:00).
    end : int
        Hour the band stops, 0..24, exclusive (``22`` means until 22:00);
        before ``start`` wraps midnight, equal to it (mod 24) is the whole day.
    price : float
        Price during the band. [currency/kWh]
    days : {"all", "weekday", "weekend"}
        Days the band applies to (weekdays are Monday to Friday).

    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    start: Annotated[int, Field(ge=0, le=23, strict=True)]
    end: Annotated[int, Field(ge=0, le=24, strict=True)]
    price: Price
    days: Literal["all", "weekday", "weekend"] = "all"

    def hours(self) -> np.ndarray:
        """Return a boolean mask of the 24 hours the band covers."""
        length = (self.end - self.start) % HOURS or HOURS
        mask = np.zeros(HOURS, dtype=bool)
        mask[(self.start + np.arange(length)) % HOURS] = True
        return mask

    def mask(self) -> np.ndarray:
        """Return a (7, 24) boolean mask over (weekday, hour), Monday = row 0."""
        out = np.zeros((DAYS, HOURS), dtype=bool)
        out[list(DAY_TYPES[self.days])] = self.hours()
        return out


def _hour_runs(hours: list[int]) -> str:
    """Render sorted hours as ``"06:00-08:00, 22:00-24:00"``."""
    runs: list[list[int]] = []
    for h in hours:
        if runs and h == runs[-1][1] + 1:
            runs[-1][1] = h
        else:
            runs.append([h, h])
    return ", ".join(f"{a:02d}:00-{b + 1:02d}:00" for a, b in runs)


def band_coverage(bands: tuple[TimeOfUseBand, ...]) -> tuple[np.ndarray, list[str]]:
    """Return the band covering each (weekday, hour) and the coverage problems.

    Returns
    -------
    owner : ndarray of int, shape (7, 24)
        Index of the band in force (Monday = row 0); -1 where coverage is wrong.
    problems : list of str
        Hours no band covers, and hours several bands cover, per kind of day.

    """
    covered = np.array([b.mask() for b in bands]).reshape(len(bands), DAYS, HOURS)
    count = covered.sum(axis=0)
    problems: list[str] = []
    # Bands only distinguish weekdays from weekends, so Monday and Saturday
    # stand for their kind of day.
    labels = {0: "on weekdays", 5: "at weekends"}
    # (what, which hours) -> the kinds of day it happens on, so that a problem
    # of every day is reported once.
    found: dict[tuple[str, str], list[str]] = {}
    for row, label in labels.items():
        missing = np.flatnonzero(count[row] == 0).tolist()
        if missing:
            found.setdefault(("hours not covered by any band", _hour_runs(missing)), [])
            found["hours not covered by any band", _hour_runs(missing)].append(label)
        groups: dict[tuple[int, ...], list[int]] = {}
        for h in np.flatnonzero(count[row] > 1).tolist():
            groups.setdefault(tuple(np.flatnonzero(covered[:, row, h]).tolist()), []).append(h)
        for members, hours in groups.items():
            names = " and ".join(f"bands[{i}]" for i in members)
            key = (f"hours covered by more than one band ({names})", _hour_runs(hours))
            found.setdefault(key, []).append(label)
    for (what, hours_text), where in found.items():
        days = "" if len(where) == len(labels) else f" {where[0]}"
        problems.append(f"{what}{days}: {hours_text}")
    owner = np.where(count == 1, covered.argmax(axis=0), -1)
    return owner, problems


class TimeOfUseTariff(TariffBase):
    """Prices by hour of day (peak / flat / valley bands), optionally by weekday/weekend.

    Attributes
    ----------
    kind : "time_of_use"
        Discriminator.
    bands : tuple of TimeOfUseBand
        Bands covering every hour of every day exactly once.

    Examples
    --------
    >>> t = TimeOfUseTariff(currency="CNY", bands=[
    ...     TimeOfUseBand(name="peak", start=8, end=22, price=0.6),
    ...     TimeOfUseBand(name="valley", start=22, end=8, price=0.3)])
    >>> t.price_per_kwh(["2018-11-25T07:59", "2018-11-25T08:00"]).tolist()
    [0.3, 0.6]

    """

    kind: Literal["time_of_use"] = "time_of_use"
    bands: tuple[TimeOfUseBand, ...] = Field(min_length=1)

    @field_validator("bands")
    @classmethod
    def _cover_the_day(cls, bands: tuple[TimeOfUseBand, ...]) -> tuple[TimeOfUseBand, ...]:
        """Check that every hour of every day is covered once, naming the hours that are not."""
        if bands:
            _, problems = band_coverage(bands)
            if problems:
                raise ValueError("; ".join(problems))
        return bands

    def band_index(self, times: Any) -> np.ndarray:
        """Return the index in ``bands`` of the band in force at each time (int)."""
        owner, _ = _tables(self.bands)
        return np.asarray(owner.ravel()[hour_of_week(self.local_times(times))])

    def price_per_kwh(self, times: Any, *, monthly_kwh: Any = None) -> np.ndarray:
        """Return the band's price at each time (see :meth:`TariffBase.price_per_kwh`)."""
        _, table = _tables(self.bands)
        return np.asarray(table.ravel()[hour_of_week(self.local_times(times))])


@functools.lru_cache(maxsize=256)
def _tables(bands: tuple[TimeOfUseBand, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Return the (7, 24) owner and price tables, built once per distinct set of bands.

    Kept outside the model so that tariffs stay plain data (equal fields compare equal).
    """
    owner, _ = band_coverage(bands)
    table = np.array([b.price for b in bands], dtype=float)[owner]
    owner.flags.writeable = False
    table.flags.writeable = False
    return owner, table
