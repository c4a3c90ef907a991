"""The backtest report: charts from the ledger, a self-contained HTML page, files all-or-nothing."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "farm"))
from farm_fixtures import EXAMPLES, full_history

from hashwinter.errors import InputError
from hashwinter.farm import backtest, load_farm
from hashwinter.reports.backtest_charts import (
    balances_chart,
    shutdown_chart,
    unplugged_chart,
)
from hashwinter.reports.backtest_report import (
    backtest_html,
    summary_json,
    write_backtest_outputs,
)

report_module = importlib.import_module("hashwinter.reports.backtest_report")


@pytest.fixture(scope="module")
def sichuan():
    return backtest(load_farm(EXAMPLES / "sichuan_hydro.toml"), full_history())


def test_shutdown_chart_plots_the_ledger(sichuan):
    fig = shutdown_chart(sichuan.cohorts, "CNY", "BTC")
    names = [t.name for t in fig.data]
    assert len(names) == 4 and names[-1] == "BTC price"
    s7 = sichuan.cohorts[sichuan.cohorts["model"] == "Antminer S7"]
    assert_allclose(np.asarray(fig.data[2].y, float), s7["shutdown_price_cny_per_btc"])


def test_unplugged_chart_counts_days_off(sichuan):
    fig = unplugged_chart(sichuan.cohorts)
    z = np.asarray(fig.data[0].z, float)
    assert z.shape == (3, 122)
    assert (z[2, 61:] == 100).all() and (z[2, :61] == 0).all()  # S7s off from 1 Nov
    assert "(61 days off)" in fig.data[0].y[2]


def test_balances_chart_marks_the_day_a_farm_went_broke(sichuan):
    t = sichuan.treasury.copy()
    t.loc[t.index[100]:, "broke"] = True
    fig = balances_chart(t, "CNY", "BTC")
    assert any("broke on 2018-12-10" in a.text for a in fig.layout.annotations)


def test_html_is_self_contained(sichuan):
    page = backtest_html(sichuan)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page and "cdn.plot.ly" not in page.split("</script>", 1)[1]
    assert "plotly.js v" in page  # the library itself is inlined
    assert page.count('class="chart"') == 5
    assert "Sichuan hydro farm" in page and "61.0" in page


def test_summary_json_round_trips(sichuan):
    data = json.loads(summary_json(sichuan))
    assert data["coins_mined"] == pytest.approx(sichuan.summary.coins_mined)
    assert data["broke_date"] is None and len(data["cohorts"]) == 3
    assert data["start"] == "2018-09-01"


def test_outputs_are_written_and_read_back(sichuan, tmp_path):
    out = tmp_path / "run"
    files = write_backtest_outputs(sichuan, out)
    assert sorted(p.name for p in files) == sorted([
        "cohorts.csv", "cohorts.parquet", "treasury.csv", "treasury.parquet", "summary.json",
        "report.html"])
    back = pd.read_csv(out / "cohorts.csv")
    assert_allclose(back["power_cost_cny"], sichuan.cohorts["power_cost_cny"], rtol=1e-9)
    parquet = pd.read_parquet(out / "treasury.parquet")
    assert_allclose(parquet["cash_cny"], sichuan.treasury["cash_cny"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hashwinter-")]


def test_nothing_is_written_when_the_report_fails(sichuan, tmp_path, monkeypatch):
    def boom(result):
        raise InputError("cannot render", field="report")

    monkeypatch.setattr(report_module, "backtest_html", boom)
    out = tmp_path / "run"
    with pytest.raises(InputError):
        write_backtest_outputs(sichuan, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_bad_ledger_format(sichuan, tmp_path):
    with pytest.raises(InputError, match="--format"):
        write_backtest_outputs(sichuan, tmp_path / "x", ledger_format="xlsx")
