"""Used machines settle ``ship_days`` after they clear: offline in between, counts kept."""

from __future__ import annotations

import numpy as np

from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation
from hashwinter.network.clearing import price_grid
from hashwinter.network.trading import SecondHandMarket


def _obs(step: int, installed: list[float], alive: list[bool]) -> Observation:
    # Two owners, one cohort each, one tier: cohort 0 sells (off), cohort 1 buys.
    # A machine earns 3 USD and costs 1 USD a day: the buyer values it at 2 x 100 days.
    return Observation(
        step=step, day=step, step_seconds=86400.0, price=np.full((1, 1, 1), 4000.0),
        coins_per_machine=np.full((1, 1, 2), 3.0 / 4000),
        revenue_per_machine=np.full((1, 1, 2), 3.0),
        cost_per_machine=np.full((1, 1, 2), 1.0), installed=np.array([installed]).reshape(1, 1, 2),
        cash=np.full((1, 1, 2), 1e6), coins=np.zeros((1, 1, 2)),
        alive=np.array(alive).reshape(1, 1, 2), owner=np.array([0, 1]))


def _market(ship_days: int) -> SecondHandMarket:
    return SecondHandMarket(tier=np.array([0, 0]), owner=np.array([0, 1]),
                            capacity=np.array([10.0, 20.0]),
                            grid=price_grid(np.array([15.0]), np.array([3000.0]), 48),
                            sell_after_days=1.0, payback_days=100.0, cash_share=0.5,
                            ship_days=ship_days)


def _day(m: SecondHandMarket, step: int, state: object, held: list[float],
         alive: list[bool]) -> tuple[Actions, object]:
    on = np.array([[[False, True]]])
    return m.decide(_obs(step, held, alive), Actions.start(on), state)


def test_a_trade_settles_ship_days_later_at_its_days_price() -> None:
    same = _market(0)
    now, _ = _day(same, 0, same.init_state((1, 1, 2)), [10.0, 5.0], [True, True])
    assert now.sell is not None and now.buy is not None
    # Same day: the seller's 10 machines go to the buyer (15 of its 20 slots are free).
    sold, price = float(now.sell[0, 0, 0]), float(np.asarray(now.sell_price)[..., 0].max())
    assert sold == 10.0 and float(now.buy[0, 0, 1]) == 10.0 and 15.0 <= price <= 200.0
    m = _market(2)
    state = m.init_state((1, 1, 2))
    for step in (0, 1):
        acts, state = _day(m, step, state, [10.0, 5.0], [True, True])
        # Nothing settles before two days; the committed machines are not offered again.
        assert acts.sell is None and acts.buy is None
    acts, state = _day(m, 2, state, [10.0, 5.0], [True, True])
    assert acts.sell is not None and acts.buy is not None
    assert float(acts.sell[0, 0, 0]) == 10.0 and float(acts.buy[0, 0, 1]) == 10.0
    # The price of the day it cleared (the same market as the same-day one's).
    assert float(np.asarray(acts.buy_price)[0, 0, 1]) == price


def test_a_broke_buyer_gets_nothing_and_the_seller_keeps_its_machines() -> None:
    m = _market(1)
    state = m.init_state((1, 1, 2))
    _, state = _day(m, 0, state, [10.0, 5.0], [True, True])
    acts, _ = _day(m, 1, state, [10.0, 5.0], [True, False])
    # The buyer went broke before delivery: no sale and no purchase (counts conserved).
    assert acts.buy is None or float(np.asarray(acts.buy).sum()) == 0.0
    assert acts.sell is None or float(np.asarray(acts.sell).sum()) == 0.0


def test_a_winter_with_shipping_conserves_machines() -> None:
    import datetime as dt

    from test_network_population import example

    from datafiles import shared_data_dir
    from hashwinter.network.dynamics import run_network

    scenario = example(farms=40).model_copy(update={"end": dt.date(2018, 12, 31)})
    scenario = scenario.model_copy(update={
        "market": scenario.market.model_copy(update={"ship_days": 7})})
    # The recorder checks every day that machines sold = bought less production.
    run = run_network(scenario, shared_data_dir())
    pop, rec = run.population, run.record
    assert rec.traded.sum() > 0 and run.result.held is not None
    held = np.broadcast_to(run.result.held, (1, 1, pop.cohort_tier.size))[0, 0]
    start = np.bincount(pop.cohort_tier, weights=pop.cohort_count)
    start[-pop.n_makers:] += rec.produced[:, 0].sum(axis=0)
    start -= rec.scrapped[:, 0].sum(axis=0)  # scrapped at once, not shipped
    np.testing.assert_allclose(np.bincount(pop.cohort_tier, weights=held), start, rtol=1e-9)
