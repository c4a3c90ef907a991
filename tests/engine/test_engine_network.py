"""Exogenous reward from history, and the endogenous block clock with exact retarget splits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from engine_reference import reference_block_clock
from numpy.testing import assert_allclose

from datafiles import winter_data_file
from hashwinter.chain import retarget_difficulty
from hashwinter.economics import coins_per_day
from hashwinter.engine import (
    Clock,
    Cohorts,
    DailyMarket,
    EndogenousNetwork,
    EngineSpec,
    ExogenousNetwork,
    LedgerRecorder,
    Owners,
    bitcoin_retarget,
    market_from_coinmetrics,
    run,
)
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy

TWO32 = 2.0**32


def one_cohort(hashrate=13.5e12, count=1.0, power=0.0):
    return Cohorts(label=("m",), model=("m",), site=("s",), hashrate=hashrate, power=power,
                   count=count, owner=0, start_step=0, capex_step=-1, unit_price=0.0, uptime=1.0,
                   pue=1.0, pool_fee=0.0, management_fee=0.0, hosting_fee=0.0, restart_cost=0.0)


def test_exogenous_reward_is_design_formula_on_real_history():
    btc = pd.read_csv(winter_data_file("btc_daily.csv"))  # the winter fixture: Oct 2018 - Mar 2019
    market = market_from_coinmetrics(btc).window("2018-11-01", "2018-12-31")
    clock = Clock(market.dates)
    spec = EngineSpec(clock, market, one_cohort(), Owners.single(clock.n_steps),
                      np.zeros((clock.n_steps, 1)))
    ledger = run(spec, AlwaysOn(), recorders=[LedgerRecorder()]).records[0]
    rows = btc.set_index("date").loc["2018-11-01":"2018-12-31"]
    # DESIGN.md: H * 86400 / (D * 2^32) * (subsidy + fees_per_block), here via economics.
    expected = coins_per_day(13.5e12, rows["difficulty"], rows["mean_subsidy_btc"],
                             rows["fees_btc"] / rows["blk_cnt"])
    assert_allclose(ledger.cohort["coins"][:, 0, 0, 0], expected, rtol=1e-12)
    # ... which is exactly the machine's share of the day's issuance (Coin Metrics hashrate).
    share = 13.5e12 / (rows["hashrate_ths"] * 1e12)
    issuance = rows["issuance_btc"] + rows["fees_btc"]
    assert_allclose(ledger.cohort["coins"][:, 0, 0, 0], share * issuance, rtol=1e-6)


def test_exogenous_observation_uses_previous_day():
    dates = np.arange(np.datetime64("2018-01-01"), np.datetime64("2018-01-04"))
    market = DailyMarket(dates, price=[1.0, 2.0, 3.0], difficulty=[1e12, 2e12, 4e12],
                         subsidy=12.5, fees_per_block=0.0, blocks_per_day=144.0)
    net = ExogenousNetwork(market, Clock(dates))
    state = net.init_state(1, 1)
    assert_allclose(net.observe(state, 0), 86400 * 12.5 / (1e12 * TWO32))
    assert_allclose(net.observe(state, 2), 86400 * 12.5 / (2e12 * TWO32))


def endogenous(clock, hashrate, *, difficulty, height, elapsed, fees=0.0):
    return EndogenousNetwork(clock, difficulty=difficulty, height=height, rest_of_world=hashrate,
                             fees_per_block=fees, window_elapsed=elapsed)


def test_retarget_inside_a_day_by_hand():
    # Hashrate twice what the difficulty expects: blocks every 300 s. Half the window
    # (1,008 blocks) already took 1,008 x 600 s; the other half takes 302,400 s = 3.5 days,
    # so the retarget falls at noon of day 4 (index 3).
    d0 = 1e12
    h = 2 * d0 * TWO32 / 600
    clock = Clock.from_range("2020-01-01", "2020-01-06")
    net = endogenous(clock, h, difficulty=d0, height=2016 * 100 + 1008, elapsed=1008 * 600.0)
    state = net.init_state(1, 1)
    steps = []
    for t in range(clock.n_steps):
        state, step = net.advance(state, t, np.zeros((1, 1)))
        steps.append(step)
    # Bitcoin Core's span covers 2015 intervals: (604,800 + 302,400) * 2015/2016 s.
    d1 = d0 * 1_209_600 / ((604_800 + 302_400) * 2015 / 2016)
    assert_allclose(steps[2].difficulty, d0)
    assert_allclose(steps[3].difficulty, d1, rtol=1e-12)
    subsidy = 50.0  # height 202,608 is before the first halving
    rho_day4 = 43_200 * subsidy / (d0 * TWO32) + 43_200 * subsidy / (d1 * TWO32)
    assert_allclose(steps[3].reward_per_hash, rho_day4, rtol=1e-12)
    assert_allclose(steps[3].height, 2016 * 101 + 43_200 / (600 * d1 / d0 / 2), rtol=1e-12)
    assert int(state.retargets[0, 0]) == 1


def test_block_clock_matches_block_by_block_loop_across_retargets_and_a_halving():
    rng = np.random.default_rng(3)
    clock = Clock.from_range("2016-06-01", "2016-07-31")  # 61 days, several windows
    d0 = 1.5e11
    hashrate = d0 * TWO32 / 600 * (1.3 + 0.8 * rng.random(clock.n_days))
    start = 210_000 - 3_000  # a halving 3,000 blocks in
    net = endogenous(clock, hashrate, difficulty=d0, height=start, elapsed=500 * 600.0,
                     fees=0.4)
    state = net.init_state(1, 1)
    got = []
    for t in range(clock.n_steps):
        state, step = net.advance(state, t, np.zeros((1, 1)))
        got.append((float(step.reward_per_hash[0, 0]), float(step.difficulty[0, 0]),
                    float(step.height[0, 0])))
    rewards, diffs, heights = reference_block_clock(d0, float(start), 500 * 600.0, hashrate,
                                                    86_400.0, fees=0.4)
    got_arr = np.array(got)
    assert_allclose(got_arr[:, 0], rewards, rtol=1e-9)
    assert_allclose(got_arr[:, 1], diffs, rtol=1e-9)
    assert_allclose(got_arr[:, 2], heights, rtol=1e-12)
    assert heights[-1] > 210_000 + 2016 and int(state.retargets[0, 0]) >= 4


def test_bitcoin_retarget_is_chain_rule_over_2015_intervals():
    assert_allclose(bitcoin_retarget(np.array([1e12]), np.array([2016 * 600.0])),
                    retarget_difficulty(1e12, 2015 * 600.0))
    # The 4x clamp of the chain's rule applies.
    assert_allclose(bitcoin_retarget(np.array([1e12]), np.array([1.0])), 4e12)


def test_endogenous_farm_is_the_network_and_unplugging_stops_blocks():
    # One farm holds all the hashrate (rest of world 0), exactly what the difficulty
    # expects: 144 blocks a day of 6.25 BTC. 100 machines of 1 kW at 0.1 per kWh cost
    # 2.4 a machine-day; each mines 9 BTC a day.
    clock = Clock.from_range("2020-06-01", "2020-06-10")
    d0 = 1e12
    per_machine = d0 * TWO32 / 600 / 100
    coh = one_cohort(hashrate=per_machine, count=100.0, power=1000.0)
    net = endogenous(clock, 0.0, difficulty=d0, height=2016 * 313, elapsed=0.0)

    def spec_at(price):
        market = DailyMarket.constant(clock.dates, price=price, difficulty=d0, subsidy=6.25)
        return EngineSpec(clock, market, coh, Owners.single(clock.n_steps, starting_cash=1e9),
                          np.full((clock.n_steps, 1), 0.1), network=net)

    # At 0.1 per coin a machine earns 0.9 < 2.4: unplugged from day 1; no blocks at all.
    res = run(spec_at(0.1), ShutdownPricePolicy(), recorders=[LedgerRecorder()])
    led = res.records[0]
    assert np.all(led.cohort["running"] == 0) and np.all(led.cohort["coins"] == 0)
    assert np.all(led.network["network_hashrate"] == 0)
    # At 1 per coin they run and mine the whole issuance: share 1, 900 BTC a day.
    res = run(spec_at(1.0), ShutdownPricePolicy(), recorders=[LedgerRecorder()])
    led = res.records[0]
    assert_allclose(led.cohort["coins"][:, 0, 0, 0], 144 * 6.25, rtol=1e-12)
    assert res.checks.max_share == pytest.approx(1.0)
    assert abs(res.checks.max_excess_coins) < 1e-9


def test_replacing_the_market_moves_the_default_network():
    """``replace(spec, market=other)`` mines on ``other``'s difficulty (issue 9: it kept the old).

    One S9-class machine, no costs, every coin sold at 1 currency/coin: cash is the coins
    mined, ``h·86400·12.5/(D·2^32)`` a day, so doubling D halves the cash exactly.
    """
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-11"))
    market = DailyMarket.constant(dates, price=1.0, difficulty=6e12, subsidy=12.5)
    clock = Clock(dates)
    spec = EngineSpec(clock, market, one_cohort(), Owners.single(clock.n_steps),
                      np.zeros((clock.n_steps, 1)))
    doubled = DailyMarket.constant(dates, price=1.0, difficulty=12e12, subsidy=12.5)
    base = run(spec, AlwaysOn()).cash[0, 0, 0]
    moved = run(dataclasses.replace(spec, market=doubled), AlwaysOn()).cash[0, 0, 0]
    expected = 10 * 13.5e12 * 86400 * 12.5 / (6e12 * TWO32)
    assert base == pytest.approx(expected, rel=1e-12)
    assert moved == pytest.approx(expected / 2, rel=1e-12)


def test_one_retarget_rule_type_and_the_rest_of_world_sees_the_price():
    """The engine's endogenous network takes the blockclock rule objects; a rest of the
    world model is given the previous day's close (no look-ahead)."""
    from hashwinter.blockclock import BitcoinRule, RollingWindowRule
    from hashwinter.errors import InputError

    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-05"))
    clock = Clock(dates)
    assert EndogenousNetwork(clock, 6e12, 550_000, 4e19, rule=BitcoinRule()).window == 2016
    with pytest.raises(InputError) as info:
        EndogenousNetwork(clock, 6e12, 550_000, 4e19, rule=RollingWindowRule())
    assert info.value.field == "rule" and "block-resolution" in info.value.message
    d = np.array([5e12, 7e12])
    assert_allclose(BitcoinRule().window_retarget(d, np.full(2, 2016 * 600.0)),
                    bitcoin_retarget(d, np.full(2, 2016 * 600.0)))

    seen = []

    class World:
        def hashrate(self, day, difficulty, height, price=None):
            seen.append((day, np.asarray(price).copy()))
            return np.full(np.shape(difficulty), 4e19)

        def take_paths(self, paths):
            return self

    market = DailyMarket(dates, price=[[1.0, 2.0, 3.0, 4.0]], difficulty=6e12, subsidy=12.5,
                         fees_per_block=0.0, blocks_per_day=144.0)
    net = EndogenousNetwork(clock, 6e12, 550_000, World())
    spec = EngineSpec(clock, market, one_cohort(), Owners.single(4), np.zeros((4, 1)), net)
    run(spec, AlwaysOn())
    assert [(day, float(p.ravel()[0])) for day, p in seen] == [(0, 1.0), (1, 1.0), (2, 2.0),
                                                                (3, 3.0)]
