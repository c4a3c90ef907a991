"""The block network's paths: their own streams (chunks over paths draw what the whole run
draws), Poisson counts against the expected rate, expected intervals, fees per step."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import BlockNetwork, Clock, Cohorts, DailyMarket, EngineSpec, Owners, run
from hashwinter.errors import InputError
from hashwinter.farm.policies import AlwaysOn
from hashwinter.network import LinearSupply

DATES = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-09"))
CLOCK = Clock(DATES)
#: Rest of the world 90 PH/s (flat supply), the farm 10 machines x 1 PH/s: 100 PH/s.
WORLD = LinearSupply(intercept=9e16, slope=0.0)
FARM = Cohorts(label=("f",), model=("m",), site=("s",), hashrate=1e15, power=0.0, count=10.0,
               owner=0, start_step=0, capex_step=-1, unit_price=0.0, uptime=1.0, pue=1.0,
               pool_fee=0.0, management_fee=0.0, hosting_fee=0.0, restart_cost=0.0)
#: Height 2016 x 274: a window's first block, so no Bitcoin retarget in ~1,600 blocks.
HEIGHT = 2016 * 274
#: D 1e10 at 100 PH/s: one block every 1e10 x 2^32 / 1e17 = 429.4967 s.
INTERVAL_S = 1e10 * 2**32 / 1e17


def _spec(n_paths: int, network: BlockNetwork) -> EngineSpec:
    market = DailyMarket.constant(DATES, price=4_000.0, difficulty=1e10, subsidy=12.5)
    market = market.with_price_paths(np.full((n_paths, DATES.size), 4_000.0))
    return EngineSpec(CLOCK, market, FARM, Owners.single(DATES.size),
                      np.zeros((DATES.size, 1)), network)


@pytest.mark.parametrize("rule", [BitcoinRule(), RollingWindowRule()])
def test_chunks_of_paths_find_the_blocks_of_the_whole_run(rule) -> None:
    """Each path draws from its own stream: the paths run in chunks of 2 or of 3 and 3
    (spec.take_paths) find, path by path, the blocks of the 6 paths run at once, bit for
    bit; and the chunks do not repeat each other's draws (the defect this fixes)."""
    net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, rule, seed=17)
    whole = run(_spec(6, net), AlwaysOn()).network_state
    for bounds in ((0, 2, 4, 6), (0, 3, 6)):
        parts = [run(_spec(6, net).take_paths(slice(lo, hi)), AlwaysOn()).network_state
                 for lo, hi in itertools.pairwise(bounds)]
        for name in ("count", "last_time", "sumsq_s2", "longest_s", "difficulty"):
            joined = np.concatenate([getattr(p, name) for p in parts], axis=1)
            assert_array_equal(joined, getattr(whole, name), err_msg=name)
    # Six different paths (equal counts on two paths of ~1,600 Poisson blocks: rare, and
    # equal times never).
    assert np.unique(whole.last_time).size == 6
    # An index array picks the same paths as the slice.
    picked = run(_spec(6, net).take_paths(np.array([4, 1])), AlwaysOn()).network_state
    assert_array_equal(picked.last_time[0], whole.last_time[0, [4, 1]])


def test_a_network_on_one_generator_cannot_be_cut_into_chunks() -> None:
    net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(),
                       seed=np.random.default_rng(1))
    with pytest.raises(InputError) as err:
        net.take_paths(slice(0, 2))
    assert err.value.field == "seed"
    with pytest.raises(InputError):
        BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(), seed=1).take_paths(slice(2, None))


def test_poisson_blocks_come_at_the_expected_rate() -> None:
    """Over 8 days at 100 PH/s and D 1e10 the blocks of a path are a Poisson process of
    rate 1 / 429.4967 s: 691,200 / 429.4967 = 1,609.32 blocks expected per path, 64,373
    over 40 paths. The total is Poisson(64,373): sd 253.7; tolerance 4 sd (a false failure
    once in ~16,000 seeds; the seed is fixed). Each path's count stays within 5 sd of
    1,609 (sd 40.1)."""
    n_paths = 40
    net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(), seed=2018)
    state = run(_spec(n_paths, net), AlwaysOn()).network_state
    mean = 8 * 86400.0 / INTERVAL_S
    total = int(state.count.sum())
    assert abs(total - n_paths * mean) < 4 * np.sqrt(n_paths * mean)
    assert np.all(np.abs(state.count - mean) < 5 * np.sqrt(mean))
    # The intervals are exponential: mean interval within 4 standard errors of 429.5 s,
    # and their second moment 2 mu^2 (relative sd of the mean of squares ~ sqrt(5 / N)).
    n = state.count.sum()
    mu = state.last_time.sum() / n
    assert abs(mu / INTERVAL_S - 1) < 4 / np.sqrt(n)
    assert abs(state.sumsq_s2.sum() / n / (2 * INTERVAL_S**2) - 1) < 4 * np.sqrt(5 / n)
    assert_allclose(state.difficulty, 1e10)  # no retarget: the window has 2,016 blocks


