"""The network's price as a block bootstrap of the history's returns before the start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_network_population import EXAMPLE, example

from datafiles import shared_data_dir
from hashwinter.errors import InputErrors
from hashwinter.network.config import MakersConfig, PriceConfig, load_network_scenario
from hashwinter.network.dynamics import price_paths, run_network
from hashwinter.network.population import read_btc_daily

BOOT = PriceConfig(kind="bootstrap", fit_start=dt.date(2018, 1, 1), block_length=7, seed=4)


def test_every_return_is_one_of_the_window_and_blocks_are_consecutive() -> None:
    """Each path starts at 1 Oct 2018's price, and its day-to-day log returns are the
    window's (1 Jan - 30 Sep 2018, 272 returns), taken 7 consecutive days at a time
    (circularly); the same seed gives the same paths."""
    history = read_btc_daily(shared_data_dir())
    scenario = example(farms=20).model_copy(update={"price": BOOT})
    dates = pd.date_range("2018-10-01", "2019-03-31")
    paths = price_paths(scenario, history, dates, 5)
    real = history.loc["2018-01-01":"2018-09-30", "price"].to_numpy()
    window = np.diff(np.log(real))
    assert window.size == 272
    np.testing.assert_allclose(paths[:, 0], history.loc["2018-10-01", "price"], rtol=1e-12)
    steps = np.diff(np.log(paths), axis=1)
    for p in range(5):
        # The index of each step's return in the window (returns are distinct floats).
        at = np.array([int(np.argmin(np.abs(window - r))) for r in steps[p]])
        np.testing.assert_allclose(steps[p], window[at], rtol=0, atol=1e-12)
        # Within a block the returns follow each other in the window: of 181 steps in
        # blocks of 7 (26 blocks), at most 25 jumps.
        jumps = int(((at[1:] - at[:-1]) % window.size != 1).sum())
        assert 0 < jumps <= 25
    np.testing.assert_array_equal(price_paths(scenario, history, dates, 5), paths)
    assert np.unique(paths[:, -1]).size == 5


def test_a_window_after_the_start_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace('kind = "history"', 'kind = "bootstrap"\n'
                                       "fit_end = 2018-10-15")
    path = tmp_path / "net.toml"
    path.write_text(text)
    with pytest.raises(InputErrors, match="no look-ahead"):
        load_network_scenario(path)


def test_a_network_run_on_bootstrapped_prices() -> None:
    scenario = example(farms=20).model_copy(update={
        "price": BOOT, "end": dt.date(2018, 11, 30), "makers": MakersConfig()})
    run = run_network(scenario, shared_data_dir(), n_paths=3)
    assert run.price.shape == (3, 61) and np.unique(run.record.hashrate[-1]).size == 3
