"""Same seed, same numbers: local process pools and real Dask clusters, 1 or 2 workers."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.parallel import open_executor
from hashwinter.scenario import load_scenario, run_blockclock

SCENARIO = """\
name = "exec"
paths = 40
seed = 11
chunk_paths = 7

[price]
process = "gbm"
s0 = 3604.59
mu_per_day = 0.0
sigma_per_day = 0.042415

[network]
mode = "blockclock"
difficulty = 6653303141406
start_height = 551443
blocks = 1500
rules = ["bitcoin", "cw-144"]
trace_every = 500

[network.supply]
form = "sigmoid"
h_max_ehs = 55
k_per_usd_per_eh = 3
r0_usd_per_eh = 1.5
"""

FIELDS = ("count", "total_s", "sumsq_s2", "max_interval_s", "end_time_s", "end_difficulty",
          "end_price", "trace_interval_s", "trace_difficulty")  # fmt: skip


def _assert_same(a, b):
    assert a.rules == b.rules
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "exec.toml"
    path.write_text(SCENARIO)
    return load_scenario(path)


@pytest.fixture(scope="module")
def reference(loaded):
    with open_executor(workers=1) as ex:
        return run_blockclock([loaded], ex, progress=False)[0]


@pytest.mark.slow
def test_local_pool_two_workers_equals_one(loaded, reference):
    with open_executor(workers=2) as ex:
        (two,) = run_blockclock([loaded], ex, progress=False)
    _assert_same(reference, two)
    assert reference.n_paths == 40


@pytest.mark.slow
@pytest.mark.parametrize("n_workers", [1, 2])
def test_dask_cluster_equals_local_pool(loaded, reference, n_workers):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        # ":0", not None: with None the scheduler still serves HTTP on 8787 (warns when taken).
        dashboard_address=":0", silence_logs=40,
    ) as cluster:  # fmt: skip
        with open_executor(cluster.scheduler_address) as ex:
            (on_dask,) = run_blockclock([loaded], ex, progress=False)
            # A sweep of two grid points (one per rule) shares the seeds: each point's
            # rule equals that rule inside the two-rule run.
            points = [
                load_scenario(loaded.source, overrides={"network.rules": r})
                for r in ("bitcoin", "cw-144")
            ]
            swept = run_blockclock(points, ex, progress=False)
    _assert_same(reference, on_dask)
    for r, point in enumerate(swept):
        np.testing.assert_array_equal(point.total_s[0], reference.total_s[r])


def test_unreachable_scheduler_is_an_input_error():
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        with open_executor("tcp://127.0.0.1:1", timeout_s=0.5):
            pass


def test_cluster_without_dask_is_a_one_line_hint(monkeypatch):
    # Dask is the optional "cluster" extra; a None entry in sys.modules makes the import
    # fail as it does where distributed is not installed.
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(InputError, match=r'pip install "hashwinter\[cluster\]"') as info:
        with open_executor("tcp://127.0.0.1:8786"):
            pass
    assert info.value.field == "--cluster"


def test_simulate_cluster_without_dask_exits_2_and_writes_nothing(monkeypatch, tmp_path, capsys):
    from hashwinter.cli.app import main

    monkeypatch.setitem(sys.modules, "distributed", None)
    scenario = tmp_path / "exec.toml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    code = main(["simulate", str(scenario), "--cluster", "tcp://127.0.0.1:8786",
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == ["hashwinter: error: --cluster: needs Dask, which is not "
                                        'installed: pip install "hashwinter[cluster]"']
    assert not out.exists()
