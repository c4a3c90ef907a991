"""The network's blocks and rule (``[network]``): Bitcoin's rule against cw-144 on the same
population, Poisson blocks at the expected rate, chunks, block times and retarget sizes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_network_population import EXAMPLE, example

from datafiles import shared_data_dir
from hashwinter.cli.app import main
from hashwinter.errors import InputErrors
from hashwinter.network.blocktimes import daily_blocks, retarget_table
from hashwinter.network.config import ChainConfig, MakersConfig, load_network_scenario
from hashwinter.network.dynamics import NetworkRun, run_network
from hashwinter.network.report import network_tables
from hashwinter.units import HASHES_PER_DIFFICULTY

#: 60 farms, October 2018 - January 2019 (November's fall and December's retargets), no
#: makers: the same population under every [network] choice.
BASE = example(farms=60).model_copy(update={"end": dt.date(2019, 1, 31),
                                            "makers": MakersConfig()})


def _run(blocks: str, rule: str, n_paths: int = 1, chunk_paths: int | None = None,
         seed: int = 0) -> NetworkRun:
    scenario = BASE.model_copy(update={"network": ChainConfig(blocks=blocks, rule=rule,
                                                              seed=seed)})
    return run_network(scenario, shared_data_dir(), n_paths=n_paths, chunk_paths=chunk_paths)


@pytest.fixture(scope="module")
def bitcoin() -> NetworkRun:
    return _run("expected", "bitcoin")


@pytest.fixture(scope="module")
def cw144() -> NetworkRun:
    return _run("expected", "cw-144")


@pytest.fixture(scope="module")
def poisson() -> NetworkRun:
    return _run("poisson", "bitcoin", n_paths=4, seed=11)


def _expected_interval(run: NetworkRun) -> np.ndarray:
    rec = run.record
    return rec.difficulty * HASHES_PER_DIFFICULTY / rec.hashrate


def test_the_defaults_are_expected_blocks_and_bitcoins_rule(bitcoin: NetworkRun) -> None:
    assert BASE.network == ChainConfig(blocks="expected", rule="bitcoin")
    # The default runs the expected-value clock; the other choices the block network.
    assert type(bitcoin.result.network_state).__name__ == "EndogenousState"


def test_bitcoin_steps_every_2016_blocks(bitcoin: NetworkRun) -> None:
    """Bitcoin's rule: the difficulty is constant between retargets, which fall 2016 blocks
    apart; a window's mean block time (600 x 2016 / 2015 x D_before / D_after, the rule's
    own measure) is its duration over 2016, rebuilt from the days: the expected-value clock
    runs at H / (D 2^32) within a day, so the part of a day after (before) a retarget block
    lasts its blocks times D 2^32 / H."""
    rec = bitcoin.record
    blocks = daily_blocks(rec.issuance, bitcoin.history["fees_per_block"].to_numpy(),
                          bitcoin.start_height)
    table = retarget_table(bitcoin.dates, rec.difficulty, blocks, bitcoin.start_height,
                           "bitcoin")
    assert len(table) >= 7  # about every two weeks over four months
    assert (np.diff(table["height"].to_numpy()) == 2016).all()
    assert (table["height"] % 2016 == 0).all()
    changed = np.flatnonzero(np.abs(np.diff(rec.difficulty[:, 0])) > 0) + 1
    # Between retargets the hashrate moves, the difficulty does not: it changes on the
    # retarget days only.
    days = pd.DatetimeIndex(bitcoin.dates)
    assert list(days[changed].date) == list(table["date"])
    assert np.ptp(rec.hashrate[changed[0]:changed[1], 0]) > 0
    height_end = bitcoin.start_height + np.cumsum(blocks[:, 0])
    seconds_per_block = _expected_interval(bitcoin)[:, 0]  # D 2^32 / H at each day's end
    for k in range(len(table) - 1):
        a, b = changed[k], changed[k + 1]
        h_a, h_b = table["height"].iloc[k], table["height"].iloc[k + 1]
        span = (height_end[a] - h_a) * seconds_per_block[a]  # day a, after its retarget
        span += 86400.0 * (b - a - 1)  # the whole days between
        span += (h_b - height_end[b - 1]) * (rec.difficulty[b - 1, 0] * HASHES_PER_DIFFICULTY
                                             / rec.hashrate[b, 0])  # day b, before it
        assert table["window_block_time_s"].iloc[k + 1] == pytest.approx(span / 2016, rel=1e-9)


def test_cw144_tracks_the_hashrate_within_a_day(bitcoin: NetworkRun, cw144: NetworkRun) -> None:
    """cw-144 sets each block's difficulty to the work of the last 144 blocks over their
    time: D 2^32 / 600 is a weighted (harmonic) mean of the hashrate that mined them,
    about a day's. So from day 3 (once the window holds only the run's blocks) it lies
    within the range of the day's and the two days before's hashrate, and the day's blocks
    come every 600 s to within the day's change of hashrate; Bitcoin's rule holds one
    difficulty for two weeks, and its block times drift with the hashrate (November 2018:
    to ~800 s before the December retarget)."""
    rec = cw144.record
    implied = rec.difficulty * HASHES_PER_DIFFICULTY / 600.0  # (T, 1) [H/s]
    h = rec.hashrate
    for t in range(3, h.shape[0]):
        lo, hi = h[t - 2:t + 1, 0].min(), h[t - 2:t + 1, 0].max()
        assert lo * (1 - 1e-9) <= implied[t, 0] <= hi * (1 + 1e-9), t
    gaps_cw = 86400.0 / daily_blocks(rec.issuance, cw144.history["fees_per_block"].to_numpy(),
                                     cw144.start_height)[3:, 0]
    daily_move = np.abs(np.diff(np.log(h[:, 0])))[2:]  # the day's change, as a fraction
    assert (np.abs(gaps_cw / 600.0 - 1) <= daily_move + 0.01).all()
    rb = bitcoin.record
    gaps_btc = 86400.0 / daily_blocks(rb.issuance, bitcoin.history["fees_per_block"].to_numpy(),
                                      bitcoin.start_height)[:, 0]
    assert np.abs(gaps_btc / 600 - 1).max() > 0.2 > np.abs(gaps_cw / 600 - 1).max()
    # Both keep the same population and price, and the same farms unplug in November.
    assert rec.hashrate[0, 0] == pytest.approx(rb.hashrate[0, 0], rel=1e-12)


def test_poisson_blocks_match_the_expected_rate(poisson: NetworkRun) -> None:
    """On a day whose difficulty does not change the blocks are a Poisson process of rate
    H / (D 2^32) (the pending block is moved to each day's hashrate: memoryless), so the
    count over those days and 4 paths is within 4 sd (sqrt of the expected count, ~290)
    of its expected total; fixed seed."""
    rec = poisson.record
    blocks = daily_blocks(rec.issuance, poisson.history["fees_per_block"].to_numpy(),
                          poisson.start_height)
    assert np.allclose(blocks, np.round(blocks), atol=1e-6)  # whole blocks
    steady = np.zeros_like(blocks, dtype=bool)
    steady[1:] = rec.difficulty[1:] == rec.difficulty[:-1]
    expected = 86400.0 / _expected_interval(poisson)
    lam = float(expected[steady].sum())
    assert lam > 50_000
    assert abs(float(blocks[steady].sum()) - lam) < 4 * np.sqrt(lam)
    # Four paths of their own, and the expected-rate run's retargets within a few percent.
    assert np.unique(rec.difficulty[-1]).size == 4


def test_poisson_paths_do_not_depend_on_the_chunks(poisson: NetworkRun) -> None:
    """Path p draws from the seed's child p: chunks of 3 and 1 give
    the paths of the run in one chunk, bit for bit."""
    for size in (3,):  # chunks of 3 + 1: the second starts at path 3
        chunked = _run("poisson", "bitcoin", n_paths=4, chunk_paths=size, seed=11)
        np.testing.assert_array_equal(chunked.record.difficulty, poisson.record.difficulty)
        np.testing.assert_array_equal(chunked.record.issuance, poisson.record.issuance)


def test_block_times_and_retargets_are_tables(poisson: NetworkRun) -> None:
    tables = network_tables(poisson)
    times = tables["block_times"]
    assert len(times) == 4 * poisson.dates.size
    np.testing.assert_allclose(times["mean_block_time_s"], 86400.0 / times["blocks"])
    ret = tables["retargets"]
    assert set(ret["path"]) == {0, 1, 2, 3}
    assert {"difficulty_before", "difficulty_after", "height",
            "window_block_time_s"} <= set(ret.columns)
    np.testing.assert_allclose(ret["change"],
                               ret["difficulty_after"] / ret["difficulty_before"] - 1)
    # Bitcoin's rule on the block network: the window's 2015 intervals took 2016 x 600 /
    # (1 + change) x 2015 / 2016 seconds.
    np.testing.assert_allclose(ret["window_block_time_s"],
                               600 * 2016 / 2015 / (1 + ret["change"]))
    assert "block-resolution network" in (poisson.result.fallback or "")


def test_unknown_rule_or_blocks_name_the_field(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text().replace('data_dir = "../../../shared/data"',
                                       f'data_dir = "{shared_data_dir().as_posix()}"')
    for bad, field in (('rule = "cw-1"', "network.rule"), ('rule = "dark-gravity"',
                                                          "network.rule"),
                       ('blocks = "exact"', "network.blocks")):
        path = tmp_path / "net.toml"
        path.write_text(text + f"\n[network]\n{bad}\n")
        with pytest.raises(InputErrors) as err:
            load_network_scenario(path)
        assert err.value.errors[0].field == field
        assert err.value.errors[0].line == text.count("\n") + 3
        assert main(["network", str(path), "--out", str(tmp_path / "out")]) == 2
        assert field in capsys.readouterr().err
    path.write_text(text + '\n[network]\nblocks = "poisson"\nrule = "cw-144"\nseed = 3\n')
    scenario, _ = load_network_scenario(path)
    assert scenario.network == ChainConfig(blocks="poisson", rule="cw-144", seed=3)
