"""Two-regime (bull/bear) Markov-switching geometric Brownian motion.

A hidden regime ``s_t`` in {bull, bear} follows a two-state Markov chain that
leaves bull with probability ``p_bull_to_bear`` and bear with probability
``p_bear_to_bull`` per step; within regime ``i`` the price is a GBM with drift
``mu_i`` and volatility ``sigma_i`` (Hamilton 1989, "A new approach to the
economic analysis of nonstationary time series and the business cycle"). The
chain spends a share ``p_bull_to_bear / (p_bull_to_bear + p_bear_to_bull)`` of
the time in bear in the long run (its stationary distribution).

Units: drifts per day, volatilities per square-root day, switching
probabilities per step of ``dt_days``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.market.base import (
    FloatArray,
    check_finite,
    check_positive,
    check_probability,
    check_shape,
    log_returns,
    paths_from_log_increments,
)

__all__ = ["BEAR", "BULL", "RegimeSwitching", "fit_two_state_hmm"]

#: Regime codes in the arrays :meth:`RegimeSwitching.simulate_with_regimes` returns.
BULL: int = 0
BEAR: int = 1

StartRegime = Literal["stationary", "bull", "bear"]


@dataclasses.dataclass(frozen=True)
class RegimeSwitching:
    """Two-regime Markov-switching GBM.

    Parameters
    ----------
    s0 : float
        Price at step 0. [currency per coin]
    mu_bull, mu_bear : float
        Drift in each regime. [1/day]
    sigma_bull, sigma_bear : float
        Volatility in each regime. [1/sqrt(day)]
    p_bull_to_bear, p_bear_to_bull : float
        Probability of switching at each step. [1 per step]
    dt_days : float, default 1.0
        Length of one step. [day]
    start : {"stationary", "bull", "bear"}, default "stationary"
        Regime of step 0: drawn from the stationary distribution, or fixed.

    """

    s0: float
    mu_bull: float
    mu_bear: float
    sigma_bull: float
    sigma_bear: float
    p_bull_to_bear: float
    p_bear_to_bull: float
    dt_days: float = 1.0
    start: StartRegime = "stationary"

    def __post_init__(self) -> None:
        check_positive(self.s0, "s0")
        check_finite(self.mu_bull, "mu_bull")
        check_finite(self.mu_bear, "mu_bear")
        check_positive(self.sigma_bull, "sigma_bull", allow_zero=True)
        check_positive(self.sigma_bear, "sigma_bear", allow_zero=True)
        check_probability(self.p_bull_to_bear, "p_bull_to_bear")
        check_probability(self.p_bear_to_bull, "p_bear_to_bull")
        if self.p_bull_to_bear + self.p_bear_to_bull == 0.0:
            raise InputError(
                "p_bull_to_bear and p_bear_to_bull cannot both be 0 (no stationary mix)",
                field="p_bear_to_bull",
            )
        check_positive(self.dt_days, "dt_days")
        if self.start not in ("stationary", "bull", "bear"):
            raise InputError(
                f"must be 'stationary', 'bull' or 'bear' (got {self.start!r})", field="start"
            )

    @property
    def stationary_bear_share(self) -> float:
        """Long-run share of steps spent in bear [dimensionless]."""
        return self.p_bull_to_bear / (self.p_bull_to_bear + self.p_bear_to_bull)

    def expected_duration_days(self, regime: Literal["bull", "bear"]) -> float:
        """Mean length of a spell in ``regime`` (geometric: ``dt / p_leave``) [day]."""
        leave = self.p_bull_to_bear if regime == "bull" else self.p_bear_to_bull
        return math.inf if leave == 0 else self.dt_days / leave

    def simulate(self, n_paths: int, n_steps: int, rng: np.random.Generator) -> FloatArray:
        """Return prices shaped ``(n_paths, n_steps + 1)`` (column 0 is ``s0``)."""
        return self.simulate_with_regimes(n_paths, n_steps, rng)[0]

    def simulate_with_regimes(
        self, n_paths: int, n_steps: int, rng: np.random.Generator
    ) -> tuple[FloatArray, npt.NDArray[np.int8]]:
        """Return prices and the regime of each step.

        Draws, in order: ``n_paths`` uniforms for the starting regime, an
        ``(n_paths, n_steps)`` array of uniforms for the switches and one of
        standard normals for the returns.

        Returns
        -------
        prices : ndarray
            ``(n_paths, n_steps + 1)``. [currency per coin]
        regimes : ndarray of int8
            ``(n_paths, n_steps)``: the regime (:data:`BULL` or :data:`BEAR`)
            in force during each step.

        """
        check_shape(n_paths, n_steps)
        u0 = rng.random(n_paths)
        if self.start == "stationary":
            state = u0 < self.stationary_bear_share
        else:
            state = np.full(n_paths, self.start == "bear")
        u = rng.random((n_paths, n_steps))
        z = rng.standard_normal((n_paths, n_steps))
        regimes = np.empty((n_paths, n_steps), dtype=np.int8)
        for t in range(n_steps):
            regimes[:, t] = state
            # Leave bear with p_bear_to_bull, enter it with p_bull_to_bear.
            state = np.where(state, u[:, t] >= self.p_bear_to_bull, u[:, t] < self.p_bull_to_bear)
        bear = regimes.astype(bool)
        dt = self.dt_days
        mu = np.where(bear, self.mu_bear, self.mu_bull)
        sigma = np.where(bear, self.sigma_bear, self.sigma_bull)
        increments = (mu - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z
        return paths_from_log_increments(self.s0, increments), regimes

    @classmethod
    def fit(
        cls,
        history: pd.Series | npt.ArrayLike,
        dt_days: float = 1.0,
        *,
        max_iter: int = 500,
        tol: float = 1e-9,
    ) -> RegimeSwitching:
        """Calibrate to a window of prices by maximum likelihood (Baum-Welch EM).

        The regime with the lower mean log return is labelled bear. ``s0`` is the
        window's last price; ``start`` is "stationary".

        Parameters
        ----------
        history : pandas.Series or array_like
            Prices in time order, evenly spaced by ``dt_days``. [currency per coin]
        dt_days : float, default 1.0
            Spacing of the history. [day]
        max_iter, tol
            EM iteration cap and convergence tolerance on the mean log-likelihood.

        Returns
        -------
        RegimeSwitching

        """
        r = log_returns(history, min_returns=30)
        last = float(pd.Series(history).dropna().iloc[-1])
        means, variances, trans = fit_two_state_hmm(r, max_iter=max_iter, tol=tol)
        bull, bear = (0, 1) if means[0] >= means[1] else (1, 0)
        sigma2 = variances / dt_days
        mu = means / dt_days + 0.5 * sigma2
        return cls(
            s0=last,
            mu_bull=float(mu[bull]),
            mu_bear=float(mu[bear]),
            sigma_bull=float(math.sqrt(sigma2[bull])),
            sigma_bear=float(math.sqrt(sigma2[bear])),
            p_bull_to_bear=float(trans[bull, bear]),
            p_bear_to_bull=float(trans[bear, bull]),
            dt_days=dt_days,
        )


def fit_two_state_hmm(
    x: FloatArray, *, max_iter: int = 500, tol: float = 1e-9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fit a two-state Gaussian hidden Markov model by Baum-Welch (scaled forward-backward).

    Parameters
    ----------
    x : ndarray
        Observations (log returns), in time order.
    max_iter : int
        Iteration cap.
    tol : float
        Stop when the mean log-likelihood improves by less than this.

    Returns
    -------
    means : ndarray, shape (2,)
    variances : ndarray, shape (2,)
    transition : ndarray, shape (2, 2)
        ``transition[i, j]`` = probability of moving from state i to j in one step.

    """
    obs = np.asarray(x, dtype=np.float64)
    n = obs.size
    if n < 30:
        raise InputError(f"needs at least 30 returns (got {n})", field="history")
    total_var = float(np.var(obs))
    if total_var == 0.0:
        raise InputError("prices never change: no regimes to fit", field="history")
    # Start from a calm and a volatile state split at the median absolute return.
    calm = np.abs(obs - obs.mean()) <= np.median(np.abs(obs - obs.mean()))
    means = np.array([obs[calm].mean(), obs[~calm].mean()])
    variances = np.maximum(np.array([obs[calm].var(), obs[~calm].var()]), total_var * 1e-6)
    trans = np.array([[0.95, 0.05], [0.05, 0.95]])
    pi = np.array([0.5, 0.5])
    floor = total_var * 1e-8
    previous = -math.inf
    for _ in range(max_iter):
        dens = np.exp(-0.5 * (obs[:, None] - means) ** 2 / variances) / np.sqrt(
            2 * np.pi * variances
        )
        alpha, beta, scale = _forward_backward(dens, pi, trans)
        loglik = float(np.log(scale).sum()) / n
        gamma = alpha * beta
        gamma /= gamma.sum(axis=1, keepdims=True)
        # Expected transitions: xi[t, i, j] summed over t.
        xi = (
            alpha[:-1, :, None]
            * trans[None, :, :]
            * (dens[1:, None, :] * beta[1:, None, :])
            / scale[1:, None, None]
        ).sum(axis=0)
        trans = xi / xi.sum(axis=1, keepdims=True)
        pi = gamma[0]
        weight = gamma.sum(axis=0)
        means = (gamma * obs[:, None]).sum(axis=0) / weight
        variances = np.maximum((gamma * (obs[:, None] - means) ** 2).sum(axis=0) / weight, floor)
        if abs(loglik - previous) < tol:
            break
        previous = loglik
    return means, variances, trans


