"""Chunks over paths: the numbers of one chunk (to rounding), here or on a process pool."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest
from test_network_population import EXAMPLE

from datafiles import shared_data_dir
from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import NetworkRun, chunk_count, run_network
from hashwinter.network.recorder import NetworkRecord
from hashwinter.parallel import open_executor


def _small() -> NetworkScenario:
    """40 farms through November 2018 on GBM paths (each path its own price)."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["population"].update(farms=40)
    data["price"].update(kind="gbm", volatility=0.8, seed=5)
    data.update(start=dt.date(2018, 11, 1), end=dt.date(2018, 11, 30))
    return NetworkScenario.model_validate(data)


def _assert_same(a: NetworkRun, b: NetworkRun) -> None:
    # Equal to rounding: the engine's reductions over cohorts are path by path, but a
    # policy's own numpy sums (the makers' allocation over farms) may add in another
    # order when a chunk holds one path instead of three (1 ulp seen). 1e-12 relative is
    # ~5000 ulps: any real mix-up of paths or chunks is orders of magnitude larger.
    for name in NetworkRecord.__dataclass_fields__:
        np.testing.assert_allclose(getattr(a.record, name), getattr(b.record, name),
                                   rtol=1e-12, atol=0, err_msg=name)
    for name in ("cash", "coins", "held"):
        np.testing.assert_allclose(getattr(a.result, name), getattr(b.result, name),
                                   rtol=1e-12, atol=1e-6, err_msg=name)
    np.testing.assert_array_equal(a.result.broke_step, b.result.broke_step)
    np.testing.assert_allclose(a.result.network_state.difficulty,  # type: ignore[attr-defined]
                               b.result.network_state.difficulty,  # type: ignore[attr-defined]
                               rtol=1e-12)


@pytest.fixture(scope="module")
def one_chunk() -> NetworkRun:
    return run_network(_small(), shared_data_dir(), n_paths=7)


def test_chunks_equal_one_chunk(one_chunk: NetworkRun) -> None:
    days: list[int] = []
    chunked = run_network(_small(), shared_data_dir(), n_paths=7, chunk_paths=3,
                          progress=days.append)
    _assert_same(one_chunk, chunked)
    assert chunked.result.meta.n_paths == 7 and chunked.record.hashrate.shape == (30, 7)
    # Chunks of 3, 3, 1 paths: the progress counts 30 days per chunk.
    assert chunk_count(7, 3) == 3 and days[-1] == 90
    # The paths differ (a test that all paths are the same could not see a shuffle),
    # and machines traded on them.
    assert np.ptp(one_chunk.record.hashrate[-1]) > 0 and one_chunk.record.traded.sum() > 0


@pytest.mark.slow
def test_a_pool_of_two_workers_equals_one_chunk(one_chunk: NetworkRun) -> None:
    with open_executor(workers=2) as ex:
        pooled = run_network(_small(), shared_data_dir(), n_paths=7, chunk_paths=2,
                             executor=ex)
    _assert_same(one_chunk, pooled)
