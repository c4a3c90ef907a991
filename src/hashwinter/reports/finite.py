"""Nothing non-finite reaches an output: strict JSON (RFC 8259) and CSV without inf or nan.

Some quantities are legitimately unbounded: a payback that never happens, the
shutdown price of a machine that mines nothing (no price makes it pay), the
electricity share of zero revenue. They are computed as ``inf`` (or ``nan``
when undefined) and written as an empty value with a flag beside it, never as
``Infinity``/``NaN`` (not JSON) or ``inf`` (not a number a spreadsheet reads):

- JSON: ``"payback_days": null, "payback_days_flag": "never"``;
- CSV: an empty cell and a ``payback_days_flag`` column (``never``, or empty).

The flag is ``"never"`` for ``+inf`` in a payback or a shutdown price (the event
does not happen at any finite value), ``"unbounded"`` for another ``+inf`` (a
price over a shutdown price of zero), ``"-inf"`` for ``-inf`` and
``"undefined"`` for ``nan``. A column that
is ``nan`` only where a value is simply missing (no data) gets no flag column
when the caller says so (``flag_nan=False``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FLAG_SUFFIX", "NEVER", "dumps", "finite_frame", "flag_of", "strict"]

#: Suffix of the flag beside a value that is not finite.
FLAG_SUFFIX = "_flag"


#: Names (substrings) of quantities whose +inf means "it never happens".
NEVER = ("payback", "shutdown_price")


def flag_of(value: float, key: object = None) -> str | None:
    """Return the flag of a non-finite value named ``key`` (None for a finite value).

    Examples
    --------
    >>> flag_of(float("inf"), "payback_days"), flag_of(float("inf"), "price_to_shutdown")
    ('never', 'unbounded')
    >>> flag_of(float("-inf")), flag_of(float("nan")), flag_of(1.0)
    ('-inf', 'undefined', None)

    """
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        if value < 0:
            return "-inf"
        return "never" if any(n in str(key) for n in NEVER) else "unbounded"
    return None


def _number(value: Any) -> float | None:
    """Return ``value`` as a float if it is a (numpy or Python) float, else None."""
    if isinstance(value, float | np.floating):
        return float(value)
    return None


def strict(obj: Any, *, flag_nan: bool = True) -> Any:
    """Return ``obj`` with every non-finite float replaced by None and flagged beside it.

    In a mapping, ``{"x": inf}`` becomes ``{"x": None, "x_flag": "never"}``; in a
    list, a non-finite element becomes None (a list has no room for a flag).
    numpy scalars become Python numbers. ``flag_nan=False`` leaves a ``nan``
    unflagged (a missing value, not an unbounded one).

    Examples
    --------
    >>> strict({"payback_days": float("inf"), "pnl": [1.0, float("nan")]})
    {'payback_days': None, 'payback_days_flag': 'never', 'pnl': [1.0, None]}

    """
    if isinstance(obj, Mapping):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            number = _number(value)
            if number is not None and not math.isfinite(number):
                out[key] = None
                flag = flag_of(number, key)
                if flag != "undefined" or flag_nan:
                    out[f"{key}{FLAG_SUFFIX}"] = flag
            else:
                out[key] = strict(value, flag_nan=flag_nan)
        return out
    if isinstance(obj, list | tuple):
        return [strict(v, flag_nan=flag_nan) for v in obj]
    number = _number(obj)
    if number is not None:
        return number if math.isfinite(number) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def dumps(obj: Any, *, flag_nan: bool = True, **kwargs: Any) -> str:
    """Return strict JSON (RFC 8259: no NaN or Infinity) of ``obj``; see :func:`strict`.

    Keyword arguments go to :func:`json.dumps` (``indent``, ``default``, ...).

    Examples
    --------
    >>> dumps({"shutdown_price": float("inf")})
    '{"shutdown_price": null, "shutdown_price_flag": "never"}'

    """
    return json.dumps(strict(obj, flag_nan=flag_nan), allow_nan=False, **kwargs)


def finite_frame(frame: pd.DataFrame, *, flag_nan: bool = False) -> pd.DataFrame:
    """Return ``frame`` with non-finite floats emptied and a ``<column>_flag`` column beside each.

    Only columns that hold an infinity (or, with ``flag_nan``, a nan) get a flag
    column, placed right after them; other columns are unchanged. Written with
    ``to_csv`` the cells are empty and the flag says why.

    Examples
    --------
    >>> frame = pd.DataFrame({"farm": ["a", "b"], "payback_days": [120.0, float("inf")]})
    >>> print(finite_frame(frame).to_csv(index=False), end="")
    farm,payback_days,payback_days_flag
    a,120.0,
    b,,never

    """
    out = frame.copy()
    for column in list(frame.columns):
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        values = frame[column].to_numpy(dtype=np.float64)
        bad = np.isinf(values) | (np.isnan(values) if flag_nan else False)
        if not bad.any():
            continue
        flags = pd.Series(
            [flag_of(v, column) if b else None for v, b in zip(values, bad, strict=True)],
            index=frame.index, dtype=object,
        )
        out[column] = np.where(np.isfinite(values), values, np.nan)
        position = list(out.columns).index(column) + 1
        out.insert(position, f"{column}{FLAG_SUFFIX}", flags)
    return out
