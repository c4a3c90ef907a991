"""Risk metrics over Monte Carlo paths: VaR, CVaR, ruin and payback.

Pure functions over arrays whose **last axis is the paths** (other axes, such as
scenarios or time, broadcast). Outcomes are profits (P&L, cash): a loss is a
negative outcome, and VaR and CVaR are reported as positive loss amounts in the
outcomes' currency.

- :func:`value_at_risk` — the loss not exceeded with probability ``level``.
- :func:`expected_shortfall` — the mean loss in the worst ``1 - level`` of cases
  (CVaR), with the fractional-atom correction of Acerbi & Tasche (2002), so it is
  coherent and exact on small samples.
- :func:`ruin_probability` — share of paths whose cash has fallen below a
  threshold by each time.
- :func:`payback_times` and :func:`payback_summary` — when cumulative net cash
  flow first turns non-negative, and its distribution; :class:`RunningPayback`
  computes the same times one step at a time (memory per path, not per step and path).
- :func:`path_quantiles` — quantiles across paths at each time (fan charts).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = [
    "RunningPayback",
    "expected_shortfall",
    "path_quantiles",
    "payback_summaries",
    "payback_summary",
    "payback_times",
    "ruin_probability",
    "time_to_ruin",
    "value_at_risk",
]

FloatArray = npt.NDArray[np.float64]


def _check_level(level: float) -> None:
    if not (isinstance(level, int | float) and 0.0 < level < 1.0):
        raise InputError(f"must be between 0 and 1, exclusive (got {level!r})", field="level")


def _as_paths(outcomes: npt.ArrayLike) -> FloatArray:
    x = np.asarray(outcomes, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise InputError("needs at least one path", field="outcomes")
    if np.isnan(x).any():
        raise InputError("contains NaN", field="outcomes")
    return x


def value_at_risk(outcomes: npt.ArrayLike, level: float = 0.95) -> FloatArray:
    """Return the value at risk: the ``level`` quantile of the loss ``-outcomes``.

    With losses ``L = -outcomes`` sorted, VaR is the smallest ``l`` with
    ``P(L <= l) >= level`` (the empirical quantile without interpolation).

    Parameters
    ----------
    outcomes : array_like
        P&L or cash per path (last axis). [currency]
    level : float, default 0.95
        Confidence level, e.g. 0.95 or 0.99.

    Returns
    -------
    ndarray
        VaR over the last axis; positive when the bad tail loses money. [currency]

    Examples
    --------
    P&L of 1, 2, ..., 100: 95 paths of 100 make 6 or more, so the 95 % VaR is a
    loss of -6 (a gain of 6):

    >>> float(value_at_risk(range(1, 101), 0.95))
    -6.0

    """
    _check_level(level)
    losses = -_as_paths(outcomes)
    return np.asarray(np.quantile(losses, level, axis=-1, method="inverted_cdf"))


def expected_shortfall(outcomes: npt.ArrayLike, level: float = 0.95) -> FloatArray:
    """Return the expected shortfall (CVaR): the mean loss in the worst ``1 - level`` of paths.

    With ``n`` paths and ``k = n (1 - level)``, the mean of the ``floor(k)`` largest
    losses plus the fraction ``k - floor(k)`` of the next one, divided by ``k``
    (Acerbi & Tasche 2002, "On the coherence of expected shortfall"). Always
    ``>= value_at_risk``.

    Parameters
    ----------
    outcomes : array_like
        P&L or cash per path (last axis). [currency]
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ndarray
        CVaR over the last axis, as a positive loss. [currency]

    Examples
    --------
    The 5 worst of 1, 2, ..., 100 average 3, a loss of -3:

    >>> round(float(expected_shortfall(range(1, 101), 0.95)), 12)
    -3.0

    """
    _check_level(level)
    losses = -_as_paths(outcomes)
    n = losses.shape[-1]
    worst_first = -np.sort(-losses, axis=-1)
    k = n * (1.0 - level)
    whole = math.floor(k + 1e-9)  # k = n(1 - level) is often an integer up to rounding
    frac = k - whole if k - whole > 1e-9 else 0.0
    total = worst_first[..., :whole].sum(axis=-1)
    if frac > 0.0 and whole < n:
        total = total + frac * worst_first[..., whole]
    return np.asarray(total / k)


def ruin_probability(
    cash: npt.ArrayLike, threshold: float = 0.0, *, strict: bool = True
) -> FloatArray:
    """Return, for each time, the share of paths whose cash has gone below ``threshold``.

    Ruin is absorbing: a path counts from the first time its cash is below the
    threshold, even if it recovers later.

    Parameters
    ----------
    cash : array_like
        Cash balances shaped ``(..., n_steps, n_paths)``. [currency]
    threshold : float, default 0
        Ruin level. [currency]
    strict : bool, default True
        Ruin when cash < threshold (True) or <= threshold (False).

    Returns
    -------
    ndarray
        Shaped ``(..., n_steps)``: probability of ruin by each step, non-decreasing.

    """
    x = _as_paths(cash)
    if x.ndim < 2:
        raise InputError("must be shaped (steps, paths)", field="cash")
    below = x < threshold if strict else x <= threshold
    ruined = np.logical_or.accumulate(below, axis=-2)
    return np.asarray(ruined.mean(axis=-1))


def time_to_ruin(
    cash: npt.ArrayLike, times: npt.ArrayLike | None = None, threshold: float = 0.0
) -> FloatArray:
    """Return the first time each path's cash is below ``threshold`` (inf if never).

    Parameters
    ----------
    cash : array_like
        Shaped ``(n_steps, n_paths)``. [currency]
    times : array_like, optional
        Time of each step, shape ``(n_steps,)``; default the step index. [any unit]
    threshold : float, default 0
        Ruin level. [currency]

    Returns
    -------
    ndarray
        Shaped ``(n_paths,)``. [unit of ``times``]

    """
    x = _as_paths(cash)
    if x.ndim != 2:
        raise InputError("must be shaped (steps, paths)", field="cash")
    t = np.arange(x.shape[0], dtype=np.float64) if times is None else np.asarray(times, float)
    below = x < threshold
    first = np.argmax(below, axis=0)
    return np.where(below.any(axis=0), t[first], np.inf)


def payback_times(cumulative: npt.ArrayLike, times: npt.ArrayLike | None = None) -> FloatArray:
    """Return when each path's cumulative net cash flow first reaches zero (inf if never).

    The crossing is interpolated linearly between the last step below zero and
    the first step at or above it; a path that starts at or above zero pays back
    at the first time.

    Parameters
    ----------
    cumulative : array_like
        Cumulative net cash flow (investment counted negative), shaped
        ``(n_steps, n_paths)``. [currency]
    times : array_like, optional
        Time of each step, shape ``(n_steps,)``, increasing; default the step index.

    Returns
    -------
    ndarray
        Payback time per path, shape ``(n_paths,)``. [unit of ``times``]

    Examples
    --------
    >>> payback_times([[-100.0], [-40.0], [20.0]], [0.0, 30.0, 60.0]).tolist()
    [50.0]

    """
    c = _as_paths(cumulative)
    if c.ndim != 2:
        raise InputError("must be shaped (steps, paths)", field="cumulative")
    n_steps, n_paths = c.shape
    t = np.arange(n_steps, dtype=np.float64) if times is None else np.asarray(times, float)
    if t.shape != (n_steps,) or np.any(np.diff(t) <= 0):
        raise InputError(f"must be {n_steps} increasing times", field="times")
    reached = c >= 0
    k = np.argmax(reached, axis=0)
    ever = reached.any(axis=0)
    out = np.full(n_paths, np.inf)
    at_start = ever & (k == 0)
    out[at_start] = t[0]
    mid = ever & (k > 0)
    if mid.any():
        cols = np.flatnonzero(mid)
        kk = k[mid]
        before, after = c[kk - 1, cols], c[kk, cols]
        share = -before / (after - before)
        out[mid] = t[kk - 1] + share * (t[kk] - t[kk - 1])
    return out


class RunningPayback:
    """:func:`payback_times` computed as the steps come: memory of two steps, not all of them.

    Call :meth:`update` with each step's cumulative net cash flow, in order;
    :attr:`time` holds, for every element, the payback time so far (inf while
    never reached): the first step at or above zero, interpolated linearly from
    the step before exactly as :func:`payback_times` does, so the two agree to
    the last bit.

    Parameters
    ----------
    shape : tuple of int
        Shape of one step's values (e.g. ``(variants, paths, cohorts)``).

    Examples
    --------
    >>> pb = RunningPayback((1,))
    >>> for t, c in ((0.0, -100.0), (30.0, -40.0), (60.0, 20.0)):
    ...     pb.update(np.array([c]), t)
    >>> pb.time.tolist()
    [50.0]

    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.time: FloatArray = np.full(shape, np.inf)
        self._before: FloatArray | None = None
        self._t_before = -np.inf

    def update(self, cumulative: FloatArray, t: float) -> None:
        """Take the next step: cumulative net cash flow ``[currency]`` at time ``t``.

        Raises
        ------
        InputError
            ``t`` is not after the previous step's time.

        """
        if not t > self._t_before:
            raise InputError(f"must increase (got {t} after {self._t_before})", field="times")
        before = self._before
        reached = np.isinf(self.time) & (cumulative >= 0)
        if before is None:
            self.time[reached] = t
        elif reached.any():
            b, a = before[reached], cumulative[reached]
            share = -b / (a - b)
            self.time[reached] = self._t_before + share * (t - self._t_before)
        if before is None:
            self._before = np.array(cumulative, dtype=np.float64, copy=True)
        else:
            np.copyto(before, cumulative)
        self._t_before = t


