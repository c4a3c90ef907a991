"""Timestamps as tariffs read them: numpy datetime64 arrays of local wall-clock time.

Tariffs price energy by the calendar and the clock of the site (a wet season
starts on 1 April local time, a peak band at 08:00 local time). Callers pass
numpy ``datetime64`` arrays, pandas ``DatetimeIndex``/``Series``, or one
``date``/``datetime``/string; :func:`as_local_datetime64` turns all of them into
one ``datetime64[s]`` array of wall-clock times, and the helpers below split it
into calendar fields without a Python loop.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

__all__ = [
    "as_local_datetime64",
    "check_timezone",
    "day_of_leap_year",
    "hour_of_day",
    "hour_of_week",
    "month_index",
    "weekday",
]

#: First day-of-year index (0-based) of each month in a leap year, so that every
#: month-day, 29 February included, has one fixed slot in a 366-entry table.
LEAP_MONTH_OFFSETS = np.array([0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335])


def check_timezone(name: str) -> str:
    """Return ``name`` if it is a known IANA time zone, else raise ``ValueError``.

    Parameters
    ----------
    name : str
        E.g. ``"Asia/Shanghai"``.

    """
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        hint = "use an IANA name such as 'Asia/Shanghai'"
        raise ValueError(f"unknown time zone {name!r} ({hint})") from exc
    return name


def as_local_datetime64(
    times: Any, *, timezone: str | None = None, field: str = "times"
) -> np.ndarray:
    """Return ``times`` as a ``datetime64[s]`` array of local wall-clock times.

    Parameters
    ----------
    times : datetime64 array-like, pandas DatetimeIndex or Series, date, datetime or str
        The instants to price. Naive values are wall-clock times of the site
        when ``timezone`` is None, and UTC when ``timezone`` is given.
        Time-zone-aware pandas values and aware ``datetime`` objects are
        converted to ``timezone`` (or, without one, read as their own wall time).
    timezone : str, optional
        IANA zone of the site, e.g. ``"Asia/Shanghai"``.
    field : str
        Name used in error messages.

    Returns
    -------
    ndarray of datetime64[s]
        Same shape as ``times`` (0-d for a scalar).

    Raises
    ------
    InputError
        If a value is not a timestamp or is NaT.

    """
    if isinstance(times, pd.Series):
        times = pd.DatetimeIndex(times)
    if isinstance(times, pd.DatetimeIndex):
        return _from_index(times, timezone=timezone, field=field)
    if isinstance(times, dt.datetime) and times.tzinfo is not None:
        return _from_index(pd.DatetimeIndex([times]), timezone=timezone, field=field).reshape(())
    if isinstance(times, dt.date) and not isinstance(times, dt.datetime):
        times = np.datetime64(times.isoformat())
    try:
        arr = np.asarray(times, dtype="datetime64[s]")
    except (TypeError, ValueError) as exc:
        raise InputError(f"not a date or time: {exc}", field=field) from exc
    if timezone is not None:
        flat = pd.DatetimeIndex(arr.ravel()).tz_localize("UTC")
        arr = _from_index(flat, timezone=timezone, field=field).reshape(arr.shape)
    _check_nat(arr, field)
    return arr


def _from_index(index: pd.DatetimeIndex, *, timezone: str | None, field: str) -> np.ndarray:
    """Convert a pandas index to local wall-clock datetime64[s]."""
    if index.tz is not None:
        if timezone is not None:
            index = index.tz_convert(timezone)
        index = index.tz_localize(None)
    elif timezone is not None:
        index = index.tz_localize("UTC").tz_convert(timezone).tz_localize(None)
    arr = index.to_numpy().astype("datetime64[s]")
    _check_nat(arr, field)
    return arr


def _check_nat(arr: np.ndarray, field: str) -> None:
    """Raise if any value is NaT: a missing time has no price."""
    missing = np.isnat(arr)
    if missing.any():
        position = int(np.flatnonzero(missing.ravel())[0])
        raise InputError(f"missing time (NaT) at position {position}", field=field)


def _seconds(times: np.ndarray) -> np.ndarray:
    """Return datetime64 ``times`` as int64 seconds since 1970-01-01 (floored)."""
    return np.asarray(times).astype("datetime64[s]").view(np.int64)


def _days(times: np.ndarray) -> np.ndarray:
    """Return int64 days since 1970-01-01 (floor division: right before 1970 too)."""
    return _seconds(times) // SECONDS_PER_DAY


#: Above this many distinct days a per-range lookup table is not worth building.
_MAX_TABLE_DAYS = 1_000_000


def _per_day(days: np.ndarray, field_of_day: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Evaluate a calendar function of day numbers through a table over their range.

    numpy's calendar conversions (datetime64[D] -> [M]) cost ~100 ns per value;
    timestamps of a run span a few thousand days, so computing the field once
    per day of the range and indexing is several times faster.
    """
    if days.size == 0:
        return field_of_day(days)
    first, last = int(days.min()), int(days.max())
    if last - first >= _MAX_TABLE_DAYS:
        return field_of_day(days)
    table = field_of_day(np.arange(first, last + 1, dtype=np.int64))
    return table[days - first]


def _leap_slot_of_days(days: np.ndarray) -> np.ndarray:
    """Leap-calendar slot of int64 day numbers, by numpy's calendar conversion."""
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    month0 = months.astype(np.int64) % 12  # floor modulo: right for years before 1970 too
    day0 = (dates - months.astype("datetime64[D]")).astype(np.int64)
    return LEAP_MONTH_OFFSETS[month0] + day0


def _month_of_days(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of int64 day numbers."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_index(times: np.ndarray) -> np.ndarray:
    """Return months since 1970-01 of datetime64 ``times`` (int64; Jan 1970 is 0)."""
    return _per_day(_days(times), _month_of_days)


def day_of_leap_year(times: np.ndarray) -> np.ndarray:
    """Return the slot of each month-day in a 366-day leap calendar (0 = 1 Jan, 59 = 29 Feb).

    Parameters
    ----------
    times : ndarray of datetime64
        Local wall-clock times.

    Returns
    -------
    ndarray of int64
        0..365; 1 March is always 60, whether the year is a leap year or not.

    """
    return _per_day(_days(times), _leap_slot_of_days)


def hour_of_day(times: np.ndarray) -> np.ndarray:
    """Return the wall-clock hour 0..23 of datetime64 ``times`` (int64)."""
    return (_seconds(times) % SECONDS_PER_DAY) // SECONDS_PER_HOUR


def hour_of_week(times: np.ndarray) -> np.ndarray:
    """Return ``weekday * 24 + hour``, 0 (Monday 00:00) .. 167 (Sunday 23:00), int64."""
    # Shift the epoch (a Thursday) back to a Monday 00:00, then one floor-mod and
    # one division give the hour of the week.
    week = 7 * SECONDS_PER_DAY
    return ((_seconds(times) + 3 * SECONDS_PER_DAY) % week) // SECONDS_PER_HOUR


def weekday(times: np.ndarray) -> np.ndarray:
    """Return the day of the week, Monday = 0 .. Sunday = 6 (int64)."""
    return (_days(times) + 3) % 7  # 1970-01-01 was a Thursday (3)