def test_expected_intervals_without_draws() -> None:
    """expected=True: every interval is D 2^32 / H = 429.4967 s, so 8 days hold
    floor(691,200 / 429.4967) = 1,609 blocks on every path, the longest interval is that,
    and cw-144 (work over time of 144 blocks all at 1e10 and 429.5 s) sets the difficulty
    to 1e10 x 600 / 429.4967 = 1.39699e10 once its window holds only the run's blocks."""
    for rule, d_end in ((BitcoinRule(), 1e10), (RollingWindowRule(), 1e10 * 600 / INTERVAL_S)):
        net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, rule, seed=3, expected=True)
        state = run(_spec(3, net), AlwaysOn()).network_state
        if rule.name == "bitcoin":
            assert (state.count == 1609).all()
            assert_allclose(state.longest_s, INTERVAL_S, rtol=1e-12)
            assert_allclose(state.last_time, 1609 * INTERVAL_S, rtol=1e-12)
        else:
            # The difficulty rises to track the 100 PH/s: blocks slow towards 600 s.
            assert (state.count < 1609).all()
            assert np.unique(state.count).size == 1  # no noise: every path alike
        assert_allclose(state.difficulty[0, 0], d_end, rtol=1e-9)


def test_fees_per_step_are_paid_by_the_blocks_of_the_step() -> None:
    """Fees of 0.1 BTC a block on day 0 rising by 0.1 a day: each day's issuance is its
    blocks times (12.5 + its fee), and the farm (10 % of the hashrate) earns 10 % of it."""
    fees = 0.1 * (1 + np.arange(DATES.size))
    net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(), seed=4, fees_per_block=fees)
    state = net.init_state(1, 5)
    farm = np.full((1, 5), 1e16)
    for step in range(DATES.size):
        before = state.count.copy()
        state, out = net.advance(state, step, farm, price=np.full(5, 4_000.0))
        blocks = state.count - before
        assert_allclose(out.issuance, blocks * (12.5 + fees[step]), rtol=1e-12)
        assert_allclose(out.reward_per_hash * 1e16, 0.1 * out.issuance, rtol=1e-12)
    with pytest.raises(InputError) as err:
        BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(), fees_per_block=fees[:3])
    assert err.value.field == "fees_per_block"


def test_a_fleet_that_grows_mid_run_earns_its_new_share_at_the_new_rate() -> None:
    """The fleet goes from 10 to 50 PH/s on day 4 (world 90 PH/s): the block pending then,
    drawn at 100 PH/s, is moved to 140 PH/s (its remaining work at the new rate), so every
    day's coins are the fleet's share (10 % then 50 / 140) of the day's issuance, and days
    4-7 hold Poisson(4 x 86,400 / 306.78 s) = 1,126.5 blocks a path: 45,061 over 40
    paths, sd 212, tolerance 4 sd."""
    n_paths = 40
    net = BlockNetwork(CLOCK, 1e10, HEIGHT, WORLD, BitcoinRule(), seed=9)
    state = net.init_state(1, n_paths)
    late = 0
    for step in range(DATES.size):
        fleet = 1e16 if step < 4 else 5e16
        before = state.count.copy()
        state, out = net.advance(state, step, np.full((1, n_paths), fleet),
                                 price=np.full(n_paths, 4_000.0))
        assert_allclose(out.reward_per_hash * fleet, out.issuance * fleet / (fleet + 9e16),
                        rtol=1e-12)
        if step >= 4:
            late += int((state.count - before).sum())
    mean = n_paths * 4 * 86400.0 / (1e10 * 2**32 / 1.4e17)
    assert abs(late - mean) < 4 * np.sqrt(mean)