def payback_summary(
    paybacks: npt.ArrayLike, quantiles: Sequence[float] = (0.1, 0.5, 0.9)
) -> dict[str, float]:
    """Summarise payback times: share paid back, mean of those, quantiles of all.

    Quantiles are taken over every path with "never" as +inf, so a median of inf
    means fewer than half the paths paid back within the horizon.

    Parameters
    ----------
    paybacks : array_like
        Payback time per path (inf = never), e.g. from :func:`payback_times`.
    quantiles : sequence of float
        Probabilities in (0, 1).

    Returns
    -------
    dict
        ``share_paid_back``, ``mean_if_paid_back`` (NaN if none) and ``q10``,
        ``q50``, ... (keys from the probabilities in percent).

    """
    p = _as_paths(paybacks).ravel()
    return {k: float(v[0]) for k, v in payback_summaries(p[:, None], quantiles).items()}


def payback_summaries(
    paybacks: npt.ArrayLike, quantiles: Sequence[float] = (0.1, 0.5, 0.9)
) -> dict[str, FloatArray]:
    """:func:`payback_summary` of many items at once: one value per column.

    Parameters
    ----------
    paybacks : array_like
        Payback times shaped ``(paths, items)`` (inf = never).
    quantiles : sequence of float
        Probabilities in (0, 1).

    Returns
    -------
    dict of ndarray (items,)
        The keys of :func:`payback_summary`.

    Examples
    --------
    >>> out = payback_summaries([[10.0, np.inf], [30.0, np.inf]], quantiles=(0.5,))
    >>> {k: v.tolist() for k, v in out.items()}
    {'share_paid_back': [1.0, 0.0], 'mean_if_paid_back': [20.0, nan], 'q50': [10.0, inf]}

    """
    for q in quantiles:
        _check_level(q)
    p = _as_paths(paybacks)
    if p.ndim != 2:
        raise InputError("must be shaped (paths, items)", field="paybacks")
    finite = np.isfinite(p)
    # Per column, as one 1-D mean each: the same sums (and bits) as a summary per item.
    means = np.array([p[finite[:, j], j].mean() if finite[:, j].any() else math.nan
                      for j in range(p.shape[1])], dtype=np.float64)
    result: dict[str, FloatArray] = {
        "share_paid_back": finite.mean(axis=0),
        "mean_if_paid_back": means,
    }
    if quantiles:
        values = np.quantile(p, list(quantiles), axis=0, method="inverted_cdf")
        for q, row in zip(quantiles, values, strict=True):
            result[f"q{round(q * 100):d}"] = np.asarray(row, dtype=np.float64)
    return result


def path_quantiles(
    paths: npt.ArrayLike, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)
) -> FloatArray:
    """Return quantiles across paths (last axis) at each time: the bands of a fan chart.

    Parameters
    ----------
    paths : array_like
        Shaped ``(..., n_paths)``, e.g. ``(n_steps, n_paths)`` cash balances.
    quantiles : sequence of float
        Probabilities in (0, 1).

    Returns
    -------
    ndarray
        Shaped ``(len(quantiles), ...)`` (linear interpolation between order statistics).

    """
    for q in quantiles:
        _check_level(q)
    x = _as_paths(paths)
    return np.asarray(np.quantile(x, list(quantiles), axis=-1))
