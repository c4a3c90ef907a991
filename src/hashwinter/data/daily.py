"""Daily series helpers: day numbers, runs of days, stale values, retargets in daily means.

The as-of lookup (the value in force on a day) is :func:`hashwinter.fill.asof`.

Days are int64 counts since 1970-01-01 (numpy ``datetime64[D]`` as integers),
so lookups over thousands of dates are single numpy calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.fill import NAT

__all__ = [
    "SAME",
    "day_text",
    "missing_days",
    "range_text",
    "retarget_flags",
    "runs",
    "stale",
    "to_days",
]

#: Relative difference below which two daily difficulties are the same value
#: (Coin Metrics' derived difficulty varies by ~1e-9 between retargets).
SAME = 1e-7
_EPOCH = dt.date(1970, 1, 1)


def day_text(day: int) -> str:
    """Format a day number as ``YYYY-MM-DD``."""
    return (_EPOCH + dt.timedelta(days=int(day))).isoformat()


def to_days(dates: Any) -> np.ndarray:
    """Convert dates (str, date, datetime64, Timestamp, or arrays of them) to int64 days.

    Raises
    ------
    InputError
        If a value is not a date.

    """
    arr = np.atleast_1d(np.asarray(dates))
    if arr.dtype.kind == "M":
        out = arr.astype("datetime64[D]")
    else:
        try:
            out = pd.to_datetime(arr.ravel(), format="ISO8601").to_numpy().astype("datetime64[D]")
        except (ValueError, TypeError) as exc:
            raise InputError(f"not a date (YYYY-MM-DD): {exc}", field="date") from None
    if np.isnat(out).any():
        raise InputError("missing date", field="date")
    return out.astype(np.int64).ravel()


def stale(days: np.ndarray, when: np.ndarray, max_fill_days: int) -> np.ndarray:
    """Mask of days whose value is missing or more than ``max_fill_days`` old."""
    return (when == NAT) | (days - when > max_fill_days)


def range_text(src_days: np.ndarray, values: np.ndarray) -> str:
    """``first..last`` of the days that have a value, or ``nothing``."""
    have = src_days[~np.isnan(values)]
    return f"{day_text(have[0])}..{day_text(have[-1])}" if have.size else "nothing"


def runs(days: np.ndarray) -> list[tuple[int, int]]:
    """Group sorted day numbers into runs of consecutive days: ``[(first, last), ...]``."""
    if days.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(days) != 1)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [days.size - 1]))
    return [(int(days[s]), int(days[e])) for s, e in zip(starts, ends, strict=True)]


def missing_days(days: np.ndarray) -> list[tuple[int, int]]:
    """Return runs of calendar days absent between the first and last of sorted ``days``."""
    if days.size < 2:
        return []
    return [(int(days[i]) + 1, int(days[i + 1]) - 1) for i in np.flatnonzero(np.diff(days) > 1)]


def retarget_flags(
    days: np.ndarray, difficulty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Find retargets in a daily mean-difficulty series.

    A retarget shows as a change of the daily value. When it falls inside a
    day, that day's mean (over its blocks) lies strictly between the values of
    the day before and the day after: a *blended* day, followed by a day that
    carries the new difficulty (which is not a second retarget).

    Parameters
    ----------
    days : ndarray of int64
        Sorted days with a difficulty.
    difficulty : ndarray of float
        Mean difficulty of each day. [dimensionless]

    Returns
    -------
    retarget : ndarray of bool
        The day holds a retarget.
    change : ndarray of float
        ``after / before - 1`` on retarget days, NaN elsewhere.
    blended : ndarray of bool
        The day's value mixes the old and new difficulty.
    around : ndarray of float, shape (2, n)
        Difficulty before and after the retarget (NaN elsewhere).

    """
    sv = difficulty
    n = sv.size
    changed = np.zeros(n, dtype=bool)
    if n > 1:
        changed[1:] = np.abs(sv[1:] / sv[:-1] - 1.0) > SAME
    blended = np.zeros(n, dtype=bool)
    if n > 2:
        lo = np.minimum(sv[:-2], sv[2:])
        hi = np.maximum(sv[:-2], sv[2:])
        between = (sv[1:-1] > lo * (1 + SAME)) & (sv[1:-1] < hi * (1 - SAME))
        consecutive = (days[1:-1] - days[:-2] == 1) & (days[2:] - days[1:-1] == 1)
        blended[1:-1] = changed[1:-1] & changed[2:] & between & consecutive
    after_blend = np.zeros(n, dtype=bool)
    after_blend[1:] = blended[:-1]
    retarget = blended | (changed & ~after_blend)
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    idx = np.flatnonzero(retarget)
    before[idx] = sv[idx - 1]
    nxt = np.minimum(idx + 1, n - 1)
    after[idx] = np.where(blended[idx], sv[nxt], sv[idx])
    return retarget, after / before - 1.0, blended, np.stack([before, after])
