"""What every price process shares: the simulate contract and history helpers.

A price process is a small frozen dataclass holding its parameters; it draws
``(n_paths, n_steps + 1)`` arrays of prices whose first column is ``s0``, with
steps of ``dt_days`` days, from an explicit :class:`numpy.random.Generator`.
``fit(history)`` classmethods calibrate a process from a window of daily prices
(a pandas Series); they all start from :func:`log_returns`.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.errors import InputError

__all__ = [
    "FloatArray",
    "PriceProcess",
    "check_finite",
    "check_positive",
    "check_probability",
    "check_shape",
    "log_returns",
    "paths_from_log_increments",
]

FloatArray = npt.NDArray[np.float64]

@runtime_checkable
class PriceProcess(Protocol):
    """A process that simulates price paths.

    Attributes
    ----------
    s0 : float
        Price at step 0. [currency per coin]
    dt_days : float
        Length of one step. [day]

    """

    @property
    def s0(self) -> float:
        """Price at step 0 [currency per coin]."""
        ...

    @property
    def dt_days(self) -> float:
        """Length of one step [day]."""
        ...

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return prices shaped ``(n_paths, n_steps + 1)``, column 0 equal to ``s0``."""
        ...


def check_positive(value: float, field: str, *, allow_zero: bool = False) -> None:
    """Raise :class:`InputError` naming ``field`` unless ``value`` is finite and > 0 (or >= 0)."""
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"must be a finite number {bound} (got {value!r})", field=field)


def check_finite(value: float, field: str) -> None:
    """Raise :class:`InputError` naming ``field`` unless ``value`` is finite."""
    if not math.isfinite(value):
        raise InputError(f"must be a finite number (got {value!r})", field=field)


def check_probability(value: float, field: str) -> None:
    """Raise :class:`InputError` naming ``field`` unless ``0 <= value <= 1``."""
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InputError(f"must be between 0 and 1 (got {value!r})", field=field)


def check_shape(n_paths: int, n_steps: int) -> None:
    """Raise :class:`InputError` unless ``n_paths >= 1`` and ``n_steps >= 0`` are integers."""
    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < 1:
        raise InputError(f"must be a whole number >= 1 (got {n_paths!r})", field="n_paths")
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 0:
        raise InputError(f"must be a whole number >= 0 (got {n_steps!r})", field="n_steps")


def log_returns(history: pd.Series | npt.ArrayLike, *, min_returns: int = 2) -> FloatArray:
    """Return the log returns ``ln(P[t+1] / P[t])`` of a price history.

    Parameters
    ----------
    history : pandas.Series or array_like
        Prices in time order, one per step (daily for the stored history).
        Missing values are dropped first. [currency per coin]
    min_returns : int, default 2
        Fewest returns a caller can calibrate from.

    Returns
    -------
    ndarray
        ``len(history) - 1`` log returns. [1 per step]

    Raises
    ------
    InputError
        Non-positive prices, or fewer than ``min_returns`` returns.

    """
    if isinstance(history, pd.Series):
        values = history.dropna().to_numpy(dtype=np.float64)
    else:
        values = np.asarray(history, dtype=np.float64)
        values = values[~np.isnan(values)]
    if values.ndim != 1:
        raise InputError("must be one-dimensional", field="history")
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise InputError("prices must be finite and > 0", field="history")
    if values.size - 1 < min_returns:
        raise InputError(
            f"needs at least {min_returns + 1} prices (got {values.size})", field="history"
        )
    return np.diff(np.log(values))


def paths_from_log_increments(s0: float, increments: FloatArray) -> FloatArray:
    """Turn log increments ``(n_paths, n_steps)`` into prices ``(n_paths, n_steps + 1)``.

    Parameters
    ----------
    s0 : float
        Starting price. [currency per coin]
    increments : ndarray
        ``ln(S[t+1] / S[t])`` per path and step.

    Returns
    -------
    ndarray
        Prices, column 0 equal to ``s0``. [currency per coin]

    """
    n_paths = increments.shape[0]
    log_paths = np.empty((n_paths, increments.shape[1] + 1), dtype=np.float64)
    log_paths[:, 0] = 0.0
    np.cumsum(increments, axis=1, out=log_paths[:, 1:])
    return s0 * np.exp(log_paths)