def _forward_backward(
    dens: FloatArray, pi: FloatArray, trans: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Scaled forward and backward passes for two states (plain floats: the loop is serial)."""
    n = dens.shape[0]
    alpha = np.empty((n, 2))
    beta = np.empty((n, 2))
    scale = np.empty(n)
    p00, p01, p10, p11 = (float(v) for v in trans.ravel())
    d = dens.tolist()
    a0 = float(pi[0]) * d[0][0]
    a1 = float(pi[1]) * d[0][1]
    c = a0 + a1
    a0, a1 = a0 / c, a1 / c
    alpha_rows = [(a0, a1)]
    scales = [c]
    for t in range(1, n):
        b0, b1 = d[t]
        n0 = (a0 * p00 + a1 * p10) * b0
        n1 = (a0 * p01 + a1 * p11) * b1
        c = n0 + n1
        if c <= 0.0:  # both densities underflowed: an extreme outlier; keep the prior mix
            n0, n1, c = a0 * p00 + a1 * p10, a0 * p01 + a1 * p11, 1e-300
            a0, a1 = n0, n1
        else:
            a0, a1 = n0 / c, n1 / c
        alpha_rows.append((a0, a1))
        scales.append(c)
    alpha[:] = alpha_rows
    scale[:] = scales
    b0s, b1s = 1.0, 1.0
    beta_rows = [(1.0, 1.0)] * n
    for t in range(n - 2, -1, -1):
        e0, e1 = d[t + 1]
        c = scales[t + 1]
        w0, w1 = e0 * b0s, e1 * b1s
        b0s = (p00 * w0 + p01 * w1) / c
        b1s = (p10 * w0 + p11 * w1) / c
        beta_rows[t] = (b0s, b1s)
    beta[:] = beta_rows
    return alpha, beta, scale
