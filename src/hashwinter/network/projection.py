"""Exogenous difficulty projections: difficulty paths that do not react to the farms.

- :class:`ConstantGrowthDifficulty` grows difficulty by a constant rate per month,
  as mining calculators do (in monthly steps by default).
- :class:`RetargetBootstrap` resamples historical retarget changes: each future
  retarget multiplies difficulty by a ratio drawn (in blocks) from the ratios of
  a window of history. Under Bitcoin's rule a window that took ``L`` days moves
  difficulty by ``14 / L`` (unless clamped), so the epoch that ends in ratio ``r``
  lasted ``14 / r`` days; the projection uses that to time the retargets.

Both share the price processes' contract: ``simulate(n_paths, n_steps, rng)``
returns ``(n_paths, n_steps + 1)`` difficulties on a grid of ``dt_days``,
column 0 equal to ``d0``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.chain import TARGET_TIMESPAN_S
from hashwinter.errors import InputError
from hashwinter.market.base import FloatArray, check_finite, check_positive, check_shape
from hashwinter.market.bootstrap import circular_block_indices
from hashwinter.units import GREGORIAN_MONTH_DAYS, SECONDS_PER_DAY

__all__ = [
    "ConstantGrowthDifficulty",
    "RetargetBootstrap",
    "retarget_ratios",
]

#: Length of a retarget window at the target spacing (two weeks). [day]
_EPOCH_DAYS: float = TARGET_TIMESPAN_S / SECONDS_PER_DAY


@dataclasses.dataclass(frozen=True)
class ConstantGrowthDifficulty:
    """Difficulty growing at a constant rate per month.

    Parameters
    ----------
    d0 : float
        Difficulty at step 0. [dimensionless]
    monthly_growth : float
        Relative growth per month, e.g. 0.05 for +5 %/month. [1/month]
    step_days : float or None, default 30.436875
        Difficulty changes in steps of this length (a month, as calculators do;
        14 for retarget-like steps); None grows it smoothly.
        ``D(t) = d0 (1 + g)^(floor(t / step) * step / month)``. [day]
    dt_days : float, default 1.0
        Grid spacing of :meth:`simulate`. [day]

    """

    d0: float
    monthly_growth: float
    step_days: float | None = GREGORIAN_MONTH_DAYS
    dt_days: float = 1.0

    def __post_init__(self) -> None:
        check_positive(self.d0, "d0")
        check_finite(self.monthly_growth, "monthly_growth")
        if self.monthly_growth <= -1.0:
            raise InputError(f"must be > -1 (got {self.monthly_growth!r})", field="monthly_growth")
        if self.step_days is not None:
            check_positive(self.step_days, "step_days")
        check_positive(self.dt_days, "dt_days")

    def at(self, t_days: npt.ArrayLike) -> FloatArray:
        """Return the difficulty at times ``t_days`` after step 0 [dimensionless]."""
        t = np.asarray(t_days, dtype=np.float64)
        if self.step_days is not None:
            # The small tolerance keeps t = k * step (in floating point) on step k.
            t = np.floor(t / self.step_days + 1e-9) * self.step_days
        return np.asarray(self.d0 * np.power(1.0 + self.monthly_growth, t / GREGORIAN_MONTH_DAYS))

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return ``(n_paths, n_steps + 1)`` difficulties (identical rows; ``rng`` is unused)."""
        check_shape(n_paths, n_steps)
        row = self.at(np.arange(n_steps + 1) * self.dt_days)
        return np.broadcast_to(row, (n_paths, n_steps + 1)).copy()


def retarget_ratios(
    difficulty: pd.Series, *, min_plateau_days: int = 2, rtol: float = 1e-6
) -> FloatArray:
    """Extract retarget ratios ``D_new / D_old`` from a daily difficulty series.

    The stored series holds each day's *mean* difficulty, so a retarget day is a
    blend of the old and new value. Difficulty is constant between retargets, so
    runs of at least ``min_plateau_days`` equal days are windows; the ratio of
    consecutive plateau values is a retarget change. A window shorter than the
    plateau length (early 2010-2011 only) merges into its neighbour's ratio.

    Parameters
    ----------
    difficulty : pandas.Series
        Daily mean difficulty in time order. [dimensionless]
    min_plateau_days : int, default 2
        Fewest equal consecutive days that make a plateau.
    rtol : float, default 1e-6
        Relative difference below which two days are the same window.

    Returns
    -------
    ndarray
        Ratios of consecutive plateaus. [dimensionless]

    """
    values = difficulty.dropna().to_numpy(dtype=np.float64)
    if values.size == 0 or np.any(values <= 0):
        raise InputError("must be a non-empty series of difficulties > 0", field="difficulty")
    change = np.flatnonzero(np.abs(np.diff(values)) > rtol * values[:-1]) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [values.size])))
    plateaus = values[starts[lengths >= min_plateau_days]]
    if plateaus.size < 2:
        raise InputError("holds fewer than two retarget windows", field="difficulty")
    return np.asarray(plateaus[1:] / plateaus[:-1])


