"""Margin, bankruptcy and liquidation prices, and liquidation on the first mark beyond."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from hashwinter.finance import (
    bankruptcy_price,
    first_liquidation,
    initial_margin,
    liquidation_loss,
    liquidation_price,
    maintenance_margin,
    mark_path,
    mark_to_market,
    pnl,
    variation_margin,
)

CASES = [(size, inverse, lev) for size in (1.0, -1.0) for inverse in (False, True)
         for lev in (2.0, 5.0, 20.0)]


@pytest.mark.parametrize(("size", "inverse", "leverage"), CASES)
def test_liquidation_price_is_where_equity_meets_maintenance(size, inverse, leverage):
    # Solve IM + P&L(S) = m value(S) numerically and compare with the closed form.
    entry, m = 6000.0, 0.005
    face = size * (entry if inverse else 1.0)
    im = float(initial_margin(face, entry, leverage, inverse))

    def gap(s: float) -> float:
        return im + float(pnl(face, entry, s, inverse)) - float(
            maintenance_margin(face, s, m, inverse))

    lo, hi = (1.0, entry) if size > 0 else (entry, 100 * entry)
    solved = brentq(gap, lo, hi, xtol=1e-9)
    assert float(liquidation_price(face, entry, leverage, m, inverse)) == pytest.approx(
        solved, rel=1e-10)
    broke = brentq(lambda s: im + float(pnl(face, entry, s, inverse)), lo, hi, xtol=1e-9)
    assert float(bankruptcy_price(face, entry, leverage, inverse)) == pytest.approx(broke,
                                                                                    rel=1e-10)


def test_closed_forms_by_hand():
    # 5x short at 6,000, 0.5 % maintenance: linear 6000 x 1.2 / 1.005, inverse 6000 x .995 / .8.
    assert float(liquidation_price(-1, 6000.0, 5.0, 0.005, False)) == pytest.approx(7164.1791)
    assert float(liquidation_price(-1, 6000.0, 5.0, 0.005, True)) == pytest.approx(7462.5)
    assert float(bankruptcy_price(-1, 6000.0, 5.0, True)) == pytest.approx(7500.0)
    assert float(bankruptcy_price(1, 6000.0, 1.0, True)) == pytest.approx(3000.0)
    # A 1x linear long cannot be liquidated (its liquidation price is 0).
    assert float(liquidation_price(1, 6000.0, 1.0, 0.005, False)) == 0.0


def test_a_1x_inverse_short_is_never_liquidated():
    # Equity of a 1x inverse short of face F: F/E + F (1/S - 1/E) = F/S coins, worth F USD,
    # always above the maintenance margin m F / S. Check it on prices up to 10^8 USD.
    face, entry, m = 180_000.0, 6000.0, 0.005
    assert float(liquidation_price(-face, entry, 1.0, m, True)) == np.inf
    assert float(liquidation_price(-face, entry, 0.5, m, True)) == np.inf
    prices = np.geomspace(1.0, 1e8, 1001)
    equity = initial_margin(-face, entry, 1.0, True) + pnl(-face, entry, prices, True)
    np.testing.assert_allclose(equity, face / prices, rtol=1e-9)
    assert np.all(equity > maintenance_margin(-face, prices, m, True))
    assert np.all(first_liquidation(prices[None, :], [np.inf], [-face]) == -1)


def _loop_first(marks: np.ndarray, liq: np.ndarray, size: np.ndarray) -> np.ndarray:
    out = np.full(marks.shape[0], -1)
    for p in range(marks.shape[0]):
        for t in range(marks.shape[1]):
            beyond = marks[p, t] <= liq[p] if size[p] > 0 else marks[p, t] >= liq[p]
            if beyond:
                out[p] = t
                break
    return out


def test_5x_short_is_liquidated_on_the_first_mark_beyond_not_before():
    entry, m, fee = 6000.0, 0.005, 0.005
    liq = float(liquidation_price(-30.0, entry, 5.0, m, False))  # 7164.18
    # Marks approach, touch just below, cross, fall back and cross again.
    path = np.array([6000.0, 6800.0, 7100.0, liq - 0.01, liq + 0.5, 6500.0, 7500.0])
    idx = first_liquidation(path[None, :], [liq], [-30.0])
    assert idx.tolist() == [4]
    # Against a plain loop on random paths, longs and shorts, linear and inverse.
    rng = np.random.default_rng(7)
    marks = entry * np.exp(np.cumsum(rng.normal(0, 0.04, (200, 60)), axis=1))
    size = np.where(rng.random(200) < 0.5, -30.0, 30.0)
    inverse = rng.random(200) < 0.5
    lev = rng.choice([2.0, 5.0, 10.0], 200)
    liqs = liquidation_price(size, entry, lev, m, inverse)
    got = first_liquidation(marks, liqs, size)
    np.testing.assert_array_equal(got, _loop_first(marks, liqs, size))
    assert 20 < np.count_nonzero(got >= 0) < 200  # both outcomes occur
    # The fee (0.3 %, below the 0.5 % maintenance) is charged on the notional at that mark.
    collateral = float(initial_margin(-30.0, entry, 5.0, False))  # 36,000 USD
    realised, charged = liquidation_loss(-30.0, entry, path[4], collateral, 0.003, False)
    assert float(realised) == pytest.approx(-30.0 * (path[4] - entry))
    assert float(charged) == pytest.approx(0.003 * 30.0 * path[4])
    # What is left of the collateral is just under the maintenance margin: m x 30 x mark;
    # a fee as large as the maintenance rate takes all of it, no more.
    left = collateral + float(realised)
    assert left == pytest.approx(m * 30.0 * liq - 30.0 * 0.5)  # 0.5 USD beyond: 15 USD less
    assert left < float(maintenance_margin(-30.0, path[4], m, False))
    assert float(liquidation_loss(-30.0, entry, path[4], collateral, fee, False)[1]) == (
        pytest.approx(left))


def _loop_marks(size, entry, marks, lev, m, fee, inverse):
    """Plain loop: mark each path, liquidate once on the first mark beyond, then stop."""
    n = marks.shape[1]
    var, fees, index = np.zeros_like(marks), np.zeros_like(marks), np.full(len(size), -1)
    for p in range(len(size)):
        liq = float(liquidation_price(size[p], entry, lev[p], m, inverse[p]))
        im = float(initial_margin(size[p], entry, lev[p], inverse[p]))
        previous = 0.0
        for t in range(n):
            now = float(pnl(size[p], entry, marks[p, t], inverse[p]))
            beyond = marks[p, t] <= liq if size[p] > 0 else marks[p, t] >= liq
            if beyond:
                booked = max(now, -im)
                var[p, t] = booked - previous
                notional = abs(size[p]) / marks[p, t] if inverse[p] else abs(size[p]) * marks[p, t]
                fees[p, t] = min(fee * notional, im + booked)
                index[p] = t
                break
            var[p, t] = now - previous
            previous = now
    return index, var, fees


def test_mark_path_liquidates_once_and_matches_a_loop():
    rng = np.random.default_rng(11)
    entry, m, fee = 6000.0, 0.005, 0.003
    marks = entry * np.exp(np.cumsum(rng.normal(0, 0.05, (300, 40)), axis=1))
    size = np.where(rng.random(300) < 0.5, -30.0, 30.0) * np.where(rng.random(300) < 0.5,
                                                                   1.0, entry)
    inverse = np.abs(size) > 100
    lev = rng.choice([1.0, 3.0, 5.0, 25.0], 300)
    got = mark_path(size, entry, marks, lev, m, fee, inverse)
    index, var, fees = _loop_marks(size, entry, marks, lev, m, fee, inverse)
    np.testing.assert_array_equal(got.liquidated_at, index)
    np.testing.assert_allclose(got.variation, var, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(got.fees, fees, rtol=1e-12, atol=1e-12)
    assert np.all(np.count_nonzero(got.fees, axis=1) <= 1)  # charged once at most
    assert np.all(got.is_open.sum(axis=1) == np.where(index < 0, 40, index))
    # The 5x short of the reference path: liquidated at mark 4, not at the later 7,500.
    liq = float(liquidation_price(-30.0, entry, 5.0, m, False))
    path = np.array([6000.0, 6800.0, 7100.0, liq - 0.01, liq + 0.5, 6500.0, 7500.0])
    one = mark_path(-30.0, entry, path, 5.0, m, fee, False)
    assert int(one.liquidated_at) == 4 and np.flatnonzero(one.fees).tolist() == [4]
    assert one.variation.sum() == pytest.approx(-30.0 * (path[4] - entry))


def test_a_gap_through_bankruptcy_loses_at_most_the_collateral():
    collateral = float(initial_margin(-30.0, 6000.0, 5.0, False))  # 36,000
    realised, charged = liquidation_loss(-30.0, 6000.0, 9000.0, collateral, 0.005, False)
    assert float(realised) == -collateral and float(charged) == 0.0


def test_variation_margin_sums_to_the_pnl_at_each_mark():
    marks = np.array([[6000.0, 5500.0, 5000.0, 5200.0], [6000.0, 6600.0, 7000.0, 6900.0]])
    size, entry, inverse = np.array([-30.0, -180_000.0]), np.array([6000.0, 6000.0]), \
        np.array([False, True])
    vm = variation_margin(size, entry, marks, inverse)
    np.testing.assert_allclose(np.cumsum(vm, axis=-1), mark_to_market(size, entry, marks,
                                                                      inverse), rtol=1e-12)
    # By hand: linear short, marks 6000 -> 5500 -> 5000 -> 5200: 0, +15000, +15000, -6000 USD.
    np.testing.assert_allclose(vm[0], [0.0, 15000.0, 15000.0, -6000.0])
    # Inverse short 180,000 USD face: 6000 -> 6600 costs 180000 (1/6000 - 1/6600) coins.
    assert vm[1, 1] == pytest.approx(-180_000 * (1 / 6000 - 1 / 6600))
