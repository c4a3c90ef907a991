"""Action bundles: machine trades, moves, transfers between owners, instruments, hosting.

Each case is small enough to compute by hand: a flat market (price 10,000 per coin,
difficulty 1e12, subsidy 12.5, no fees), machines of 1e12 H/s and 1,000 W, so one
running machine mines ``86400·12.5/2^32`` coins a day (about 2.5e-4) and draws 24 kWh.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hashwinter.engine import (
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    FixedPriceForward,
    LedgerRecorder,
    Moves,
    Owners,
    Policies,
    Transfers,
    Treasury,
    run,
)
from hashwinter.engine.positions import Position
from hashwinter.farm.policies import AlwaysOn

TWO32 = 2.0**32
COINS_PER_DAY = 86400 * 12.5 / (1e12 * TWO32) * 1e12  # one machine of 1e12 H/s


@dataclasses.dataclass(frozen=True)
class Scripted:
    """A policy that applies ``fn(step, actions)`` (for tests)."""

    fn: object
    n_variants: int = 1

    def init_state(self, shape):
        return None

    def decide(self, obs, actions, state):
        return self.fn(obs.step, actions), None

    def take_variants(self, sel):
        return self


def spec_of(counts, owners=(0,), tariff=(0.0,), n_days=6, cash=(0.0,), price=10_000.0,
            host=-1, hosting_fee=0.0, unit_price=0.0, restart_cost=0.0):
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-01") + n_days)
    market = DailyMarket.constant(dates, price=price, difficulty=1e12, subsidy=12.5)
    n = len(counts)
    cohorts = Cohorts(label=tuple(f"c{i}" for i in range(n)), model=("m",) * n,
                      site=tuple(f"s{i}" for i in range(n)), hashrate=1e12, power=1000.0,
                      count=np.array(counts, dtype=float), owner=np.array(owners),
                      start_step=0, capex_step=-1, unit_price=unit_price, uptime=1.0, pue=1.0,
                      pool_fee=0.0, management_fee=0.0, hosting_fee=hosting_fee,
                      restart_cost=restart_cost, host=host)
    n_own = max(owners) + 1 if len(cash) == 1 else len(cash)
    cash_arr = np.broadcast_to(np.array(cash, dtype=float), (n_own,))
    own = Owners(tuple(f"o{i}" for i in range(n_own)), cash_arr, np.zeros(n_own),
                 np.zeros((n_days, n_own)), np.zeros((n_days, n_own)))
    clock = Clock(dates)
    return EngineSpec(clock, market, cohorts, own,
                      np.broadcast_to(np.array(tariff, dtype=float), (n_days, n)).copy())


def ledger_of(spec, policy, **kw):
    res = run(spec, policy, Treasury(), recorders=[LedgerRecorder()], **kw)
    return res, res.records[0]


def test_a_purchase_fills_an_empty_cohort():
    """10 machines bought on day 2 at 100 each: capex 1,000 that day, mining from that day."""
    def fn(t, a):
        return a.add_trades(buy=np.full((1, 1, 1), 10.0 if t == 2 else 0.0),
                            buy_price=np.full((1, 1, 1), 100.0))
    spec = spec_of([0.0], cash=(2_000.0,))
    res, led = ledger_of(spec, Policies([AlwaysOn(), Scripted(fn)]))
    assert_allclose(led.cohort["running"][:, 0, 0, 0], [0, 0, 10, 10, 10, 10])
    assert_allclose(led.cohort["machine_capex"][:, 0, 0, 0], [0, 0, 1000, 0, 0, 0])
    assert_allclose(led.cohort["coins"][:, 0, 0, 0].sum(), 40 * COINS_PER_DAY, rtol=1e-12)
    # Sold daily at 10,000: cash = 2,000 - 1,000 + 40 machine-days of coins at the price.
    assert res.cash[0, 0, 0] == pytest.approx(1000 + 40 * COINS_PER_DAY * 10_000, rel=1e-12)
    assert res.held[0, 0, 0] == 10 and res.checks.max_count_error == 0


def test_sales_and_scrapping_are_clipped_to_the_machines_held():
    """Ask to sell 7 and scrap 9 of 10 on day 1: 7 sold at 50, 3 scrapped at 5."""
    def fn(t, a):
        k = 1.0 if t == 1 else 0.0
        return a.add_trades(sell=np.full((1, 1, 1), 7 * k), scrap=np.full((1, 1, 1), 9 * k),
                            sell_price=np.full((1, 1, 1), 50.0),
                            scrap_price=np.full((1, 1, 1), 5.0))
    res, led = ledger_of(spec_of([10.0]), Policies([AlwaysOn(), Scripted(fn)]))
    assert_allclose(led.trade("sold")[1, 0, 0, 0], 7)
    assert_allclose(led.trade("scrapped")[1, 0, 0, 0], 3)
    assert_allclose(led.cohort["running"][:, 0, 0, 0], [10, 0, 0, 0, 0, 0])
    assert_allclose(led.owner["machine_sales"][1, 0, 0, 0], 7 * 50 + 3 * 5)
    coins = 10 * COINS_PER_DAY * 10_000
    assert res.cash[0, 0, 0] == pytest.approx(coins + 365, rel=1e-12)
    assert res.held[0, 0, 0] == 0


def test_a_move_between_sites_pays_its_cost_and_the_new_tariff():
    """4 of 10 machines move on day 3 from a 0.10 to a 0.05 site, 2.0 per machine moved.

    Power per machine-day 24 kWh: 10·2.4 on days 0-2, then 6·2.4 + 4·1.2 on days 3-5.
    """
    def fn(t, a):
        if t != 3:
            return a
        return a.add_moves(Moves([0], [1], np.full((1, 1, 1), 4.0), [2.0]))
    spec = spec_of([10.0, 0.0], owners=(0, 0), tariff=(0.10, 0.05))
    res, led = ledger_of(spec, Policies([AlwaysOn(), Scripted(fn)]))
    power = led.cohort["power_cost"][:, 0, 0].sum()
    assert power == pytest.approx(3 * 10 * 2.4 + 3 * (6 * 2.4 + 4 * 1.2), rel=1e-12)
    assert led.trade("move_cost")[3, 0, 0, 0] == pytest.approx(8.0)
    assert_allclose(res.held[0, 0], [6, 4])
    assert led.trade("moved_out").sum() == led.trade("moved_in").sum() == 4


def test_a_move_of_more_than_is_held_is_scaled_down():
    """Moves of 8 and 8 out of a cohort of 10: each is scaled to 5."""
    def fn(t, a):
        if t != 1:
            return a
        return a.add_moves(Moves([0, 0], [1, 2], np.full((1, 1, 2), 8.0), [0.0, 0.0]))
    res, _ = ledger_of(spec_of([10.0, 0.0, 0.0], owners=(0, 0, 0)),
                       Policies([AlwaysOn(), Scripted(fn)]))
    assert_allclose(res.held[0, 0], [0, 5, 5])


def test_transfers_between_owners_sum_to_zero():
    """Owner 0 pays owner 1 25 a day (a hosting contract written as a transfer)."""
    def fn(t, a):
        return a.add_transfers(Transfers([0], [1], np.full((1, 1, 1), 25.0)))
    spec = spec_of([1.0, 1.0], owners=(0, 1), cash=(1_000.0, 0.0))
    res, led = ledger_of(spec, Policies([AlwaysOn(), Scripted(fn)]))
    coins = 6 * COINS_PER_DAY * 10_000
    assert_allclose(res.cash[0, 0], [1_000 + coins - 150, coins + 150], rtol=1e-12)
    assert_allclose(led.owner["transfers"].sum(axis=(0, 1, 2)), [-150, 150])


def test_hosting_fees_to_a_host_of_the_run_are_a_transfer():
    """A client's 3 machines at its host's site, 2.0 per machine-day: the host earns 36."""
    spec = spec_of([3.0], owners=(1,), cash=(0.0, 100.0), host=0, hosting_fee=2.0)
    res, led = ledger_of(spec, AlwaysOn())
    coins = 18 * COINS_PER_DAY * 10_000
    assert_allclose(res.cash[0, 0], [36.0, 100 + coins - 36.0], rtol=1e-12)
    assert led.owner["operating_cost"].sum() == pytest.approx(0.0, abs=1e-12)
    assert led.cohort["hosting_fee"].sum() == pytest.approx(36.0)


def test_a_broke_owner_buys_nothing():
    """No cash, costs every day: broke on day 0, so the purchase on day 2 does not happen."""
    def fn(t, a):
        return a.add_trades(buy=np.full((1, 1, 1), 5.0 if t == 2 else 0.0))
    spec = spec_of([1.0], tariff=(1_000.0,), cash=(0.0,), unit_price=10.0)
    res, led = ledger_of(spec, Policies([AlwaysOn(), Scripted(fn)]))
    assert res.broke_step[0, 0, 0] == 0
    assert led.trade("bought").sum() == 0 and res.held[0, 0, 0] == 1


def test_restart_costs_are_not_charged_for_bought_machines():
    """Off on day 1, 4 machines bought on day 2 and everything on: only the 2 held restart."""
    def fn(t, a):
        on = np.full((1, 1, 1), t != 1)
        a = a.with_on(on)
        return a.add_trades(buy=np.full((1, 1, 1), 4.0 if t == 2 else 0.0))
    spec = spec_of([2.0], restart_cost=3.0)
    _, led = ledger_of(spec, Scripted(fn))
    assert_allclose(led.cohort["restart_cost"][:, 0, 0, 0], [0, 0, 6, 0, 0, 0])


@pytest.mark.parametrize("settle_in", ["cash", "coin"])
def test_a_forward_sale_settles_at_its_price(settle_in):
    """Short 1 coin forward at 9,000 on day 0, expiring on day 3; spot 10,000 throughout.

    At the close of day 3 the short pays 1·(10,000 − 9,000) = 1,000 (or 0.1 coin).
    """
    def fn(t, a):
        orders = np.zeros((1, 1, 1, 1))
        orders[..., 0] = -1.0 if t == 0 else 0.0
        return a.add_orders(orders)
    spec = spec_of([1.0], cash=(5_000.0,))
    fwd = FixedPriceForward(9_000.0, expiry_day=3, settle_in=settle_in, margin_rate=0.1)
    res, led = ledger_of(spec, Policies([AlwaysOn(), Scripted(fn)]), instruments=[fwd])
    coins = 6 * COINS_PER_DAY * 10_000
    # Coins owed by a coin-settled loss are bought back at the spot price: same cash.
    assert res.cash[0, 0, 0] == pytest.approx(5_000 + coins - 1_000, rel=1e-12)
    assert res.coins[0, 0, 0] == pytest.approx(0.0, abs=1e-12)
    assert_allclose(led.book["positions"][:, 0, 0, 0, 0], [-1, -1, -1, 0, 0, 0])
    assert_allclose(led.book["margin"][:3, 0, 0, 0, 0], 1_000.0)
    assert res.positions.shape == (1, 1, 1, 1)
    if settle_in == "coin":
        assert led.owner["instrument_coins"].sum() == pytest.approx(-0.1)
        # The day's mined coins go to the delivery first; the rest is bought at spot.
        assert led.owner["coins_bought"].sum() == pytest.approx(0.1 - COINS_PER_DAY)


def test_forward_protocol_by_hand():
    """Orders add up until expiry; after it they are not filled."""
    fwd = FixedPriceForward(100.0, expiry_day=1)
    pos = Position.flat((1, 1, 1))
    mark = np.full((1, 1, 1), 120.0)
    s = fwd.settle(0, 0, True, pos, np.full((1, 1, 1), 2.0), mark)
    assert s.position.quantity[0, 0, 0] == 2 and s.cash[0, 0, 0] == 0
    s = fwd.settle(1, 1, True, s.position, np.full((1, 1, 1), 1.0), mark)
    assert s.cash[0, 0, 0] == pytest.approx(3 * 20.0) and s.position.quantity[0, 0, 0] == 0
    s = fwd.settle(2, 2, True, s.position, np.full((1, 1, 1), 5.0), mark)
    assert s.position.quantity[0, 0, 0] == 0


def test_a_cohort_mines_the_coin_a_policy_picks_each_day():
    """Two coins; the second's difficulty drops to 1e11 on days 2-3 (price 5,000).

    One machine of 1e12 H/s on either coin; a day's reward of hashrate/difficulty = 1 is
    c = 86400·12.5/2^32 coins. The policy sees yesterday's difficulty, so it mines the
    second coin on days 3 and 4: 10c of it at 5,000 on day 3 (difficulty 1e11), c on day 4
    (back to 1e12); the main coin (c at 10,000 a day) on days 0, 1, 2 and 5.
    """
    from hashwinter.farm.policies import MostProfitableCoin

    spec = spec_of([1.0])
    dates = spec.clock.dates
    other = DailyMarket(dates, price=5_000.0, difficulty=[1e12, 1e12, 1e11, 1e11, 1e12, 1e12],
                        subsidy=12.5, fees_per_block=0.0, blocks_per_day=144.0, coin="BCH")
    cohorts = dataclasses.replace(spec.cohorts, other_hashrate=np.array([[1e12]]))
    spec = dataclasses.replace(spec, cohorts=cohorts, other_coins=(other,))
    assert spec.coin_names == ("BTC", "BCH")
    res, led = ledger_of(spec, Policies([AlwaysOn(), MostProfitableCoin()]))
    c = COINS_PER_DAY
    assert_allclose(led.cohort["coins"][:, 0, 0, 0], [c, c, c, 0, 0, c], rtol=1e-12)
    assert_allclose(led.cohort["other_coin_revenue"][:, 0, 0, 0],
                    [0, 0, 0, 10 * c * 5_000, c * 5_000, 0], rtol=1e-12)
    assert res.cash[0, 0, 0] == pytest.approx(4 * c * 10_000 + 11 * c * 5_000, rel=1e-12)
    # The power is paid on every day, whichever coin is mined.
    assert (led.cohort["running"][:, 0, 0, 0] == 1).all()


def test_a_coin_axis_needs_each_cohorts_hashrate_on_it():
    from hashwinter.errors import InputError

    spec = spec_of([1.0])
    other = DailyMarket.constant(spec.clock.dates, price=1.0, difficulty=1e12, subsidy=1.0)
    with pytest.raises(InputError) as info:
        dataclasses.replace(spec, other_coins=(other,))
    assert info.value.field == "cohorts.other_hashrate"
