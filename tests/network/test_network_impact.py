"""Habits and price impact: the treasury's coin sales, and the impact's fixed point."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.economics.revenue import revenue_per_day
from hashwinter.errors import InputError
from hashwinter.network.config import HabitsConfig, NetworkScenario
from hashwinter.network.dynamics import run_network
from hashwinter.network.habits import hedgers
from hashwinter.network.impact import impact_path, solve_impact


def _small(habit: HabitsConfig, impact: float = 0.0, **pop: object) -> NetworkScenario:
    base = example(farms=30, **pop)
    # Without Sichuan's dry season: its dark sites would cut the power bills in
    # November, and these tests are about the same bills at a falling price.
    return base.model_copy(update={
        "end": dt.date(2018, 11, 30), "habits": habit,
        "migration": base.migration.model_copy(update={"enabled": False}),
        "price": base.price.model_copy(update={"impact": impact})})


def test_impact_path_against_a_loop() -> None:
    rng = np.random.default_rng(3)
    base = rng.uniform(3000, 7000, size=(2, 9))
    sold = rng.uniform(500, 2500, size=(9, 2))
    lam = 2e-5
    got = impact_path(base, sold, lam)
    for p in range(2):
        shift = 0.0
        for t in range(9):
            # Day t sees the excess over day 0's sales of the days before it.
            assert got[p, t] == pytest.approx(base[p, t] * np.exp(-lam * shift), rel=1e-12)
            shift += sold[t, p] - sold[0, p]


def test_impact_that_diverges_is_an_error() -> None:
    with pytest.raises(InputError, match=r"price\.impact"):
        impact_path(np.full((1, 3), 5000.0), np.array([[0.0], [1e6], [1e6]]), 1.0)


def test_solver_reaches_the_causal_fixed_point() -> None:
    # A toy run: sales are 1000 coins / price x 5000 (a fixed power bill in coins).
    base = np.full((1, 6), 5000.0)

    def run_once(price: np.ndarray) -> tuple[None, np.ndarray]:
        return None, (5e6 / price).T

    _, price = solve_impact(run_once, base, 1e-4)
    # Built day by day: day t's price from the sales of the days before it.
    p = [5000.0]
    for t in range(1, 6):
        shift = sum(5e6 / p[s] - 5e6 / p[0] for s in range(t))
        p.append(5000.0 * np.exp(-1e-4 * shift))
    np.testing.assert_allclose(price[0], p, rtol=1e-9)


def test_sell_daily_and_hodl_sales() -> None:
    folder = shared_data_dir()
    daily = run_network(_small(HabitsConfig()), folder).record
    # Sell daily: every coin mined is sold the same day.
    np.testing.assert_allclose(daily.sold, daily.mined, rtol=1e-9)
    hodl = run_network(_small(HabitsConfig(treasury="hodl"), cash_days=1e4), folder).record
    # Hodl everything with cash for 10^4 days of power: nothing is ever sold.
    assert hodl.sold.max() == 0.0


def test_run_with_impact_is_its_own_fixed_point() -> None:
    scenario = _small(HabitsConfig(treasury="sell_to_cover", coin_days=30), impact=1e-5)
    run = run_network(scenario, shared_data_dir())
    base = run.history["price"].to_numpy()[None, :]
    # The price the run used is the impact of its own sales on the history path.
    np.testing.assert_allclose(run.price, impact_path(base, run.record.sold, 1e-5),
                               rtol=1e-9)
    # Sell-to-cover: as the price falls, the same bills take more coins, and the price
    # falls below the history's (selling beyond the first day's pushes it down).
    assert run.record.sold[-1, 0] > run.record.sold[0, 0]
    assert run.price[0, -1] < base[0, -1]


def test_hedgers_are_the_largest_farms() -> None:
    size = np.array([5.0, 50.0, 1.0, 20.0, 10.0])
    assert hedgers(size, 0.4).tolist() == [False, True, False, True, False]
    assert not hedgers(size, 0.0).any() and hedgers(size, 1.0).all()


def test_hedgers_short_half_a_month_of_their_production() -> None:
    habit = HabitsConfig(hedgers=0.2, hedge_ratio=0.5, hedge_horizon_days=30)
    # Sichuan's wet-season power and no overhead: every tier pays on 1 October 2018;
    # no makers (their deliveries would add machines on the first day).
    scenario = _small(habit, overhead_per_machine_day=0.0)
    scenario = scenario.model_copy(update={
        "regions": scenario.regions.model_copy(update={"shares": {"Sichuan": 1.0}}),
        "makers": scenario.makers.model_copy(update={"maker": []})})
    run = run_network(scenario, shared_data_dir())
    pop, rec = run.population, run.record
    # Every machine runs on the first day (the precondition of the hand computation).
    np.testing.assert_allclose(rec.hashrate[0, 0], pop.hashrate, rtol=1e-12)
    first = run.history.iloc[0]
    per_machine = revenue_per_day(pop.tier_hashrate, first["difficulty"], first["subsidy"],
                                  1.0, first["fees_per_block"])  # coins per machine-day
    farms = pop.n_farms - pop.n_makers
    hedger = np.zeros(pop.n_farms, dtype=bool)
    hedger[:farms] = hedgers(pop.farm_machines[:farms], 0.2)
    coins = float((pop.cohort_count * per_machine[pop.cohort_tier])[hedger[pop.cohort_owner]]
                  .sum())
    # The short opened at the first close: ratio x horizon x the hedgers' coins per day.
    assert rec.short[0, 0] == pytest.approx(0.5 * 30 * coins, rel=1e-9)
    # It is rolled on 1 November to the production of that day (lower: difficulty rose).
    nov1 = int(np.flatnonzero(run.dates == np.datetime64("2018-11-01"))[0])
    assert rec.short[nov1 - 1, 0] == rec.short[0, 0] and rec.short[nov1, 0] != rec.short[0, 0]
    # Net selling counts the roll's change in the short, not the first opening.
    opened = rec.short[nov1, 0] - rec.short[nov1 - 1, 0]
    assert rec.net_sold[0, 0] == rec.sold[0, 0]
    assert rec.net_sold[nov1, 0] == pytest.approx(rec.sold[nov1, 0] + opened, rel=1e-12)


def test_habit_shares_are_spread_over_the_sizes() -> None:
    from hashwinter.network.habits import habit_shares

    sizes = np.arange(10.0, 0.0, -1.0)  # farm 0 the largest
    habit = habit_shares(sizes, 0.3, 0.2)
    assert (habit == 1).sum() == 3 and (habit == 2).sum() == 2
    # Spread evenly: the 3 hodlers are the 3rd, 6th and 9th largest (floor((k+1)0.3)).
    assert np.flatnonzero(habit == 1).tolist() == [3, 6, 9]
    with pytest.raises(ValueError, match="at most 1"):
        HabitsConfig(hodlers=0.7, sell_to_cover=0.4)


def test_shares_of_hodlers_sell_part_of_what_is_mined() -> None:
    """Half the farms hodl, the rest (and the makers) sell daily: 0 < sold < mined every
    day. Everyone hodls but half the farms, which sell to cover: they sell (their power
    bill, never more than they mined), the others nothing; all of them selling to cover
    sell more."""
    folder = shared_data_dir()
    half = run_network(_small(HabitsConfig(hodlers=0.5), cash_days=1e4), folder).record
    assert np.all(half.sold > 0) and np.all(half.sold < half.mined)
    assert 0.2 < half.sold.sum() / half.mined.sum() < 0.8
    cover = run_network(_small(HabitsConfig(treasury="hodl", sell_to_cover=0.5),
                               cash_days=1e4), folder).record
    assert np.all(cover.sold > 0) and np.all(cover.sold < cover.mined)
    assert cover.forced_sold.max() == 0.0
    everyone = run_network(_small(HabitsConfig(treasury="hodl", sell_to_cover=1.0),
                                  cash_days=1e4), folder).record
    assert everyone.sold.sum() > 1.5 * cover.sold.sum()
