"""The daily used-machine market: a hand-sized clearing and a plain loop over bins."""

from __future__ import annotations

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.network.clearing import clear_market, clear_tiers, price_grid


def test_hand_sized_clearing() -> None:
    # One tier, grid 10, 20, 40, 80. Seller offers 10 machines; buyers value 50 and 25,
    # each with 6 slots and plenty of cash. Demand: 12 at 10 and 20, 6 at 40, 0 at 80.
    # Highest price whose demand covers 10 machines is 20: both buyers bid there, so
    # 10 of 12 wanted machines are split pro rata (5 each), and the seller sells all.
    grid = price_grid([10.0], [80.0], 4)
    np.testing.assert_allclose(grid, [[10, 20, 40, 80]])
    out = clear_market(offer=np.array([10.0, 0, 0]), valuation=np.array([0.0, 50, 25]),
                       slots=np.array([0.0, 6, 6]), budget=np.array([0.0, 1e6, 1e6]),
                       tier=np.array([0, 0, 0]), grid=grid)
    assert out.price == pytest.approx([20.0])
    assert out.volume == pytest.approx([10.0])
    np.testing.assert_allclose(out.sold, [10, 0, 0])
    np.testing.assert_allclose(out.bought, [0, 5, 5])
    # Short demand: one buyer with 4 slots; price falls to the floor, 4 machines trade.
    out = clear_market(np.array([10.0, 0]), np.array([0.0, 50]), np.array([0.0, 4]),
                       np.array([0.0, 1e6]), np.array([0, 0]), grid)
    assert out.price == pytest.approx([10.0]) and out.volume == pytest.approx([4.0])
    np.testing.assert_allclose(out.sold, [4, 0])
    # Cash binds: 100 of budget buys 100 / p machines; at 20 that is 5 < 10, at 10 it is 10.
    out = clear_market(np.array([10.0, 0]), np.array([0.0, 50]), np.array([0.0, 20]),
                       np.array([0.0, 100.0]), np.array([0, 0]), grid)
    assert out.price == pytest.approx([10.0]) and out.volume == pytest.approx([10.0])
    # Nothing offered: no price.
    out = clear_market(np.zeros(2), np.array([0.0, 50]), np.array([0.0, 4]),
                       np.array([0.0, 1e6]), np.array([0, 0]), grid)
    assert np.isnan(out.price[0]) and out.volume[0] == 0


def _loop(offer, value, slots, budget, tier, grid):  # type: ignore[no-untyped-def]
    """Clear each tier with plain loops over bins and cohorts."""
    k_n, b_n = grid.shape
    price = np.full(k_n, np.nan)
    sold = np.zeros(offer.size)
    bought = np.zeros(offer.size)
    for k in range(k_n):
        members = [c for c in range(offer.size) if tier[c] == k]
        supply = sum(offer[c] for c in members)
        if supply <= 0:
            continue

        def want(c: int, p: float) -> float:
            return max(0.0, min(slots[c], budget[c] / p)) if value[c] >= p else 0.0

        j_star = 0
        for j in range(b_n):
            if sum(want(c, grid[k, j]) for c in members) >= supply:
                j_star = j
        p = grid[k, j_star]
        d = sum(want(c, p) for c in members)
        q = min(supply, d)
        price[k] = p
        for c in members:
            sold[c] = offer[c] * q / supply
            bought[c] = want(c, p) * q / d if d > 0 else 0.0
    return price, sold, bought


def test_matches_a_plain_loop_and_conserves_counts() -> None:
    rng = np.random.default_rng(7)
    c, k = 40, 3
    tier = rng.integers(0, k, c)
    seller = rng.uniform(size=c) < 0.3
    offer = np.where(seller, rng.uniform(0, 100, c), 0.0)
    value = np.where(seller, 0.0, rng.uniform(0, 400, c))
    slots = rng.uniform(0, 30, c)
    budget = rng.uniform(0, 5000, c)
    grid = price_grid([15.0, 10.0, 5.0], [500.0, 400.0, 300.0], 16)
    out = clear_market(offer, value, slots, budget, tier, grid)
    price, sold, bought = _loop(offer, value, slots, budget, tier, grid)
    np.testing.assert_allclose(out.price, price, rtol=1e-12)
    np.testing.assert_allclose(out.sold, sold, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out.bought, bought, rtol=1e-12, atol=1e-12)
    for t in range(k):
        assert out.sold[tier == t].sum() == pytest.approx(out.bought[tier == t].sum())
        # The price lies between the floor and the highest buyer's valuation.
        assert grid[t, 0] <= out.price[t] <= max(grid[t, 0], value[tier == t].max())
    # Leading axes broadcast: two paths, the second one the first doubled in supply.
    both = clear_market(np.stack([offer, 2 * offer]), np.stack([value, value]),
                        np.stack([slots, slots]), np.stack([budget, budget]), tier, grid)
    np.testing.assert_allclose(both.price[0], out.price)


