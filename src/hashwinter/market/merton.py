"""Merton's jump diffusion: GBM plus Poisson-timed log-normal jumps.

``dS/S = (mu - lambda kappa) dt + sigma dW + (J - 1) dN``, N a Poisson process
of rate ``lambda`` and ``ln J ~ N(jump_mean, jump_std^2)``, with
``kappa = E[J - 1] = exp(jump_mean + jump_std^2 / 2) - 1``. The compensator
``lambda kappa`` keeps ``mu`` the total expected return: ``E[S_t] = s0 e^(mu t)``
(Merton 1976, "Option pricing when underlying stock returns are discontinuous").

Units: ``mu`` per day, ``sigma`` per square-root day, ``jump_rate`` jumps per
day; ``jump_mean`` and ``jump_std`` are in log-price units per jump.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.market.base import (
    FloatArray,
    check_finite,
    check_positive,
    check_shape,
    log_returns,
    paths_from_log_increments,
)
from hashwinter.units import TRADING_DAYS_PER_YEAR

__all__ = ["MertonJumpDiffusion", "fit_bernoulli_mixture"]


@dataclasses.dataclass(frozen=True)
class MertonJumpDiffusion:
    """Merton jump diffusion.

    Parameters
    ----------
    s0 : float
        Price at step 0. [currency per coin]
    mu : float
        Total drift, jumps included: ``E[S_t] = s0 e^(mu t)``. [1/day]
    sigma : float
        Volatility of the diffusion part. [1/sqrt(day)]
    jump_rate : float
        Expected number of jumps per day (``lambda``). [1/day]
    jump_mean : float
        Mean of the log jump size ``ln J``. [log price]
    jump_std : float
        Standard deviation of ``ln J``. [log price]
    dt_days : float, default 1.0
        Length of one simulated step. [day]

    """

    s0: float
    mu: float
    sigma: float
    jump_rate: float
    jump_mean: float
    jump_std: float
    dt_days: float = 1.0

    def __post_init__(self) -> None:
        check_positive(self.s0, "s0")
        check_finite(self.mu, "mu")
        check_positive(self.sigma, "sigma", allow_zero=True)
        check_positive(self.jump_rate, "jump_rate", allow_zero=True)
        check_finite(self.jump_mean, "jump_mean")
        check_positive(self.jump_std, "jump_std", allow_zero=True)
        check_positive(self.dt_days, "dt_days")

    @property
    def kappa(self) -> float:
        """Expected relative jump size ``E[J - 1]`` [dimensionless]."""
        return math.expm1(self.jump_mean + 0.5 * self.jump_std**2)

    @property
    def sigma_annual(self) -> float:
        """Annualised diffusion volatility [1/sqrt(year)]."""
        return self.sigma * math.sqrt(TRADING_DAYS_PER_YEAR)

    def mean(self, t_days: npt.ArrayLike) -> FloatArray:
        """Return ``E[S_t] = s0 e^(mu t)`` [currency per coin]."""
        return self.s0 * np.exp(self.mu * np.asarray(t_days, dtype=np.float64))

    def log_return_variance(self, t_days: float) -> float:
        """Return ``Var[ln(S_t / s0)] = (sigma^2 + lambda (m^2 + s^2)) t`` [log price^2]."""
        return (self.sigma**2 + self.jump_rate * (self.jump_mean**2 + self.jump_std**2)) * t_days

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return prices shaped ``(n_paths, n_steps + 1)`` (column 0 is ``s0``).

        Per step, in this order: Poisson jump counts, diffusion normals, jump-size
        normals, each an ``(n_paths, n_steps)`` draw from ``rng``.

        Returns
        -------
        ndarray
            Prices. [currency per coin]

        """
        check_shape(n_paths, n_steps)
        dt = self.dt_days
        shape = (n_paths, n_steps)
        n_jumps = rng.poisson(self.jump_rate * dt, shape)
        z = rng.standard_normal(shape)
        z_jump = rng.standard_normal(shape)
        drift = (self.mu - self.jump_rate * self.kappa - 0.5 * self.sigma**2) * dt
        increments = (
            drift
            + self.sigma * math.sqrt(dt) * z
            + self.jump_mean * n_jumps
            + self.jump_std * np.sqrt(n_jumps) * z_jump
        )
        return paths_from_log_increments(self.s0, increments)

    @classmethod
    def fit(
        cls,
        history: pd.Series | npt.ArrayLike,
        dt_days: float = 1.0,
        *,
        max_iter: int = 2000,
        tol: float = 1e-10,
    ) -> MertonJumpDiffusion:
        """Calibrate to a window of prices (Bernoulli-jump maximum likelihood).

        At most one jump per step is assumed, so each log return is drawn from a
        two-component normal mixture (no jump / one jump); the mixture is fitted
        by EM (:func:`fit_bernoulli_mixture`) and mapped back:
        ``sigma^2 = v0 / dt``, ``jump_mean = m1 - m0``, ``jump_std^2 = v1 - v0``,
        ``jump_rate = -ln(1 - p) / dt``, ``mu = m0 / dt + lambda kappa + sigma^2/2``.
        This is Ball & Torous's (1983) simplification of Merton's likelihood;
        its bias is of order ``(lambda dt)^2``, small for daily steps and rare jumps.

        Parameters
        ----------
        history : pandas.Series or array_like
            Prices in time order, evenly spaced by ``dt_days``. [currency per coin]
        dt_days : float, default 1.0
            Spacing of the history. [day]
        max_iter, tol
            EM iteration cap and log-likelihood convergence tolerance.

        Returns
        -------
        MertonJumpDiffusion

        """
        r = log_returns(history, min_returns=20)
        last = float(pd.Series(history).dropna().iloc[-1])
        p, m0, v0, m1, v1 = fit_bernoulli_mixture(r, max_iter=max_iter, tol=tol)
        sigma2 = v0 / dt_days
        jump_mean = m1 - m0
        jump_var = max(v1 - v0, 0.0)
        rate = -math.log1p(-p) / dt_days if p < 1.0 else math.inf
        kappa = math.expm1(jump_mean + 0.5 * jump_var)
        mu = m0 / dt_days + rate * kappa + 0.5 * sigma2
        return cls(
            s0=last,
            mu=mu,
            sigma=math.sqrt(sigma2),
            jump_rate=rate,
            jump_mean=jump_mean,
            jump_std=math.sqrt(jump_var),
            dt_days=dt_days,
        )


