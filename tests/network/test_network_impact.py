"""Habits and price impact: the treasury's coin sales, and the impact's fixed point."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.errors import InputError
from hashwinter.network.config import HabitsConfig, NetworkScenario
from hashwinter.network.dynamics import run_network
from hashwinter.network.impact import impact_path, solve_impact


def _small(habit: HabitsConfig, impact: float = 0.0, **pop: object) -> NetworkScenario:
    base = example(farms=30, **pop)
    return base.model_copy(update={
        "end": dt.date(2018, 11, 30), "habits": habit,
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
