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

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["Clearing", "clear_market", "clear_tiers", "price_grid"]

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
    rows = [np.ascontiguousarray(np.broadcast_to(a, shape), dtype=np.float64).reshape(-1, n_coh)
            for a in (offer, valuation, slots, budget)]
    n_rows = rows[0].shape[0]
    price, volume = np.empty((n_rows, n_tiers)), np.empty((n_rows, n_tiers))
    sold, bought = np.empty((n_rows, n_coh)), np.empty((n_rows, n_coh))
    _clear_rows(rows[0], rows[1], rows[2], rows[3], np.ascontiguousarray(tier, dtype=np.int64),
                np.ascontiguousarray(grid, dtype=np.float64), price, volume, sold, bought)
    lead = shape[:-1]
    return Clearing(price=price.reshape(*lead, n_tiers), volume=volume.reshape(*lead, n_tiers),
                    sold=sold.reshape(shape), bought=bought.reshape(shape))


@numba.njit(cache=True)
def _bins_at_or_below(grid: FloatArray, x: float) -> int:  # pragma: no cover - compiled
    """Return how many prices of the increasing ``grid`` are <= ``x`` (a binary search)."""
    lo, hi = 0, grid.size
    while lo < hi:
        mid = (lo + hi) // 2
        if grid[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def _clear_rows(offer: FloatArray, valuation: FloatArray, slots: FloatArray,
                budget: FloatArray, tier: npt.NDArray[np.int64], grid: FloatArray,
                price: FloatArray, volume: FloatArray, sold: FloatArray,
                bought: FloatArray) -> None:  # pragma: no cover - compiled
    """Clear rows (R, C); write price, volume (R, K), sold, bought (R, C) (:func:`clear_tiers`)."""
    n_tiers, n_bins = grid.shape
    n_coh = tier.size
    scratch = np.empty((6, n_tiers, n_bins + 1))
    # The cohorts grouped by tier (CSR, each tier's in increasing order), once for all rows.
    count = np.zeros(n_tiers + 1, dtype=np.int64)
    for c in range(n_coh):
        count[tier[c] + 1] += 1
    tier_start = np.cumsum(count)
    tier_order = np.empty(n_coh, dtype=np.int64)
    fill = tier_start[:-1].copy()
    for c in range(n_coh):
        tier_order[fill[tier[c]]] = c
        fill[tier[c]] += 1
    # Every tier is visited (clear_tiers finds the tiers without supply as it sums it).
    offered = np.ones(n_tiers, dtype=np.bool_)
    has = np.empty(n_tiers, dtype=np.bool_)
    traders = np.empty(n_coh, dtype=np.int64)
    for r in range(offer.shape[0]):
        sold[r] = 0.0  # clear_tiers writes only the tiers with supply
        bought[r] = 0.0
        clear_tiers(offer[r], valuation[r], slots[r], budget[r], tier_order, tier_start,
                    offered, grid, price[r], volume[r], sold[r], bought[r], has, traders,
                    scratch)


@numba.njit(cache=True)
def clear_tiers(offer: FloatArray, valuation: FloatArray, slots: FloatArray,
                budget: FloatArray, tier_order: npt.NDArray[np.int64],
                tier_start: npt.NDArray[np.int64], offered: npt.NDArray[np.bool_],
                grid: FloatArray, price: FloatArray, volume: FloatArray, sold: FloatArray,
                bought: FloatArray, has: npt.NDArray[np.bool_], traders: npt.NDArray[np.int64],
                scratch: FloatArray) -> int:  # pragma: no cover - compiled
    """Clear one row (C,), visiting only the tiers somebody offers in.

    The one clearing of the package: :func:`clear_market` (the numpy path, a row at a
    time) and the compiled network kernel
    (:mod:`hashwinter.engine.kernel.network_market`) both call it, so both give the same
    prices and volumes. The cohorts come grouped by tier (``tier_order``, ``tier_start``:
    CSR, each tier's cohorts in increasing order) with ``offered`` (K,), the tiers where
    some cohort's offer is nonzero (elsewhere the supply is 0 and nothing trades).
    ``scratch`` is a work array (6, K, B + 1).

    Demand per tier and bin in O(C + K·B): ``q_c(p) = min(s_c, b_c / p)`` for
    ``p <= v_c`` is ``s_c`` up to ``p = b_c / s_c`` and ``b_c / p`` above it, so
    ``D_j = sum of s_c over cohorts with p_j <= min(v_c, b_c / s_c) + (sum of b_c over
    cohorts with b_c / s_c < p_j <= v_c) / p_j``: histograms of the cohorts by bin,
    summed from the top bin down (no (C, B) array of bids).

    Writes ``price``, ``volume`` (K,) for every tier (NaN and 0 where nothing is
    offered), ``has`` (K,) (the tiers with supply), and ``sold``, ``bought`` (C,) for the
    cohorts of the tiers with supply only (the caller's zeros stand elsewhere).
    ``traders`` (C,) receives, in increasing order, the cohorts that sold or bought (not
    both 0 or less); returns how many (-1: no supply anywhere, the row did not clear).
    """
    n_tiers, n_bins = grid.shape
    supply = scratch[0, :, 0]
    slots_at = scratch[1]
    cash_to = scratch[2]
    cash_from = scratch[3]
    any_supply = False
    for k in range(n_tiers):
        total = 0.0
        if offered[k]:
            for i in range(tier_start[k], tier_start[k + 1]):
                total += offer[tier_order[i]]
        supply[k] = total
        has[k] = total > 0.0
        any_supply = any_supply or total > 0.0
    if not any_supply:
        price[:] = np.nan
        volume[:] = 0.0
        return -1
    for k in range(n_tiers):
        if not has[k]:
            volume[k] = 0.0  # nothing offered: nothing changes hands
            price[k] = np.nan
            continue
        slots_at[k, :] = 0.0
        cash_to[k, :] = 0.0
        cash_from[k, :] = 0.0
        floor = grid[k, 0]
        for i in range(tier_start[k], tier_start[k + 1]):
            c = tier_order[i]
            s, b = slots[c], budget[c]
            if s > 0.0 and b > 0.0 and valuation[c] >= floor:
                n_v = _bins_at_or_below(grid[k], valuation[c])
                n_t = _bins_at_or_below(grid[k], b / s)
                slots_at[k, min(n_v, n_t)] += s
                if n_t < n_v:
                    cash_to[k, n_v] += b
                    cash_from[k, n_t] += b
        j_star = 0
        tail_s = tail_to = tail_from = 0.0
        for j in range(n_bins - 1, -1, -1):
            tail_s += slots_at[k, j + 1]
            tail_to += cash_to[k, j + 1]
            tail_from += cash_from[k, j + 1]
            if tail_s + (tail_to - tail_from) / grid[k, j] >= supply[k]:
                j_star = j
                break
        p = grid[k, j_star]
        d = 0.0
        for i in range(tier_start[k], tier_start[k + 1]):
            c = tier_order[i]
            q = 0.0
            if valuation[c] >= p:
                q = max(min(slots[c], budget[c] / p), 0.0)
            bought[c] = q
            d += q
        volume[k] = min(supply[k], d)
        price[k] = p
        share_d = volume[k] / d if d > 0.0 else 0.0
        share_s = volume[k] / supply[k]
        for i in range(tier_start[k], tier_start[k + 1]):
            c = tier_order[i]
            sold[c] = offer[c] * share_s
            bought[c] *= share_d
    n = 0
    for k in range(n_tiers):
        if has[k]:
            for i in range(tier_start[k], tier_start[k + 1]):
                c = tier_order[i]
                if not (sold[c] <= 0.0 and bought[c] <= 0.0):
                    traders[n] = c
                    n += 1
    if n > 1:
        traders[:n] = np.sort(traders[:n])
    return n