def _normal_logpdf(x: FloatArray, mean: float, var: float) -> FloatArray:
    return -0.5 * (np.log(2 * np.pi * var) + (x - mean) ** 2 / var)


def fit_bernoulli_mixture(
    r: FloatArray, *, max_iter: int = 2000, tol: float = 1e-10
) -> tuple[float, float, float, float, float]:
    """Fit ``(1 - p) N(m0, v0) + p N(m1, v1)`` to returns by EM, with ``v1 >= v0``.

    Parameters
    ----------
    r : ndarray
        Log returns.
    max_iter : int
        Iteration cap.
    tol : float
        Stop when the mean log-likelihood improves by less than this.

    Returns
    -------
    tuple of float
        ``(p, m0, v0, m1, v1)``: jump probability per step, then mean and variance
        of the no-jump and the jump component. The fit is constrained to
        ``p <= 1/2`` and ``v1 >= v0`` (jumps are rare and add variance).

    """
    x = np.asarray(r, dtype=np.float64)
    if x.size < 20:
        raise InputError(f"needs at least 20 returns (got {x.size})", field="history")
    total_var = float(np.var(x))
    if total_var == 0.0:
        return 0.0, float(x.mean()), 0.0, float(x.mean()), 0.0
    # Start from a robust (MAD) spread for the quiet days and a wide component
    # for the jumpy ones, so EM does not collapse onto one component.
    mad = float(np.median(np.abs(x - np.median(x)))) * 1.4826
    v0 = max(mad**2, total_var * 1e-3)
    m0 = float(np.median(x))
    outliers = np.abs(x - m0) > 3 * math.sqrt(v0)
    p = float(np.clip(outliers.mean(), 0.01, 0.5))
    m1 = float(x[outliers].mean()) if outliers.any() else m0
    v1 = max(total_var * 4, v0 * 4)
    floor = total_var * 1e-8
    previous = -math.inf
    for _ in range(max_iter):
        log0 = math.log1p(-p) + _normal_logpdf(x, m0, v0)
        log1 = math.log(p) + _normal_logpdf(x, m1, v1)
        top = np.maximum(log0, log1)
        log_norm = top + np.log(np.exp(log0 - top) + np.exp(log1 - top))
        w1 = np.exp(log1 - log_norm)
        w0 = 1.0 - w1
        loglik = float(log_norm.mean())
        s0, s1 = float(w0.sum()), float(w1.sum())
        if s1 < 1e-9 or s0 < 1e-9:
            break
        # Constrained M-step: jumps are the rarer component (p <= 1/2) and add
        # variance (v1 >= v0); without this EM may park a narrow component on a
        # single outlier and call the rest of the sample "jumps".
        p = min(s1 / x.size, 0.5)
        m0 = float(np.dot(w0, x) / s0)
        m1 = float(np.dot(w1, x) / s1)
        v0 = max(float(np.dot(w0, (x - m0) ** 2) / s0), floor)
        v1 = max(float(np.dot(w1, (x - m1) ** 2) / s1), v0)
        if abs(loglik - previous) < tol:
            break
        previous = loglik
    if p < 1e-12 or not math.isfinite(v1):
        return 0.0, float(x.mean()), total_var, float(x.mean()), total_var
    return p, m0, v0, m1, v1
