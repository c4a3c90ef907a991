"""Retarget rules on hand-made timestamps, and the clock's statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import BlockClockResult, simulate_blocks
from hashwinter.errors import InputError
from hashwinter.market import GBM
from hashwinter.network import LinearSupply, SigmoidSupply


def _run_tracker(rule, start, spacing, n_blocks, d0=1000.0, feed_back=True):
    """Mine blocks at a fixed spacing; return the difficulty set after each block.

    With ``feed_back=False`` every block is mined at ``d0`` (what the rule says is
    recorded but not applied), to read the rule's answer to one window.
    """
    tracker = rule.start(np.array([d0]), start, 600.0)
    d = np.array([d0])
    out = []
    for i in range(n_blocks):
        new = d.copy()
        tracker.after_blocks(None, i, np.array([(i + 1) * spacing]), new)
        out.append(float(new[0]))
        if feed_back:
            d = new
    return out


def test_bitcoin_rule_uses_2015_intervals():
    # A whole window at 1,200 s per block: span = 2015 * 1200 s (Core's off-by-one),
    # so the new difficulty is D * 1,209,600 / 2,418,000.
    d = _run_tracker(BitcoinRule(), start=2016, spacing=1200.0, n_blocks=2016)
    assert d[-2] == 1000.0
    assert d[-1] == pytest.approx(1000.0 * 1_209_600 / (2015 * 1200))


def test_bitcoin_rule_clamps_at_four():
    d = _run_tracker(BitcoinRule(), start=4032, spacing=6000.0, n_blocks=2016)
    assert d[-1] == pytest.approx(1000.0 / 4)
    d = _run_tracker(BitcoinRule(), start=4032, spacing=10.0, n_blocks=2016)
    assert d[-1] == pytest.approx(1000.0 * 4)


def test_bitcoin_rule_counts_prehistory_of_the_window():
    # Start 1,000 blocks into a window: the first 1,000 came every 600 s (prehistory),
    # the remaining 1,016 every 300 s. The span counts back to the window's first block.
    d = _run_tracker(BitcoinRule(), start=2016 + 1000, spacing=300.0, n_blocks=1016)
    span = 999 * 600 + 1016 * 300  # block 2016 at -999*600 ... block 4031 at 1016*300
    assert d[-1] == pytest.approx(1000.0 * 1_209_600 / span)


def test_rolling_rule_is_neutral_on_target_and_clamped_at_two():
    assert _run_tracker(RollingWindowRule(), start=500, spacing=600.0, n_blocks=400)[-1] == (
        pytest.approx(1000.0)
    )
    # Blocks twice as fast for a whole window: difficulty doubles (span at the clamp).
    fast = _run_tracker(RollingWindowRule(), 500, 300.0, 400, feed_back=False)
    assert fast[-1] == pytest.approx(2000.0)
    # Half-way through the window: 72 blocks at 300 s, 72 at 600 s (prehistory).
    assert fast[72] == pytest.approx(1000.0 * 144 * 600 / (72 * 300 + 72 * 600))
    # Four times too fast: the span is clamped to 72 spacings, so at most x2 per window.
    faster = _run_tracker(RollingWindowRule(), 500, 150.0, 147, feed_back=False)
    assert faster[-1] == pytest.approx(2000.0, rel=1e-9)


def test_rolling_rule_median_of_three_lags_one_block():
    # Without the median the newest block is used; with it, the one before.
    rule_lag = RollingWindowRule(window=10, clamp=False)
    rule_now = RollingWindowRule(window=10, clamp=False, median_of_three=False)
    one = np.array([100.0])
    lag, now = rule_lag.start(one, 100, 600.0), rule_now.start(one, 100, 600.0)
    # Block 100 takes 1,200 s; everything before came every 600 s at difficulty 100.
    d_lag, d_now = one.copy(), one.copy()
    lag.after_blocks(None, 0, np.array([1200.0]), d_lag)
    now.after_blocks(None, 0, np.array([1200.0]), d_now)
    d_lag, d_now = d_lag[0], d_now[0]
    assert d_lag == pytest.approx(100.0)  # blocks 89..99: all on target
    assert d_now == pytest.approx(100.0 * 10 * 600 / (9 * 600 + 1200))


def test_constant_hashrate_gives_exponential_block_times():
    # A fixed network (slope 0) at the difficulty it mines on target: intervals are
    # Exp(600 s); the share of blocks over an hour is e^-6 per block.
    h = 50e18
    d0 = h * 600 / 2**32
    supply = LinearSupply(intercept=h, slope=0.0)
    res = simulate_blocks(
        [RollingWindowRule(clamp=True)], supply, GBM(s0=1.0, mu=0.0, sigma=0.0),
        n_paths=400, n_blocks=2000, d0=d0, rng=np.random.default_rng(8),
    )  # fmt: skip
    n = res.count.sum()
    mean = res.total_s.sum() / n
    # The rule's small corrections aside, mean ~600 s with SE 600/sqrt(n).
    assert mean == pytest.approx(600.0, rel=0.01)
    assert np.median(res.std_interval_s) == pytest.approx(600.0, rel=0.03)


def test_summary_statistics_and_concat():
    supply = SigmoidSupply.from_eh_units(55, 3, 1.5)
    kw = dict(n_blocks=300, d0=6.65e12, start_height=551_443, trace_every=100)
    price = GBM(s0=3604.59, mu=0.0, sigma=0.04)
    rules = [BitcoinRule(), RollingWindowRule()]
    whole = simulate_blocks(rules, supply, price, n_paths=6, rng=np.random.default_rng(1), **kw)
    assert whole.rules == ("bitcoin", "cw-144")
    np.testing.assert_array_equal(whole.trace_height, [551_542, 551_642, 551_742])
    # The trace's last snapshot is the end state; its per-snapshot means add up.
    np.testing.assert_allclose(whole.trace_time_s[:, :, -1], whole.end_time_s, rtol=1e-6)
    np.testing.assert_allclose(whole.trace_interval_s.sum(axis=2) * 100, whole.total_s, rtol=1e-5)
    # std from sums equals numpy's std of... mean from sums is total / count.
    np.testing.assert_allclose(whole.mean_interval_s, whole.total_s / 300)
    joined = BlockClockResult.concat([whole, whole])
    assert joined.n_paths == 12
    np.testing.assert_array_equal(joined.max_interval_s[:, 6:], whole.max_interval_s)
    assert joined.rule_index("cw-144") == 1
    with pytest.raises(InputError, match="bitcoin, cw-144"):
        joined.rule_index("asert")


def test_std_matches_numpy_on_explicit_draws():
    e = np.random.default_rng(0).standard_exponential((200, 2))
    z = np.zeros((200, 2))
    h = 10e18
    res = simulate_blocks(
        [BitcoinRule()], LinearSupply(intercept=h, slope=0.0), GBM(1.0, 0.0, 0.0),
        n_paths=2, n_blocks=200, d0=1e9, draws=(e, z),
    )  # fmt: skip
    intervals = e * 1e9 * 2**32 / h  # no retarget within 200 blocks from height 0
    np.testing.assert_allclose(res.std_interval_s[0], intervals.std(axis=0, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(res.max_interval_s[0], intervals.max(axis=0), rtol=1e-12)


def test_bad_input_names_the_field():
    supply = SigmoidSupply.from_eh_units(55, 3, 1.5)
    price = GBM(1.0, 0.0, 0.0)
    base = dict(n_paths=2, n_blocks=10, d0=1e12, rng=np.random.default_rng(0))
    with pytest.raises(InputError) as err:
        simulate_blocks([], supply, price, **base)
    assert err.value.field == "rules"
    with pytest.raises(InputError) as err:
        simulate_blocks([BitcoinRule(), BitcoinRule()], supply, price, **base)
    assert err.value.field == "rules"
    with pytest.raises(InputError) as err:
        simulate_blocks([BitcoinRule()], LinearSupply(0.0, 1.0), price, **base)
    assert err.value.field == "supply"
    with pytest.raises(InputError) as err:
        simulate_blocks([BitcoinRule()], supply, price, **{**base, "n_blocks": 0})
    assert err.value.field == "n_blocks"


def test_noda_setup_bitcoin_rule_is_unstable_cash_rule_is_not():
    # Noda, Okumura & Hashimoto (SSRN 3410460): with an elastic (sigmoid) hash supply,
    # Bitcoin's DAA fails to keep blocks near 10 minutes while Bitcoin Cash's is stable.
    supply = SigmoidSupply.from_eh_units(55, 3, 1.5)
    price = GBM(s0=3604.59, mu=0.0, sigma=0.001117728 * math.sqrt(1440))
    res = simulate_blocks(
        [BitcoinRule(), RollingWindowRule()], supply, price, n_paths=200, n_blocks=12_096,
        d0=6_653_303_141_406.0, start_height=551_443, rng=np.random.default_rng(2019),
    )  # fmt: skip
    btc, bch = res.mean_interval_s.mean(axis=1) / 60
    assert bch == pytest.approx(10.0, abs=0.3)
    assert btc > 12.5
    over_2h = (res.max_interval_s > 7200).mean(axis=1)
    assert over_2h[0] > 2 * over_2h[1]


class _Wrapped:
    """A sigmoid supply that is not a SigmoidSupply: takes the clock's generic path."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, revenue):
        return self.inner(revenue)

    def elasticity(self, revenue):
        return self.inner.elasticity(revenue)

    def fill(self, revenue, out):
        self.inner.fill(revenue, out)


def test_fused_sigmoid_path_equals_generic_path():
    supply = SigmoidSupply.from_eh_units(55, 3, 1.5)
    price = GBM(s0=3604.59, mu=0.0, sigma=0.04)
    kw = dict(n_paths=5, n_blocks=2500, d0=6.65e12, start_height=551_443, trace_every=500)
    fused = simulate_blocks([BitcoinRule(), RollingWindowRule()], supply, price,
                            rng=np.random.default_rng(4), **kw)  # fmt: skip
    generic = simulate_blocks([BitcoinRule(), RollingWindowRule()], _Wrapped(supply), price,
                              rng=np.random.default_rng(4), **kw)  # fmt: skip
    for name in ("total_s", "max_interval_s", "end_difficulty", "end_price"):
        np.testing.assert_allclose(getattr(fused, name), getattr(generic, name), rtol=1e-9)
    np.testing.assert_allclose(fused.trace_hashrate, generic.trace_hashrate, rtol=1e-6)
