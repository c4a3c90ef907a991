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

import numpy as np
import numpy.typing as npt

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
    n_tiers, n_bins = grid.shape
    one_hot = np.zeros((tier.size, n_tiers))
    one_hot[np.arange(tier.size), tier] = 1.0
    supply = offer @ one_hot  # (..., K)
    p_c = grid[tier]  # (C, B): each cohort's tier grid
    bids = np.minimum(slots[..., None], budget[..., None] / p_c)  # (..., C, B)
    bids = np.where(valuation[..., None] >= p_c, np.maximum(bids, 0.0), 0.0)
    demand = np.einsum("...cb,ck->...kb", bids, one_hot)  # (..., K, B)
    enough = demand >= supply[..., None]
    # Highest bin whose demand covers supply; the floor's bin (0) when none does.
    any_enough = enough.any(axis=-1)
    last = n_bins - 1 - np.argmax(enough[..., ::-1], axis=-1)
    j = np.where(any_enough, last, 0)
    price = np.take_along_axis(np.broadcast_to(grid, demand.shape), j[..., None], -1)[..., 0]
    d_star = np.take_along_axis(demand, j[..., None], -1)[..., 0]
    volume = np.minimum(supply, d_star)
    with np.errstate(divide="ignore", invalid="ignore"):
        sell_share = np.where(supply > 0, volume / supply, 0.0)
        buy_share = np.where(d_star > 0, volume / d_star, 0.0)
    j_c = j[..., tier]  # (..., C)
    q_star = np.take_along_axis(bids, j_c[..., None], -1)[..., 0]
    sold = offer * sell_share[..., tier]
    bought = q_star * buy_share[..., tier]
    price = np.where(supply > 0, price, np.nan)
    return Clearing(price=price, volume=volume, sold=sold, bought=bought)
