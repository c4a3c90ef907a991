"""Geometric Brownian motion: log-normal prices with constant drift and volatility.

``dS/S = mu dt + sigma dW``, stepped exactly:
``S[t+dt] = S[t] exp((mu - sigma^2/2) dt + sigma sqrt(dt) Z)``, Z ~ N(0, 1), so
``E[S_t] = s0 e^(mu t)`` and ``Var[S_t] = s0^2 e^(2 mu t) (e^(sigma^2 t) - 1)``.

Units: ``mu`` per day and ``sigma`` per square-root day (the stored history is
daily). :meth:`GBM.from_annual` converts annualised figures (365-day years).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.market.base import (
    FloatArray,
    check_finite,
    check_positive,
    check_shape,
    log_returns,
    paths_from_log_increments,
)
from hashwinter.units import TRADING_DAYS_PER_YEAR

__all__ = ["GBM", "gbm_step"]


def gbm_step(
    price: npt.ArrayLike,
    dt_days: npt.ArrayLike,
    z: npt.ArrayLike,
    mu: float,
    sigma: float,
) -> FloatArray:
    """Advance GBM prices exactly over (possibly different) time steps.

    Parameters
    ----------
    price : float or ndarray
        Prices now. [currency per coin]
    dt_days : float or ndarray
        Time to advance, per element. [day]
    z : float or ndarray
        Standard normal draws, one per element.
    mu : float
        Drift. [1/day]
    sigma : float
        Volatility. [1/sqrt(day)]

    Returns
    -------
    ndarray
        Prices after ``dt_days``. [currency per coin]

    """
    dt = np.asarray(dt_days, dtype=np.float64)
    normals = np.asarray(z, dtype=np.float64)
    drift = (mu - 0.5 * sigma * sigma) * dt
    return np.asarray(price, dtype=np.float64) * np.exp(drift + sigma * np.sqrt(dt) * normals)


@dataclasses.dataclass(frozen=True)
class GBM:
    """Geometric Brownian motion.

    Parameters
    ----------
    s0 : float
        Price at step 0. [currency per coin]
    mu : float
        Drift of the arithmetic return, ``E[S_t] = s0 e^(mu t)``. [1/day]
    sigma : float
        Volatility of log returns. [1/sqrt(day)]
    dt_days : float, default 1.0
        Length of one simulated step. [day]

    Examples
    --------
    >>> import numpy as np
    >>> GBM(s0=100.0, mu=0.0, sigma=0.0).simulate(2, 3, np.random.default_rng(0))
    array([[100., 100., 100., 100.],
           [100., 100., 100., 100.]])

    """

    s0: float
    mu: float
    sigma: float
    dt_days: float = 1.0

    def __post_init__(self) -> None:
        check_positive(self.s0, "s0")
        check_finite(self.mu, "mu")
        check_positive(self.sigma, "sigma", allow_zero=True)
        check_positive(self.dt_days, "dt_days")

    @classmethod
    def from_annual(
        cls, s0: float, mu_annual: float, sigma_annual: float, dt_days: float = 1.0
    ) -> GBM:
        """Build from annualised drift [1/year] and volatility [1/sqrt(year)], 365-day years."""
        return cls(
            s0=s0,
            mu=mu_annual / TRADING_DAYS_PER_YEAR,
            sigma=sigma_annual / math.sqrt(TRADING_DAYS_PER_YEAR),
            dt_days=dt_days,
        )

    @property
    def mu_annual(self) -> float:
        """Annualised drift [1/year]."""
        return self.mu * TRADING_DAYS_PER_YEAR

    @property
    def sigma_annual(self) -> float:
        """Annualised volatility [1/sqrt(year)]."""
        return self.sigma * math.sqrt(TRADING_DAYS_PER_YEAR)

    def mean(self, t_days: npt.ArrayLike) -> FloatArray:
        """Return ``E[S_t] = s0 e^(mu t)`` [currency per coin]."""
        return self.s0 * np.exp(self.mu * np.asarray(t_days, dtype=np.float64))

    def variance(self, t_days: npt.ArrayLike) -> FloatArray:
        """Return ``Var[S_t] = s0^2 e^(2 mu t) (e^(sigma^2 t) - 1)`` [(currency per coin)^2]."""
        t = np.asarray(t_days, dtype=np.float64)
        return self.s0**2 * np.exp(2 * self.mu * t) * np.expm1(self.sigma**2 * t)

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return prices shaped ``(n_paths, n_steps + 1)`` (column 0 is ``s0``).

        Parameters
        ----------
        n_paths : int
            Number of independent paths.
        n_steps : int
            Steps of ``dt_days`` each.
        rng : numpy.random.Generator
            Source of randomness: ``n_paths * n_steps`` standard normals, drawn
            row by row (path-major).

        Returns
        -------
        ndarray
            Prices. [currency per coin]

        """
        check_shape(n_paths, n_steps)
        dt = self.dt_days
        z = rng.standard_normal((n_paths, n_steps))
        increments = (self.mu - 0.5 * self.sigma**2) * dt + self.sigma * math.sqrt(dt) * z
        return paths_from_log_increments(self.s0, increments)

    def step(self, price: npt.ArrayLike, dt_days: npt.ArrayLike, z: npt.ArrayLike) -> FloatArray:
        """Advance ``price`` by ``dt_days`` (per element) with normals ``z``; see `gbm_step`."""
        return gbm_step(price, dt_days, z, self.mu, self.sigma)

    @classmethod
    def fit(cls, history: pd.Series | npt.ArrayLike, dt_days: float = 1.0) -> GBM:
        """Calibrate to a window of prices by maximum likelihood on log returns.

        With log returns ``r`` over steps of ``dt_days``:
        ``sigma^2 = var(r) / dt`` (the MLE, ``ddof=0``) and
        ``mu = mean(r) / dt + sigma^2 / 2``. ``s0`` is the last price of the window.

        Parameters
        ----------
        history : pandas.Series or array_like
            Prices in time order, evenly spaced by ``dt_days``. [currency per coin]
        dt_days : float, default 1.0
            Spacing of the history and of the fitted process's steps. [day]

        Returns
        -------
        GBM

        """
        r = log_returns(history)
        last = float(pd.Series(history).dropna().iloc[-1])
        var = float(np.var(r)) / dt_days
        mu = float(np.mean(r)) / dt_days + 0.5 * var
        return cls(s0=last, mu=mu, sigma=math.sqrt(var), dt_days=dt_days)
