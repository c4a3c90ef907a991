"""Runs over subsets of paths (chunks) join into the run over all of them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import BlockClockResult, simulate_blocks
from hashwinter.errors import InputError
from hashwinter.market import GBM
from hashwinter.network import SigmoidSupply

# Noda, Okumura & Hashimoto's set-up (examples/scenarios/noda2019.toml).
SUPPLY = SigmoidSupply.from_eh_units(55, 3, 1.5)
PRICE = GBM(s0=3604.59, mu=0.0, sigma=0.042415)
D0 = 6_653_303_141_406.0
START = 551_443
TRACE = (
    "trace_interval_s", "trace_time_s", "trace_difficulty", "trace_hashrate", "trace_price",
)  # fmt: skip


def _run(e, z, horizon_s, every=100):
    n_blocks, n_paths = e.shape
    return simulate_blocks(
        [BitcoinRule(), RollingWindowRule()], SUPPLY, PRICE,
        n_paths=n_paths, n_blocks=n_blocks, d0=D0, start_height=START,
        horizon_s=horizon_s, trace_every=every, draws=(e, z),
    )  # fmt: skip


@pytest.mark.parametrize(
    "horizon_days",
    [
        # The paths stop inside snapshot 1 (blocks 100-199): the partial snapshot must be
        # kept, not left at zero.
        1.3333333,
        # Paths stop in different snapshots: their traces must still join.
        1.0,
        None,
    ],
)
def test_chunked_run_equals_unchunked(horizon_days):
    # 2,000-block cap; with a horizon each path stops at its own block.
    n_blocks, n_paths = 2000, 20
    rng = np.random.default_rng(11)
    e = rng.standard_exponential((n_blocks, n_paths))
    z = rng.standard_normal((n_blocks, n_paths))
    horizon = horizon_days * 86400.0 if horizon_days else None
    whole = _run(e, z, horizon)
    parts = [_run(e[:, p : p + 1], z[:, p : p + 1], horizon) for p in range(n_paths)]
    if horizon is None:
        assert (whole.count == n_blocks).all()
    else:
        # Each path stopped at its first block found at or after the horizon (the
        # blocks counted are those started before it), long before the cap.
        assert (whole.count < n_blocks).all() and (whole.end_time_s >= horizon).all()
    joined = BlockClockResult.concat(parts)
    expected_height = START + np.minimum(np.arange(1, 21) * 100, n_blocks) - 1
    np.testing.assert_array_equal(whole.trace_height, expected_height)
    np.testing.assert_array_equal(joined.trace_height, expected_height)
    for name in TRACE:
        # Elementwise over paths: the same numbers bit for bit (NaN equal to NaN).
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name), err_msg=name)
    np.testing.assert_array_equal(joined.count, whole.count)
    for name in TRACE:
        values = getattr(whole, name)
        # No made-up snapshot: a value is a real positive number or NaN.
        assert not (values <= 0).any(), name
    if horizon is not None:
        # Every counted block starts before the horizon: the snapshot that holds
        # the last one has the end state, later ones are NaN.
        last = (whole.count - 1) // 100
        for r in range(2):
            for p in range(n_paths):
                k = last[r, p]
                assert whole.trace_time_s[r, p, k] == np.float32(whole.end_time_s[r, p])
                assert whole.trace_price[r, p, k] == np.float32(whole.end_price[r, p])
                assert np.isnan(whole.trace_time_s[r, p, k + 1 :]).all()
                assert np.isfinite(whole.trace_time_s[r, p, : k + 1]).all()


def test_concat_of_different_set_ups_is_an_input_error():
    rng = np.random.default_rng(1)
    e = rng.standard_exponential((300, 2))
    z = rng.standard_normal((300, 2))
    a = _run(e, z, None)
    b = dataclasses.replace(a, n_blocks=301)
    with pytest.raises(InputError, match="n_blocks"):
        BlockClockResult.concat([a, b])
    with pytest.raises(InputError, match="nothing"):
        BlockClockResult.concat([])
