"""The block-resolution network: per-path rules, a farm's share of Poisson blocks, and the
block-clock study (Noda et al.'s example) as a mode of the engine."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import (
    BlockNetwork,
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    LedgerRecorder,
    Owners,
    run,
)
from hashwinter.farm.policies import AlwaysOn
from hashwinter.network import LinearSupply

EXAMPLE = "examples/scenarios/noda2019.toml"


@pytest.mark.parametrize("rule", [BitcoinRule(), RollingWindowRule()])
def test_per_path_trackers_equal_the_lockstep_trackers(rule):
    """Paths that all find every block give the lockstep tracker's difficulties exactly."""
    rng = np.random.default_rng(3)
    n, start = 4, 2016 * 270 - 5
    d0 = np.full(n, 6e12)
    lock = rule.start(d0.copy(), start, 600.0)
    paths = rule.start_paths(d0.copy(), start, 600.0)
    d_lock, d_path, t = d0.copy(), d0.copy(), np.zeros(n)
    for i in range(2100):
        t = t + rng.exponential(600.0, n) * (1.5 if i < 1000 else 0.7)
        new = lock.after_block(start + i, t, d_lock)
        if new is not None:
            d_lock = np.array(new, copy=True)
        d_path = paths.after_blocks(np.ones(n, dtype=bool), np.full(n, start + i), t, d_path)
        assert_allclose(d_path, d_lock, rtol=1e-12)
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


def test_noda_example_on_the_engine_matches_the_block_clock():
    """The Noda example (examples/scenarios/noda2019.toml) as a mode of the engine gives the
    block clock's statistics within Monte Carlo error.

    120 paths each (independent draws): a mean per-path block time is compared with a
    tolerance of 4 standard errors of the difference (from the paths' own spread), a share
    of paths with a block over 180 min with 4 binomial standard errors. The figures of the
    5,000-path run (15.2 / 10.0 min; 53 % / 0.4 %) are checked with the same tolerance.
    """
    from hashwinter.scenario import load_scenario
    from hashwinter.scenario.run import (
        BlockClockChunk,
        blockclock_job,
        simulate_chunk,
        simulate_chunk_on_engine,
    )

    n = 120
    job = blockclock_job(load_scenario(EXAMPLE, overrides={"network.trace_every": 0}))
    clock_res = simulate_chunk(BlockClockChunk(job, n, np.random.SeedSequence(11)))
    engine_res = simulate_chunk_on_engine(BlockClockChunk(job, n, np.random.SeedSequence(12)))
    assert engine_res.rules == ("bitcoin", "cw-144")
    assert (engine_res.count == 12_096).all()
    for r, (mean_min, share_180) in enumerate(((15.2, 0.53), (10.0, 0.004))):
        a = clock_res.mean_interval_s[r] / 60
        b = engine_res.mean_interval_s[r] / 60
        se = np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
        assert abs(a.mean() - b.mean()) < 4 * se
        assert abs(b.mean() - mean_min) < 4 * np.sqrt(b.var(ddof=1) / n) + 0.05
        pa = (clock_res.max_interval_s[r] > 180 * 60).mean()
        pb = (engine_res.max_interval_s[r] > 180 * 60).mean()
        p = (pa + pb) / 2
        assert abs(pa - pb) < 4 * np.sqrt(2 * max(p * (1 - p), 0.01) / n)
        assert abs(pb - share_180) < 4 * np.sqrt(max(share_180 * (1 - share_180), 0.01) / n)
