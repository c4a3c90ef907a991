"""Hash supply: how much hashrate miners switch on at a given expected revenue.

The expected revenue of one hash is ``R = price * reward / (D * 2^32)`` (a block
takes ``D * 2^32`` hashes on average and pays ``reward`` coins). Miners whose
cost per hash is below ``R`` run, the rest unplug, so the network's hashrate is
an increasing function of ``R``: the *hash supply*. Two parametric forms:

- linear, ``H = intercept + slope * R`` (clipped to ``[h_min, h_max]``), the
  form Noda, Okumura & Hashimoto estimate on October-December 2018 data
  (``23.59 + 9.02 R`` EH/s with R in USD per EH);
- sigmoid, ``H = H_max * sigma(k (R - R0))``, the form they simulate with
  (``H_max`` = 55 EH/s, ``k`` = 3 per USD/EH, ``R0`` = 1.5 USD/EH); see
  "An Economic Analysis of Difficulty Adjustment Algorithms in Proof-of-Work
  Blockchain Systems", SSRN 3410460, and their code (github.com/okuchap/DAA_Lucas,
  ``code/hash.py``).

Inside, revenue is in currency per hash and hashrate in H/s; configuration files
use USD per EH and EH/s (:meth:`SigmoidSupply.from_eh_units`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from hashwinter.chain.difficulty import reward_per_hash
from hashwinter.errors import InputError
from hashwinter.units import HASHES_PER_DIFFICULTY, TARGET_BLOCK_INTERVAL_S

__all__ = [
    "EXA",
    "HashSupply",
    "LinearSupply",
    "SigmoidSupply",
    "equilibrium_difficulty",
    "linear_supply",
    "revenue_per_hash",
    "sigmoid_bound",
    "sigmoid_supply",
]

FloatArray = npt.NDArray[np.float64]

#: 1 EH = 1e18 hashes (and 1 EH/s = 1e18 H/s).
EXA: float = 1e18


def revenue_per_hash(
    price: npt.ArrayLike, difficulty: npt.ArrayLike, reward_per_block: npt.ArrayLike
) -> FloatArray:
    """Return the expected revenue of one hash, ``price * reward / (D * 2^32)``.

    Parameters
    ----------
    price : float or ndarray
        Coin price. [currency per coin]
    difficulty : float or ndarray
        Difficulty in force. [dimensionless]
    reward_per_block : float or ndarray
        Subsidy plus fees per block. [coin per block]

    Returns
    -------
    ndarray
        Expected revenue per hash. [currency per hash]

    Examples
    --------
    Noda et al.'s starting point (height 551,442, 25 Nov 2018): 3,604.59 USD,
    difficulty 6,653,303,141,406, 12.5 BTC, about 1.577 USD per EH:

    >>> round(float(revenue_per_hash(3604.59, 6_653_303_141_406, 12.5)) * 1e18, 3)
    1.577

    """
    return np.asarray(np.asarray(price, dtype=np.float64)
                      * reward_per_hash(difficulty, reward_per_block), dtype=np.float64)


def sigmoid_supply(
    revenue: npt.ArrayLike, h_max: float, k: float, r0: float, floor: float = 1e-15
) -> FloatArray:
    """Return ``H = h_max * sigma(k (revenue - r0))``, sigma the logistic function.

    Parameters
    ----------
    revenue : float or ndarray
        Expected revenue per hash. [currency per hash]
    h_max : float
        Hashrate when mining is very profitable. [H/s]
    k : float
        Steepness. [hash per currency]
    r0 : float
        Revenue at which half of ``h_max`` runs. [currency per hash]
    floor : float, default 1e-15
        The logistic factor is kept within ``[floor, 1 - floor]`` (as in Noda et
        al.'s code, by clipping its argument) so that some hashrate always remains
        and block intervals stay finite. [dimensionless]

    Returns
    -------
    ndarray
        Hashrate supplied. [H/s]

    """
    r = np.asarray(revenue, dtype=np.float64)
    out = np.empty(r.shape)
    _sigmoid_into(r, h_max, k, r0, floor, out)
    return out if out.ndim else np.asarray(out[()])


def sigmoid_bound(floor: float) -> float:
    """Return ``x`` with ``sigma(x) = 1 - floor``: clipping ``k (R - r0)`` to +-x floors sigma."""
    # Without a floor, +-700 still keeps exp() finite (sigma(-700) ~ 1e-304 > 0).
    return 700.0 if floor == 0.0 else min(700.0, math.log((1.0 - floor) / floor))


def _sigmoid_into(
    revenue: FloatArray, h_max: float, k: float, r0: float, floor: float, out: FloatArray
) -> None:
    """Write ``h_max / (1 + exp(-clip(k (revenue - r0))))`` into ``out`` without temporaries."""
    bound = sigmoid_bound(floor)
    np.subtract(revenue, r0, out=out)
    out *= -k
    # minimum/maximum rather than clip: same result, less call overhead in the block loop.
    np.minimum(out, bound, out=out)
    np.maximum(out, -bound, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(h_max, out, out=out)


def linear_supply(
    revenue: npt.ArrayLike,
    intercept: float,
    slope: float,
    h_min: float = 0.0,
    h_max: float = math.inf,
) -> FloatArray:
    """Return ``H = clip(intercept + slope * revenue, h_min, h_max)``.

    Parameters
    ----------
    revenue : float or ndarray
        Expected revenue per hash. [currency per hash]
    intercept : float
        Hashrate at zero revenue. [H/s]
    slope : float
        Extra hashrate per unit of revenue. [H/s per (currency per hash)]
    h_min, h_max : float
        Bounds on the hashrate. [H/s]

    Returns
    -------
    ndarray
        Hashrate supplied. [H/s]

    """
    r = np.asarray(revenue, dtype=np.float64)
    return np.asarray(np.clip(intercept + slope * r, h_min, h_max))


@runtime_checkable
class HashSupply(Protocol):
    """A hash supply function: hashrate [H/s] from expected revenue per hash."""

    def __call__(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return the hashrate [H/s] supplied at ``revenue`` [currency per hash]."""
        ...

    def elasticity(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return ``dln H / dln R`` at ``revenue`` [dimensionless]."""
        ...

    def fill(self, revenue: FloatArray, out: FloatArray) -> None:
        """Write the hashrate [H/s] at ``revenue`` into ``out`` without allocating."""
        ...


def _check(value: float, field: str, *, positive: bool = True) -> None:
    if not math.isfinite(value) or (positive and value <= 0):
        what = "a finite number > 0" if positive else "a finite number"
        raise InputError(f"must be {what} (got {value!r})", field=field)


@dataclasses.dataclass(frozen=True)
class SigmoidSupply:
    """Sigmoid hash supply ``H = h_max * sigma(k (R - r0))``; see :func:`sigmoid_supply`.

    Parameters
    ----------
    h_max : float
        [H/s]
    k : float
        [hash per currency]
    r0 : float
        [currency per hash]
    floor : float, default 1e-15
        Bounds of the logistic factor. [dimensionless]

    """

    h_max: float
    k: float
    r0: float
    floor: float = 1e-15

    def __post_init__(self) -> None:
        _check(self.h_max, "h_max")
        _check(self.k, "k")
        _check(self.r0, "r0", positive=False)
        if not 0.0 <= self.floor < 0.5:
            raise InputError(f"must be in [0, 0.5) (got {self.floor!r})", field="floor")

    @classmethod
    def from_eh_units(
        cls, h_max_ehs: float, k_per_usd_per_eh: float, r0_usd_per_eh: float, floor: float = 1e-15
    ) -> SigmoidSupply:
        """Build from EH/s, 1/(currency per EH) and currency per EH (Noda et al.'s units)."""
        return cls(
            h_max=h_max_ehs * EXA, k=k_per_usd_per_eh * EXA, r0=r0_usd_per_eh / EXA, floor=floor
        )

    def __call__(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return the hashrate [H/s] supplied at ``revenue`` [currency per hash]."""
        return sigmoid_supply(revenue, self.h_max, self.k, self.r0, self.floor)

    def fill(self, revenue: FloatArray, out: FloatArray) -> None:
        """Write the hashrate [H/s] at ``revenue`` into ``out`` (same shape; no allocation)."""
        _sigmoid_into(revenue, self.h_max, self.k, self.r0, self.floor, out)

    def elasticity(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return ``dln H / dln R = k R (1 - sigma(k (R - r0)))`` (away from the floor)."""
        r = np.asarray(revenue, dtype=np.float64)
        share = self(r) / self.h_max
        return np.asarray(self.k * r * (1.0 - share))


@dataclasses.dataclass(frozen=True)
class LinearSupply:
    """Linear hash supply ``H = clip(intercept + slope * R, h_min, h_max)``; see `linear_supply`.

    Parameters
    ----------
    intercept : float
        [H/s]
    slope : float
        [H/s per (currency per hash)]
    h_min : float, default 0
        [H/s]; when 0, the clock still needs some hashrate: keep it > 0 there.
    h_max : float, default inf
        [H/s]

    """

    intercept: float
    slope: float
    h_min: float = 0.0
    h_max: float = math.inf

    def __post_init__(self) -> None:
        _check(self.intercept, "intercept", positive=False)
        _check(self.slope, "slope", positive=False)
        if not (math.isfinite(self.h_min) and self.h_min >= 0):
            raise InputError(f"must be a finite number >= 0 (got {self.h_min!r})", field="h_min")
        if not self.h_max > self.h_min:
            raise InputError(f"must be > h_min (got {self.h_max!r})", field="h_max")

    @classmethod
    def from_eh_units(
        cls,
        intercept_ehs: float,
        slope_ehs_per_usd_per_eh: float,
        h_min_ehs: float = 0.0,
        h_max_ehs: float = math.inf,
    ) -> LinearSupply:
        """Build from EH/s and EH/s per (currency per EH) (Noda et al.'s units)."""
        return cls(
            intercept=intercept_ehs * EXA,
            slope=slope_ehs_per_usd_per_eh * EXA * EXA,
            h_min=h_min_ehs * EXA,
            h_max=h_max_ehs * EXA,
        )

    def __call__(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return the hashrate [H/s] supplied at ``revenue`` [currency per hash]."""
        return linear_supply(revenue, self.intercept, self.slope, self.h_min, self.h_max)

    def fill(self, revenue: FloatArray, out: FloatArray) -> None:
        """Write the hashrate [H/s] at ``revenue`` into ``out`` (same shape; no allocation)."""
        np.multiply(revenue, self.slope, out=out)
        out += self.intercept
        np.maximum(out, self.h_min, out=out)
        np.minimum(out, self.h_max, out=out)

    def elasticity(self, revenue: npt.ArrayLike) -> FloatArray:
        """Return ``dln H / dln R = slope R / H`` inside the bounds, 0 where clipped."""
        r = np.asarray(revenue, dtype=np.float64)
        raw = self.intercept + self.slope * r
        inside = (raw > self.h_min) & (raw < self.h_max)
        safe = np.where(inside, raw, 1.0)
        return np.asarray(np.where(inside, self.slope * r / safe, 0.0))


def equilibrium_difficulty(
    supply: HashSupply,
    price: float,
    reward_per_block: float,
    target_interval_s: float = TARGET_BLOCK_INTERVAL_S,
) -> float:
    """Return the difficulty at which the supplied hashrate finds blocks on target.

    Solves ``supply(R(D)) * target_interval = D * 2^32`` by bisection on ln D. The
    left side falls and the right side rises with D, so the root is unique.

    Parameters
    ----------
    supply : HashSupply
        Hash supply function.
    price : float
        Coin price. [currency per coin]
    reward_per_block : float
        Subsidy plus fees. [coin per block]
    target_interval_s : float, default 600
        Target block interval. [s]

    Returns
    -------
    float
        Equilibrium difficulty. [dimensionless]

    """

    def excess(log_d: float) -> float:
        d = math.exp(log_d)
        h = float(supply(revenue_per_hash(price, d, reward_per_block)))
        return h * target_interval_s - d * HASHES_PER_DIFFICULTY

    lo, hi = 0.0, 200.0  # difficulty from 1 to e^200: far beyond any network
    if excess(lo) <= 0:
        return 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if excess(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return math.exp(0.5 * (lo + hi))
