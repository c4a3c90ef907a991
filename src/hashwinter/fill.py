"""Forward fill: the value in force at each time is the latest one observed on or before it.

One place for the rule every dated input follows (FX rates over weekends and
holidays, chain and price history carried over gaps, statistics of the last day
that had any): :func:`asof` looks a sorted dated series up at any days, skipping
missing values; :func:`last_valid_index` forward-fills positions along an axis.
Both are single numpy calls (``searchsorted``, ``maximum.accumulate``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["NAT", "asof", "last_valid_index"]

#: "No day" marker for int64 day numbers (the int64 value of numpy's NaT).
NAT = np.iinfo(np.int64).min


def asof(
    src_days: npt.NDArray[np.generic], values: npt.ArrayLike, days: npt.NDArray[np.generic]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.generic]]:
    """Return the latest non-NaN value on or before each day, and the day it comes from.

    Parameters
    ----------
    src_days : ndarray of int64 or datetime64 (n,)
        Sorted days of the series.
    values : array_like of float (n,)
        Series values (NaN = no value that day).
    days : ndarray, same kind as ``src_days``, any shape
        Days asked for.

    Returns
    -------
    values : ndarray of float
        The value in force, shaped like ``days`` (NaN where none precedes the day).
    when : ndarray like ``src_days``
        The day it comes from (:data:`NAT`, or NaT for datetime64 days, where none).

    Examples
    --------
    Rates on Friday (day 4) and Monday (day 7): the weekend keeps Friday's; day 3
    has none yet.

    >>> got, when = asof(np.array([4, 7]), [6.9, 7.0], np.array([3, 4, 5, 6, 7]))
    >>> got.tolist(), when.tolist()[1:]
    ([nan, 6.9, 6.9, 6.9, 7.0], [4, 4, 4, 7])

    """
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    sd, sv = src_days[ok], v[ok]
    none = np.datetime64("NaT") if src_days.dtype.kind == "M" else NAT
    if sd.size == 0:
        return (np.full(days.shape, np.nan),
                np.full(days.shape, none, dtype=src_days.dtype))  # fmt: skip
    i = np.searchsorted(sd, days, side="right") - 1
    found = i >= 0
    j = np.clip(i, 0, None)
    return np.where(found, sv[j], np.nan), np.where(found, sd[j], none)


def last_valid_index(valid: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Return, along the last axis, the index of the latest valid position at or before each.

    Parameters
    ----------
    valid : array_like of bool (..., n)
        Which positions hold a value.

    Returns
    -------
    ndarray of int64 (..., n)
        Index of the value to carry to each position; -1 before the first valid one.

    Examples
    --------
    >>> last_valid_index([False, True, False, False, True, False]).tolist()
    [-1, 1, 1, 1, 4, 4]

    """
    v = np.asarray(valid, dtype=bool)
    index = np.where(v, np.arange(v.shape[-1]), -1)
    return np.asarray(np.maximum.accumulate(index, axis=-1), dtype=np.int64)
