"""The block-resolution network: per-path rules, a farm's share of Poisson blocks, the
block-clock study (Noda et al.'s example) as a mode of the engine, stepped by day or running
ahead."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import (
    BlockNetwork,
    BlockPrice,
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    LedgerRecorder,
    Owners,
    run,
)
from hashwinter.engine.blockstudy import _empty_fleet
from hashwinter.engine.policy import Policies
from hashwinter.errors import InputError
from hashwinter.farm.policies import AlwaysOn
from hashwinter.network import LinearSupply, SigmoidSupply

EXAMPLE = "examples/scenarios/noda2019.toml"


@pytest.mark.parametrize("rule", [BitcoinRule(), RollingWindowRule()])
def test_per_path_trackers_equal_the_lockstep_trackers(rule):
    """Paths at their own heights (index arrays, some paths idle each round) get the
    difficulties of paths in lockstep (one int index) exactly."""
    rng = np.random.default_rng(3)
    n, start = 4, 2016 * 270 - 5
    d0 = np.full(n, 6e12)
    lock = rule.start(d0.copy(), start, 600.0)
    paths = rule.start(d0.copy(), start, 600.0)
    d_lock, d_path, t = d0.copy(), d0.copy(), np.zeros(n)
    # The per-path tracker sees the same blocks, but each round only some paths find one.
    history = []
    for i in range(2100):
        t = t + rng.exponential(600.0, n) * (1.5 if i < 1000 else 0.7)
        lock.after_blocks(None, i, t, d_lock)
        history.append((t.copy(), d_lock.copy()))
    index = np.zeros(n, dtype=np.int64)
    times = np.zeros(n)
    while (index < 2100).any():
        found = (rng.random(n) < 0.6) & (index < 2100)
        for p in np.flatnonzero(found):
            times[p] = history[index[p]][0][p]
        paths.after_blocks(found, index.copy(), times, d_path)
        for p in np.flatnonzero(found):
            assert_allclose(d_path[p], history[index[p]][1][p], rtol=1e-12)
        index += found
    assert not np.allclose(d_lock, 6e12)  # the rule did retarget


def test_a_farm_earns_its_share_of_each_poisson_block():
    """Rest of the world 90 PH/s (flat supply), farm 10 PH/s: 10 % of every block's 12.5."""
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-09"))
    clock = Clock(dates)
    market = DailyMarket.constant(dates, price=4_000.0, difficulty=1e10, subsidy=12.5)
    farm = Cohorts(label=("f",), model=("m",), site=("s",), hashrate=1e15, power=0.0,
                   count=10.0, owner=0, start_step=0, capex_step=-1, unit_price=0.0, uptime=1.0,
                   pue=1.0, pool_fee=0.0, management_fee=0.0, hosting_fee=0.0, restart_cost=0.0)
    world = LinearSupply(intercept=9e16, slope=0.0)
    # Height 2016·274: the first block of a window, so no retarget within ~1,600 blocks.
    net = BlockNetwork(clock, 1e10, 2016 * 274, world, BitcoinRule(), seed=5)
    spec = EngineSpec(clock, market, farm, Owners.single(8), np.zeros((8, 1)), net)
    res = run(spec, AlwaysOn(), recorders=[LedgerRecorder()])
    ledger = res.records[0]
    state = res.network_state
    # D 1e10 at 100 PH/s: a block every 429 s, ~201 a day, 1,611 in 8 days (Poisson: ± 40).
    blocks = int(state.count.sum())
    assert 1_450 < blocks < 1_780
    assert_allclose(ledger.cohort["coins"].sum(), 0.1 * 12.5 * blocks, rtol=1e-12)
    assert_allclose(ledger.network["difficulty"][-1], 1e10)  # no retarget yet
    assert res.checks.max_share == pytest.approx(0.1, rel=1e-12)


def _study_network(clock, *, ahead, n_blocks=3000, horizon_s=None, trace_every=None):
    supply = SigmoidSupply.from_eh_units(55, 3, 1.5)
    return BlockNetwork(clock, 6_653_303_141_406.0, 551_443, supply,
                        (BitcoinRule(), RollingWindowRule()), seed=np.random.SeedSequence(5),
                        price=BlockPrice(3604.59, 0.0, 0.042415), max_blocks=n_blocks,
                        horizon_s=horizon_s, trace_every=trace_every, ahead=ahead)


def _run_study(network, clock, n_paths):
    market = DailyMarket.constant(clock.dates, price=1.0, difficulty=1.0, subsidy=0.0)
    market = market.with_price_paths(np.ones((n_paths, clock.n_days)))
    spec = EngineSpec(clock, market, _empty_fleet(), Owners.single(clock.n_steps),
                      np.zeros((clock.n_steps, 1)), network)
    return run(spec, Policies([]), check=False, recorders=[LedgerRecorder()])


