"""`hashwinter data ...` end to end (through hashwinter.cli.app.main)."""

from __future__ import annotations

import io

import httpx
import pandas as pd
import pytest
from store_helpers import FIXTURES, write

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data import export_store


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("HASHWINTER_STORE", raising=False)
    return tmp_path / "h.duckdb"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_status_show_check(capsys, store):
    code, out, _ = run(capsys, "data", "import", "coinmetrics",
                       str(shared_data_file("btc_daily.csv")), "--store", str(store))
    assert code == 0 and "chain_daily 5,727, coin_price_daily 5,727" in out
    code, out, _ = run(capsys, "data", "import", "ecb",
                       str(shared_data_file("usd_cny_daily.csv")), "--store", str(store))
    assert code == 0 and "fx_daily 6,142" in out
    code, out, _ = run(capsys, "data", "status", "--store", str(store))
    assert code == 0 and "BTC/USD" in out and "2010-07-18" in out and "2026-03-22" in out
    code, out, _ = run(capsys, "data", "show", "--from", "2018-11-23", "--to", "2018-11-25",
                       "--currency", "CNY", "--format", "csv", "--store", str(store))
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), index_col="date")
    assert frame["fx_per_usd"].tolist() == [6.94732] * 3
    assert frame.loc["2018-11-25", "fx_date"] == "2018-11-23"
    code, out, _ = run(capsys, "data", "show", "--from", "2018-12-02", "--to", "2018-12-04",
                       "--store", str(store))
    assert code == 0 and "retarget -15.1%" in out
    code, out, _ = run(capsys, "data", "check", "--store", str(store))
    assert code == 0 and "0 gaps, 0 suspicious values" in out


def test_shutdown_from_the_store(capsys, store):
    main(["data", "import", "coinmetrics", str(shared_data_file("btc_daily.csv")),
          "--store", str(store)])
    main(["data", "import", "ecb", str(shared_data_file("usd_cny_daily.csv")),
          "--store", str(store)])
    capsys.readouterr()
    code, out, err = run(capsys, "shutdown", "--date", "2018-11-25", "--currency", "CNY",
                         "--store", str(store), "--format", "json")
    assert code == 0, err
    assert '"currency": "CNY"' in out


def test_check_exits_1_on_findings(capsys, store):
    main(["data", "import", "coinmetrics", str(shared_data_file("eth_daily.csv")),
          "--store", str(store)])
    code, out, _ = run(capsys, "data", "check", "--store", str(store))
    assert code == 1 and "2 gaps, 0 suspicious values" in out


def test_bad_file_exits_2_and_lists_rows(capsys, store, tmp_path):
    path = write(tmp_path / "rates.csv", "date,value\n2018-11-23,x\n2018-11-24,-1\n")
    code, out, err = run(capsys, "data", "import", "csv", str(path), "--series", "fx",
                         "--currency", "CNY", "--store", str(store))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "hashwinter: error: 2 problems:",
        f"  {path}:2:2: value: not a number: 'x'",
        f"  {path}:3:2: value: must be > 0 (got -1)",
    ]
    assert not store.exists()
    code, out, err = run(capsys, "data", "import", "csv", str(path), "--series", "fx",
                         "--currency", "CNY", "--store", str(store), "--skip-bad")
    assert code == 0 and "fx_daily 0; skipped 2 bad rows" not in out
    assert "skipped 2 bad rows" in out and f"skipped: {path}:2:2" in err


def test_one_line_errors(capsys, store):
    code, _, err = run(capsys, "data", "status", "--store", str(store))
    assert code == 2 and len(err.splitlines()) == 1 and "no history store here" in err
    code, _, err = run(capsys, "data", "import", "nope", "x.csv", "--store", str(store))
    assert code == 2 and "unknown source 'nope'" in err
    code, _, err = run(capsys, "data", "fetch", "machine-prices", "--store", str(store))
    assert code == 2 and "cannot be fetched" in err


def test_environment_variable_and_machine_prices(capsys, store, monkeypatch):
    monkeypatch.setenv("HASHWINTER_STORE", str(store))
    code, out, _ = run(capsys, "data", "import", "machine-prices",
                       str(shared_data_file("used_asic_prices.csv")))
    assert code == 0 and str(store) in out
    code, out, _ = run(capsys, "data", "add-machine-price", "Antminer S9", "2018-11-21", "1200",
                       "--currency", "CNY", "--condition", "used", "--source", "story")
    assert code == 0 and "machine_prices 1" in out
    code, out, _ = run(capsys, "data", "machine-prices", "--model", "S9")
    assert code == 0 and "2018-11-21" in out and "1,200 CNY" in out and "2018-12 " in out


def test_fetch_offline_with_a_mock_transport(capsys, store, monkeypatch):
    real_client = httpx.Client
    fixture = (FIXTURES / "mempool_difficulty_adjustments.json").read_bytes()

    def handler(request):
        assert str(request.url) == "https://mempool.space/api/v1/mining/difficulty-adjustments/all"
        return httpx.Response(200, content=fixture)

    monkeypatch.setattr(httpx, "Client",
                        lambda **kw: real_client(transport=httpx.MockTransport(handler), **kw))
    code, out, err = run(capsys, "data", "fetch", "mempool", "--store", str(store))
    assert code == 0, err
    assert "retargets 4" in out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(capsys, store, tmp_path, fmt):
    main(["data", "import", "coinmetrics", str(shared_data_file("btc_daily.csv")),
          "--store", str(store)])
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "data", "export", "--format", fmt, "--out", str(out_dir),
                       "--store", str(store))
    assert code == 0 and f"chain_daily.{fmt}" in out
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    chain = read(out_dir / f"chain_daily.{fmt}")
    assert len(chain) == 5727
    day = chain[chain["date"].astype(str).str.startswith("2018-12-04")].iloc[0]
    assert day["difficulty"] == 5646403851534.7
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        f"{t}.{fmt}" for t in ("chain_daily", "coin_price_daily", "fx_daily", "retargets",
                               "machine_prices", "futures_price_daily", "funding_rates",
                               "import_log"))
    code, _, err = run(capsys, "data", "export", "--format", "xlsx", "--store", str(store))
    assert code == 2 and "must be one of parquet, csv" in err
    assert export_store(tmp_path / "again", store=store, tables=("fx_daily",))[0].name == (
        "fx_daily.parquet")
