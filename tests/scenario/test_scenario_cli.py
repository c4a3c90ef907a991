"""``hashwinter simulate`` and ``hashwinter sweep`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import hashwinter.cli.simulate_run as simulate_module
from hashwinter.cli.app import main

SCENARIO = """\
name = "cli"
paths = 12
seed = 5
chunk_paths = 5

[price]
process = "gbm"
s0 = 3604.59
mu_per_day = 0.0
sigma_per_day = 0.042415

[network]
mode = "blockclock"
difficulty = 6653303141406
start_height = 551443
blocks = 1200
rules = ["bitcoin", "cw-144"]
trace_every = 400

[network.supply]
form = "sigmoid"
h_max_ehs = 55
k_per_usd_per_eh = 3
r0_usd_per_eh = 1.5
"""


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "cli.toml"
    path.write_text(SCENARIO)
    return path


@pytest.mark.slow
def test_simulate_writes_outputs_and_sweep_agrees(scenario, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["simulate", str(scenario), "--workers", "1", "--out", str(out), "--no-progress",
                 "--paths", "10"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "bitcoin" in printed and "cw-144" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "paths.parquet", "report.html", "summary.csv", "summary.json", "trace.parquet",
    ]  # fmt: skip
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["rule"]) == ["bitcoin", "cw-144"]
    assert (summary["paths"] == 10).all()
    meta = json.loads((out / "summary.json").read_text())
    assert meta["paths"] == 10 and meta["seed"] == 5
    paths = pd.read_parquet(out / "paths.parquet")
    assert len(paths) == 20
    assert "<script" in (out / "report.html").read_text()

    # The sweep's bitcoin-only point uses the same seeds, so it repeats those numbers.
    sweep_out = tmp_path / "sweep"
    code = main(["sweep", str(scenario), "--grid", "network.rules=bitcoin,cw-144", "--workers",
                 "1", "--paths", "10", "--out", str(sweep_out), "--no-progress"])  # fmt: skip
    assert code == 0
    swept = pd.read_csv(sweep_out / "sweep.csv")
    assert list(swept["network.rules"]) == ["bitcoin", "cw-144"]
    pd.testing.assert_series_equal(
        swept["mean_block_time_min"], summary["mean_block_time_min"], check_names=False
    )


def test_bad_scenario_exits_2_with_one_line(scenario, capsys):
    scenario.write_text(SCENARIO.replace("blocks = 1200", "blocks = 0"))
    code = main(["simulate", str(scenario), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"hashwinter: error: {scenario}:16: network.blocks: must be >= 1 (got 0)"


def test_bad_grid_value_names_the_grid(scenario, capsys):
    code = main(["sweep", str(scenario), "--grid", "price.sigma_per_day=0.02,-1", "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--grid: price.sigma_per_day: must be >= 0 1/sqrt(day) (got -1)" in err


def test_interrupt_writes_nothing(scenario, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(simulate_module, "run_blockclock", interrupted)
    out = tmp_path / "never"
    code = main(["simulate", str(scenario), "--workers", "1", "--out", str(out), "--no-progress"])
    assert code == 130
    assert not out.exists()
    assert "interrupted; nothing written" in capsys.readouterr().err