@pytest.mark.parametrize(("horizon_days", "trace_every"), [(None, None), (10.0, 100), (None, 144)])
def test_stepped_by_day_equals_running_ahead(horizon_days, trace_every):
    """The network stepped day by day (rounds of the paths with a block in the day) and
    running ahead (every path one block a round, the block clock's loop) find the same
    blocks: every statistic, trace point and booked step equal bit for bit."""
    clock = Clock(np.datetime64("2018-11-25") + np.arange(60))
    kw = dict(horizon_s=None if horizon_days is None else horizon_days * 86400.0,
              trace_every=trace_every, n_blocks=5000 if horizon_days else 3000)
    ahead = _run_study(_study_network(clock, ahead=True, **kw), clock, 40)
    daily = _run_study(_study_network(clock, ahead=False, **kw), clock, 40)
    a, b = ahead.network_state, daily.network_state
    assert a.stopped.all() and b.stopped.all()  # 3,000 blocks in < 60 days; or the horizon
    for name in ("count", "total_s", "sumsq_s2", "longest_s", "difficulty", "price"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if trace_every:
        for name in ("interval_s", "time_s", "difficulty", "hashrate", "price"):
            np.testing.assert_array_equal(getattr(a.trace, name), getattr(b.trace, name))
    for name, values in ahead.records[0].network.items():
        np.testing.assert_array_equal(values, daily.records[0].network[name], err_msg=name)
    if horizon_days:
        assert (a.count < 5000).all() and (a.last_time >= 10 * 86400.0).all()


def test_running_ahead_books_every_block_into_its_step():
    """The steps of a network that ran ahead report the blocks found in them, as the same
    network stepped by day does: issuance 12.5 BTC a block, heights, difficulties."""
    clock = Clock(np.datetime64("2018-11-25") + np.arange(10))
    ahead = _study_network(clock, ahead=True, n_blocks=3000)
    daily = _study_network(clock, ahead=False, n_blocks=3000)
    sa, sd = ahead.init_state(2, 30), daily.init_state(2, 30)
    issued = np.zeros((2, 30))
    zero = np.zeros((2, 30))
    for step in range(clock.n_steps):
        sa, na = ahead.advance(sa, step, zero)
        sd, nd = daily.advance(sd, step, zero)
        for name in ("issuance", "difficulty", "height", "network_hashrate"):
            np.testing.assert_array_equal(getattr(na, name), getattr(nd, name), err_msg=name)
        issued += na.issuance
    # Height 551,443 is in the 12.5 BTC era (blocks 420,000 .. 629,999).
    assert_allclose(issued, 12.5 * sd.count, rtol=1e-12)
    # Ten days hold part of the study; running ahead, the state holds all of it.
    assert (sd.count < 3000).all() and (sa.count == 3000).all()


def test_a_network_running_ahead_refuses_a_fleet():
    clock = Clock(np.datetime64("2018-11-25") + np.arange(3))
    net = _study_network(clock, ahead=True)
    market = DailyMarket.constant(clock.dates, price=3604.59, difficulty=6.65e12, subsidy=12.5)
    farm = Cohorts(label=("f",), model=("m",), site=("s",), hashrate=1e15, power=0.0,
                   count=10.0, owner=0, start_step=0, capex_step=-1, unit_price=0.0, uptime=1.0,
                   pue=1.0, pool_fee=0.0, management_fee=0.0, hosting_fee=0.0, restart_cost=0.0)
    spec = EngineSpec(clock, market, farm, Owners.single(3), np.zeros((3, 1)), net)
    with pytest.raises(InputError) as err:
        run(spec, AlwaysOn())
    assert err.value.field == "farm_hashrate"
    with pytest.raises(InputError) as err:
        BlockNetwork(clock, 1e12, 0, SigmoidSupply.from_eh_units(55, 3, 1.5), BitcoinRule(),
                     ahead=True)
    assert err.value.field == "ahead"


def test_two_rules_need_two_variants():
    clock = Clock(np.datetime64("2018-11-25") + np.arange(3))
    net = _study_network(clock, ahead=False)
    with pytest.raises(InputError) as err:
        net.init_state(3, 10)
    assert err.value.field == "rule"


def test_noda_example_figures():
    """The Noda example (examples/scenarios/noda2019.toml) on 120 paths gives the figures of
    the 5,000-path run (mean block time 15.2 / 10.0 min; share of paths with a block over
    180 min 53 % / 0.4 %) within 4 standard errors."""
    from hashwinter.scenario import load_scenario
    from hashwinter.scenario.run import BlockClockChunk, blockclock_job, simulate_chunk

    n = 120
    job = blockclock_job(load_scenario(EXAMPLE, overrides={"network.trace_every": 0}))
    res = simulate_chunk(BlockClockChunk(job, n, np.random.SeedSequence(12)))
    assert res.rules == ("bitcoin", "cw-144")
    assert (res.count == 12_096).all()
    for r, (mean_min, share_180) in enumerate(((15.2, 0.53), (10.0, 0.004))):
        b = res.mean_interval_s[r] / 60
        assert abs(b.mean() - mean_min) < 4 * np.sqrt(b.var(ddof=1) / n) + 0.05
        pb = (res.max_interval_s[r] > 180 * 60).mean()
        assert abs(pb - share_180) < 4 * np.sqrt(max(share_180 * (1 - share_180), 0.01) / n)