def test_rows_and_one_shared_grid_match_the_loop_row_by_row() -> None:
    # Several (path) rows at once, one grid for every tier (the network's case: a single
    # searchsorted), buyers without cash or slots among them: each row as the loop clears it.
    rng = np.random.default_rng(11)
    rows, c, k = 5, 60, 4
    tier = rng.integers(0, k, c)
    seller = rng.uniform(size=(rows, c)) < 0.25
    offer = np.where(seller, rng.uniform(0, 50, (rows, c)), 0.0)
    offer[2] = 0.0  # a path where nobody sells: no price, nothing changes hands
    value = np.where(seller, 0.0, rng.uniform(0, 600, (rows, c)))
    slots = np.where(rng.uniform(size=(rows, c)) < 0.2, 0.0, rng.uniform(0, 20, (rows, c)))
    budget = np.where(rng.uniform(size=(rows, c)) < 0.2, 0.0, rng.uniform(0, 4000, (rows, c)))
    grid = price_grid(np.full(k, 15.0), np.full(k, 3000.0), 48)
    out = clear_market(offer, value, slots, budget, tier, grid)
    for r in range(rows):
        price, sold, bought = _loop(offer[r], value[r], slots[r], budget[r], tier, grid)
        np.testing.assert_allclose(out.price[r], price, rtol=1e-12)
        np.testing.assert_allclose(out.sold[r], sold, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(out.bought[r], bought, rtol=1e-12, atol=1e-12)
    assert np.nansum(out.volume) > 0  # the case trades at all
    assert np.isnan(out.price[2]).all() and not out.bought[2].any()


def test_bad_grid() -> None:
    with pytest.raises(InputError, match="scrap_floor"):
        price_grid([-1.0], [10.0], 4)
    with pytest.raises(InputError, match="price_cap"):
        price_grid([10.0], [5.0], 4)
    with pytest.raises(InputError, match="bins"):
        price_grid([1.0], [5.0], 1)


def test_clear_tiers_skips_the_tiers_nobody_offers_in() -> None:
    # The kernel passes only the tiers somebody offers in: the same prices, volumes, sold
    # and bought, exactly, as when every tier is visited (cohorts grouped by tier,
    # shuffled in the row); the traders are listed in increasing order; and clear_market
    # (the numpy path, the plain loop's numbers above) gives the same row.
    rng = np.random.default_rng(7)
    n_coh, n_tiers, n_bins = 300, 7, 16
    grid = price_grid(rng.uniform(5, 20, n_tiers), rng.uniform(100, 400, n_tiers), n_bins)
    tier = rng.integers(0, n_tiers, n_coh).astype(np.int64)
    order = np.argsort(tier, kind="stable").astype(np.int64)
    start = np.concatenate([[0], np.cumsum(np.bincount(tier, minlength=n_tiers))]).astype(np.int64)
    scratch = np.empty((6, n_tiers, n_bins + 1))
    every = np.ones(n_tiers, np.bool_)
    for row in range(40):
        selling = rng.random(n_coh) < (0.0 if row == 0 else 0.2)
        selling &= np.isin(tier, rng.choice(n_tiers, 3, replace=False))
        offer = np.where(selling, rng.uniform(0, 50, n_coh), 0.0)
        value = np.where(selling, 0.0, rng.uniform(0, 300, n_coh))
        slots = np.where(rng.random(n_coh) < 0.7, rng.uniform(0, 30, n_coh), 0.0)
        budget = rng.uniform(0, 5e3, n_coh)
        runs = []
        for offered in (every, np.bincount(tier, weights=(offer != 0), minlength=n_tiers) > 0):
            out = [np.empty(n_tiers), np.empty(n_tiers), np.zeros(n_coh), np.zeros(n_coh)]
            has = np.zeros(n_tiers, np.bool_)
            traders = np.empty(n_coh, np.int64)
            n = clear_tiers(offer, value, slots, budget, order, start, offered, grid, *out,
                            has, traders, scratch)
            runs.append((n, out, has.copy(), traders[:max(n, 0)].copy()))
        (n_all, want, has_all, _), (n, got, has, traders) = runs
        assert n == n_all and (n >= 0) == selling.any()
        if n < 0:
            assert np.isnan(got[0]).all() and (got[1] == 0).all()
            continue
        for a, b in zip(got, want, strict=True):
            assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(has, has_all)
        assert np.array_equal(has, np.bincount(tier, weights=offer, minlength=n_tiers) > 0)
        assert np.array_equal(traders, np.flatnonzero(~((want[2] <= 0) & (want[3] <= 0))))
        market = clear_market(offer, value, slots, budget, tier, grid)
        assert np.array_equal(market.price, got[0], equal_nan=True)
        assert np.array_equal(market.sold, got[2]) and np.array_equal(market.bought, got[3])