@dataclasses.dataclass(frozen=True, eq=False)
class RetargetBootstrap:
    """Difficulty paths from resampled historical retarget ratios.

    Retarget ``k`` (k = 1, 2, ...) multiplies difficulty by ratio ``r_k``, drawn
    by circular block bootstrap from ``ratios``; it happens ``14 / r_k`` days
    after the previous one (the epoch's length that Bitcoin's rule turns into
    ``r_k``). Step 0 is the start of a retarget window.

    Parameters
    ----------
    d0 : float
        Difficulty at step 0. [dimensionless]
    ratios : ndarray
        Historical retarget ratios ``D_new / D_old``. [dimensionless]
    block_length : int, default 1
        Consecutive historical retargets per resampled block (1 = i.i.d.).
    dt_days : float, default 1.0
        Grid spacing of :meth:`simulate`. [day]

    """

    d0: float
    ratios: FloatArray
    block_length: int = 1
    dt_days: float = 1.0

    def __post_init__(self) -> None:
        check_positive(self.d0, "d0")
        check_positive(self.dt_days, "dt_days")
        values = np.array(self.ratios, dtype=np.float64)
        if values.ndim != 1 or values.size == 0:
            raise InputError("must be a non-empty list of ratios", field="ratios")
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise InputError("must all be finite and > 0", field="ratios")
        values.setflags(write=False)
        object.__setattr__(self, "ratios", values)
        length = self.block_length
        if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < 1:
            raise InputError(f"must be a whole number >= 1 (got {length!r})", field="block_length")
        if length > values.size:
            raise InputError(
                f"must be <= the number of ratios ({values.size})", field="block_length"
            )

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return ``(n_paths, n_steps + 1)`` difficulties on the ``dt_days`` grid.

        Draws the block starts of ``ceil(K / block_length)`` blocks per path from
        ``rng``, K being enough retargets to cover the horizon at the fastest
        historical pace.

        Returns
        -------
        ndarray
            Difficulty in force at each grid time. [dimensionless]

        """
        check_shape(n_paths, n_steps)
        horizon = n_steps * self.dt_days
        shortest = _EPOCH_DAYS / float(self.ratios.max())
        n_retargets = math.ceil(horizon / shortest) + 1
        idx = circular_block_indices(self.ratios.size, n_paths, n_retargets, self.block_length, rng)
        r = self.ratios[idx]
        when = np.cumsum(_EPOCH_DAYS / r, axis=1)  # day of retarget k, per path
        level = self.d0 * np.cumprod(r, axis=1)
        t = np.arange(n_steps + 1) * self.dt_days
        # Number of retargets by each grid time, for all paths in one sorted search:
        # offset each path's times by a span larger than any of them.
        span = float(when[:, -1].max()) + horizon + 1.0
        offset = np.arange(n_paths)[:, None] * span
        flat_when = (when + offset).ravel()
        count = np.searchsorted(flat_when, (t[None, :] + offset).ravel(), side="right")
        count = count.reshape(n_paths, n_steps + 1) - np.arange(n_paths)[:, None] * n_retargets
        padded = np.concatenate([np.full((n_paths, 1), self.d0), level], axis=1)
        return np.take_along_axis(padded, count, axis=1)

    @classmethod
    def fit(
        cls,
        difficulty: pd.Series,
        block_length: int = 1,
        dt_days: float = 1.0,
        *,
        min_plateau_days: int = 2,
    ) -> RetargetBootstrap:
        """Take the retarget ratios of a window of daily difficulty; ``d0`` is its last value.

        Parameters
        ----------
        difficulty : pandas.Series
            Daily mean difficulty (e.g. the ``difficulty`` column of
            ``btc_daily.csv``), in time order. [dimensionless]
        block_length : int, default 1
            Retargets per resampled block.
        dt_days : float, default 1.0
            Grid spacing of the projection. [day]
        min_plateau_days : int, default 2
            See :func:`retarget_ratios`.

        Returns
        -------
        RetargetBootstrap

        """
        ratios = retarget_ratios(difficulty, min_plateau_days=min_plateau_days)
        d0 = float(difficulty.dropna().iloc[-1])
        return cls(d0=d0, ratios=ratios, block_length=block_length, dt_days=dt_days)
