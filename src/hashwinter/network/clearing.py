"""The daily second-hand machine market: one clearing price per tier, on binned curves.

Farms do not meet pairwise. Each day and tier, the machines offered (sellers' supply,
sold at any price at or above the scrap floor: the sellers are farms that unplugged too
long ago or went broke) meet the buyers' bids, summed into a demand curve on a price
grid of ``B`` bins from the scrap floor up:

* a buyer cohort ``c`` bids only at prices up to its valuation ``v_c`` (what a machine
  earns it over the payback horizon it accepts), and wants
  ``q_c(p) = min(slots_c, budget_c / p)`` machines at price ``p`` (free slots, cash);
* demand at bin ``j`` is ``D_j = sum_c q_c(p_j) [v_c >= p_j]`` (non-increasing in ``p``);
* the clearing price ``p*`` is the highest bin price with ``D_j >= S`` (supply
  ``S``); if even the floor's demand is short of supply, ``p*`` is the floor and only
  ``D_0`` machines change hands;
* volume ``Q = min(S, D(p*))``; every seller sells the share ``Q / S`` of its offer,
  every buyer bidding at ``p*`` receives ``q_c(p*) Q / D(p*)``: the machines sold equal
  the machines bought in every tier, every day (counts conserved).

Everything is a pure function of arrays; leading axes (variants, paths) broadcast.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from hashwinter.engine.owners import OwnerGroups
from hashwinter.errors import InputError

__all__ = ["Clearing", "clear_market", "price_grid"]

FloatArray = npt.NDArray[np.float64]


def price_grid(floor: npt.ArrayLike, cap: npt.ArrayLike, bins: int) -> FloatArray:
    """Return a geometric price grid per tier from the scrap floor to a cap.

    Parameters
    ----------
    floor : array_like (K,)
        Scrap floor of each tier (> 0). [currency/machine]
    cap : array_like (K,)
        Highest price of the grid (e.g. a new machine's price). [currency/machine]
    bins : int
        Grid points per tier (>= 2).

    Returns
    -------
    ndarray (K, bins)
        Prices, increasing along the last axis. [currency/machine]

    """
    lo = np.asarray(floor, dtype=np.float64)
    hi = np.asarray(cap, dtype=np.float64)
    if bins < 2:
        raise InputError(f"must be >= 2 (got {bins})", field="market.bins")
    if np.any(lo <= 0) or not np.all(np.isfinite(lo)):
        raise InputError("must be > 0", field="market.scrap_floor")
    if np.any(hi <= lo) or not np.all(np.isfinite(hi)):
        raise InputError("must be above the scrap floor", field="market.price_cap")
    steps = np.linspace(0.0, 1.0, bins)
    return np.asarray(lo[:, None] * (hi / lo)[:, None] ** steps[None, :])


@dataclasses.dataclass(frozen=True)
class Clearing:
    """One day's clearing, per tier (leading axes as the inputs).

    Attributes
    ----------
    price : ndarray (..., K)
        Clearing price; NaN where nothing was offered. [currency/machine]
    volume : ndarray (..., K)
        Machines that changed owner. [machines]
    sold : ndarray (..., C)
        Machines each cohort sold. [machines]
    bought : ndarray (..., C)
        Machines each cohort bought. [machines]

    """

    price: FloatArray
    volume: FloatArray
    sold: FloatArray
    bought: FloatArray


def clear_market(
    offer: FloatArray,
    valuation: FloatArray,
    slots: FloatArray,
    budget: FloatArray,
    tier: npt.NDArray[np.int64],
    grid: FloatArray,
) -> Clearing:
    """Clear every tier's market on its price grid.

    Parameters
    ----------
    offer : ndarray (..., C)
        Machines each cohort offers (sellers; 0 elsewhere). [machines]
    valuation : ndarray (..., C)
        Highest price each cohort pays for one machine (0: no bid). [currency/machine]
    slots : ndarray (..., C)
        Machines each cohort can still install (free slots, MW). [machines]
    budget : ndarray (..., C)
        Cash each cohort may spend today. [currency]
    tier : ndarray of int (C,)
        Tier of each cohort, ``0 .. K-1``.
    grid : ndarray (K, B)
        Price grid of each tier (:func:`price_grid`). [currency/machine]

    Returns
    -------
    Clearing

    """
    n_tiers = grid.shape[0]
    n_coh = tier.size
    shape = (*np.broadcast_shapes(offer.shape, valuation.shape, slots.shape,
                                  budget.shape)[:-1], n_coh)
    by_tier = OwnerGroups.of(tier, n_tiers).sum
    rows = [np.broadcast_to(a, shape).reshape(-1, n_coh)
            for a in (offer, valuation, slots, budget)]
    supply = by_tier(rows[0])  # (R, K)
    # Most days most paths offer nothing: clear only the rows (paths) with a seller.
    busy = np.flatnonzero((supply > 0).any(axis=-1))
    price = np.full(supply.shape, np.nan)
    volume = np.zeros(supply.shape)
    sold = np.zeros((supply.shape[0], n_coh))
    bought = np.zeros_like(sold)
    if busy.size:
        every = busy.size == supply.shape[0]
        sub = rows if every else [r[busy] for r in rows]
        part = _clear_rows(sub[0], sub[1], sub[2], sub[3], supply if every else supply[busy],
                           tier, grid, by_tier)
        for out, got in zip((price, volume, sold, bought), part, strict=True):
            out[busy] = got
    lead = shape[:-1]
    return Clearing(price=price.reshape(*lead, n_tiers), volume=volume.reshape(*lead, n_tiers),
                    sold=sold.reshape(shape), bought=bought.reshape(shape))


def _clear_rows(offer: FloatArray, valuation: FloatArray, slots: FloatArray,
                budget: FloatArray, supply: FloatArray, tier: npt.NDArray[np.int64],
                grid: FloatArray, by_tier: Callable[[FloatArray], FloatArray],
                ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Clear rows (R, C) with supply (R, K); return price, volume (R, K), sold, bought."""
    n_bins = grid.shape[1]
    demand = _demand_curves(valuation, slots, budget, tier, grid)
    enough = demand >= supply[..., None]
    # Highest bin whose demand covers supply; the floor's bin (0) when none does.
    any_enough = enough.any(axis=-1)
    last = n_bins - 1 - np.argmax(enough[..., ::-1], axis=-1)
    j = np.where(any_enough, last, 0)
    price = np.take_along_axis(np.broadcast_to(grid, demand.shape), j[..., None], -1)[..., 0]
    # What each cohort wants at its tier's price, and (summed) the demand there.
    p_c = price[..., tier]
    q_star = np.where(valuation >= p_c, np.maximum(np.minimum(slots, budget / p_c), 0.0), 0.0)
    d_star = by_tier(q_star)
    volume = np.minimum(supply, d_star)
    with np.errstate(divide="ignore", invalid="ignore"):
        sell_share = np.where(supply > 0, volume / supply, 0.0)
        buy_share = np.where(d_star > 0, volume / d_star, 0.0)
    sold = offer * sell_share[..., tier]
    bought = q_star * buy_share[..., tier]
    price = np.where(supply > 0, price, np.nan)
    return price, volume, sold, bought


def _bins_at_or_below(values: FloatArray, tier: npt.NDArray[np.int64],
                      grid: FloatArray) -> npt.NDArray[np.int64]:
    """Return how many of each cohort's tier grid prices are <= ``values`` (..., C)."""
    if np.all(grid == grid[0]):  # one grid for every tier (the network's)
        return np.searchsorted(grid[0], values, side="right")
    out = np.empty(values.shape, dtype=np.int64)
    for k in range(grid.shape[0]):
        cols = np.flatnonzero(tier == k)
        out[..., cols] = np.searchsorted(grid[k], values[..., cols], side="right")
    return out


def _demand_curves(valuation: FloatArray, slots: FloatArray, budget: FloatArray,
                   tier: npt.NDArray[np.int64], grid: FloatArray) -> FloatArray:
    """Return demand per tier and bin, ``D (..., K, B)``, in O(C + K·B) per row.

    ``q_c(p) = min(s_c, b_c / p)`` for ``p <= v_c`` is ``s_c`` up to ``p = b_c / s_c``
    and ``b_c / p`` above it, so ``D_j = sum of s_c over cohorts with p_j <= min(v_c,
    b_c / s_c) + (sum of b_c over cohorts with b_c / s_c < p_j <= v_c) / p_j``: two
    histograms of cohorts by bin, summed from the top (no (C, B) array of bids).
    """
    n_tiers, n_bins = grid.shape
    lead = valuation.shape[:-1]
    active = (slots > 0) & (budget > 0)  # cohorts that bid for anything
    s = np.where(active, slots, 0.0)
    b = np.where(active, budget, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        threshold = np.where(active, b / s, 0.0)
    n_v = _bins_at_or_below(valuation, tier, grid)  # bins j < n_v: p_j <= v_c
    n_t = _bins_at_or_below(threshold, tier, grid)  # bins j < n_t: slots bind
    cash_bound = n_t < n_v
    width = n_bins + 1
    rows = np.arange(int(np.prod(lead, dtype=np.int64))).reshape(*lead, 1)
    base = (rows * n_tiers + tier) * width  # (..., C): each row's tier block
    size = rows.size * n_tiers * width

    def above(index: npt.NDArray[np.int64], weight: FloatArray) -> FloatArray:
        # Sum of weight over cohorts whose index exceeds j, for j = 0 .. B-1.
        hist = np.bincount((base + index).ravel(), weights=weight.ravel(), minlength=size)
        tail = np.cumsum(hist.reshape(*lead, n_tiers, width)[..., ::-1], axis=-1)[..., ::-1]
        return np.asarray(tail[..., 1:], dtype=np.float64)

    slots_part = above(np.minimum(n_v, n_t), s)
    cash = np.where(cash_bound, b, 0.0)
    cash_part = above(n_v, cash) - above(n_t, cash)
    return np.asarray(slots_part + cash_part / grid)
