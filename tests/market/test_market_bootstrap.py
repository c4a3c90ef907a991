"""Block bootstrap: reuses only historical returns, in blocks; reproducible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from datafiles import shared_data_file
from hashwinter.errors import InputError
from hashwinter.market import BlockBootstrap, circular_block_indices


def _btc_2018() -> pd.Series:
    df = pd.read_csv(shared_data_file("btc_daily.csv"), parse_dates=["date"], index_col="date")
    return df["price_usd"]["2018-01-01":"2018-12-31"]


def test_only_historical_returns_are_reused():
    window = _btc_2018()
    boot = BlockBootstrap.fit(window, block_length=7)
    paths = boot.simulate(200, 400, np.random.default_rng(9))
    simulated = np.diff(np.log(paths), axis=1).ravel()
    historical = np.sort(np.diff(np.log(window.to_numpy())))
    # Each simulated return must be (to rounding of exp/log) one of the 364 historical ones.
    pos = np.clip(np.searchsorted(historical, simulated), 1, historical.size - 1)
    nearest = np.minimum(
        np.abs(historical[pos] - simulated), np.abs(historical[pos - 1] - simulated)
    )
    assert nearest.max() < 1e-9
    assert boot.s0 == window.iloc[-1]
    assert np.all(paths[:, 0] == window.iloc[-1])


def test_blocks_are_consecutive_historical_runs():
    idx = circular_block_indices(50, 30, 23, 5, np.random.default_rng(1))
    assert idx.shape == (30, 23)
    assert idx.min() >= 0 and idx.max() < 50
    for b in range(0, 23, 5):
        block = idx[:, b : b + 5]
        # Inside a block each index follows the previous one (wrapping at the end).
        np.testing.assert_array_equal(np.diff(block, axis=1) % 50, 1)


@given(
    returns=st.lists(
        st.floats(min_value=-0.5, max_value=0.5, allow_nan=False), min_size=1, max_size=40
    ),
    block_length=st.integers(min_value=1, max_value=40),
    n_steps=st.integers(min_value=0, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_increments_are_always_drawn_from_the_history(returns, block_length, n_steps, seed):
    r = np.asarray(returns)
    block_length = min(block_length, r.size)
    boot = BlockBootstrap(s0=1.0, returns=r, block_length=block_length)
    idx = circular_block_indices(r.size, 3, n_steps, block_length, np.random.default_rng(seed))
    assert np.isin(r[idx], r).all()
    p = boot.simulate(3, n_steps, np.random.default_rng(seed))
    # simulate() uses exactly these indices: same generator state, same draw.
    np.testing.assert_allclose(np.log(p[:, 1:]), np.cumsum(r[idx], axis=1), atol=1e-12)


def test_same_seed_same_paths():
    boot = BlockBootstrap(s0=10.0, returns=np.array([0.01, -0.02, 0.03]), block_length=2)
    np.testing.assert_array_equal(
        boot.simulate(4, 11, np.random.default_rng(5)),
        boot.simulate(4, 11, np.random.default_rng(5)),
    )


def test_returns_are_copied_and_read_only():
    r = np.array([0.01, 0.02])
    boot = BlockBootstrap(s0=1.0, returns=r, block_length=1)
    r[0] = 99.0
    assert boot.returns[0] == 0.01
    with pytest.raises(ValueError):
        boot.returns[0] = 1.0


def test_block_longer_than_history_is_an_input_error():
    with pytest.raises(InputError) as err:
        BlockBootstrap(s0=1.0, returns=np.array([0.1, 0.2]), block_length=3)
    assert err.value.field == "block_length"
