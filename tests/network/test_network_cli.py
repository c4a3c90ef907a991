"""``hashwinter network``: a small winter end to end, and bad files exit 2 naming the field."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from datafiles import shared_data_dir
from hashwinter.cli.app import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "network" / "winter_2018.toml"


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "net.toml"
    text = text.replace('data_dir = "../../../shared/data"',
                        f'data_dir = "{shared_data_dir().as_posix()}"')
    path.write_text(text.replace("farms = 1000", "farms = 50").replace("end = 2019-03-31",
                                                                        "end = 2018-11-30"))
    return path


def test_small_winter_writes_tables_and_report(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, EXAMPLE.read_text())
    out = tmp_path / "out"
    assert main(["network", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "50 farms" in text and "7-day-mean hashrate 1 -> 30 Nov 2018" in text
    daily = pd.read_csv(out / "network_daily.csv")
    assert len(daily) == 61  # 1 Oct .. 30 Nov, one path
    # The first day's simulated difficulty is the real one (no retarget on 1 Oct 2018).
    assert daily["difficulty"].iloc[0] == pytest.approx(daily["history_difficulty"].iloc[0])
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    used = pd.read_csv(out / "used_prices.csv")
    assert set(used.columns) >= {"used_price_usd", "shutdown_price_usd_per_btc"}
    # Parquet beside every CSV, the same table.
    pq = pd.read_parquet(out / "retargets.parquet")
    pq["date"] = pq["date"].astype(str)
    pd.testing.assert_frame_equal(pq, pd.read_csv(out / "retargets.csv"), check_dtype=False)
    # Makers per quarter: Q4 2018 (1 Oct - 30 Nov here) for Bitmain and Canaan; revenue is
    # the machines sold at their list prices (972 and 658 USD, the example's).
    q = pd.read_csv(out / "makers_quarterly.csv").set_index("maker")
    assert list(q.index) == ["Bitmain", "Canaan"] and (q["days"] == 61).all()
    assert q.loc["Bitmain", "revenue_usd"] == pytest.approx(q.loc["Bitmain", "sold"] * 972)
    assert q.loc["Canaan", "revenue_usd"] == pytest.approx(q.loc["Canaan", "sold"] * 658)
    assert "Bitmain: sold" in text
    # Expected block interval: 600 s when hashrate matches difficulty (the first day).
    assert daily["block_interval_s"].iloc[0] == pytest.approx(
        600 * daily["difficulty"].iloc[0] / daily["history_difficulty"].iloc[0]
        * daily["history_hashrate_ehs"].iloc[0] / daily["hashrate_ehs"].iloc[0])


def test_bad_file_exits_2_naming_the_field(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, EXAMPLE.read_text().replace("size_alpha = 1.2",
                                                           "size_alpha = -1.0"))
    out = tmp_path / "out"
    assert main(["network", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "population.size_alpha" in err and "net.toml:" in err
    assert not out.exists()
    data = tomllib.loads(EXAMPLE.read_text())
    assert data["population"]["farms"] == 1000


def test_chunked_paths_write_the_tables_of_one_chunk(tmp_path: Path) -> None:
    # GBM paths, 3 of them: in chunks of 2 (2 + 1) the daily table is that of one chunk.
    text = EXAMPLE.read_text().replace('kind = "history"', 'kind = "gbm"')
    path = _scenario(tmp_path, text)
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["network", str(path), "--paths", "3", "--out", str(one)]) == 0
    assert main(["network", str(path), "--paths", "3", "--chunk-paths", "2",
                 "--out", str(two)]) == 0
    daily = pd.read_csv(one / "network_daily.csv")
    pd.testing.assert_frame_equal(daily, pd.read_csv(two / "network_daily.csv"))
    assert daily["path"].nunique() == 3 and len(daily) == 3 * 61
    # The paths differ (their prices do), so a mix-up of chunks would show.
    assert daily.groupby("path")["hashrate_ehs"].last().nunique() == 3
    # The fan: per day, the quantiles of the three paths' values (numpy's linear rule: the
    # median is the middle path, 5 % is 0.9 of the lowest + 0.1 of the middle).
    fan = pd.read_csv(one / "network_fan.csv")
    assert len(fan) == 61
    last = daily[daily["date"] == daily["date"].max()]["hashrate_ehs"].sort_values().to_numpy()
    assert fan["hashrate_ehs_q50"].iloc[-1] == pytest.approx(last[1], rel=1e-12)
    assert fan["hashrate_ehs_q05"].iloc[-1] == pytest.approx(0.9 * last[0] + 0.1 * last[1],
                                                             rel=1e-12)
    assert "simulated 05-95 %" in (one / "report.html").read_text()


def test_cluster_without_dask_exits_2_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Dask is the optional "cluster" extra: a None entry in sys.modules fails its import.
    monkeypatch.setitem(sys.modules, "distributed", None)
    path = _scenario(tmp_path, EXAMPLE.read_text())
    out = tmp_path / "out"
    assert main(["network", str(path), "--cluster", "tcp://127.0.0.1:8786",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['hashwinter: error: --cluster: needs Dask, which is not installed: '
                   'pip install "hashwinter[cluster]"']
    assert not out.exists()


def _line(key: str) -> int:
    """Return the shipped scenario's line (1-based) that sets ``key``."""
    lines = EXAMPLE.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key} ="))


@pytest.mark.parametrize(("old", "new", "field"), [
    # Shares that do not sum to 1.
    ("[regions]\n", "[regions]\nshares = { Sichuan = 0.6, Xinjiang = 0.3 }\n", "regions.shares"),
    # A region of the map with no tariff (no quote in mining_power_prices.csv either).
    ('Yunnan = { low = 0.025, high = 0.05, source = "assumption: hydro like Sichuan\'s" }\n',
     "", "regions.tariffs.Yunnan"),
    # A farm-size distribution with a negative scale.
    ("size_scale = 100.0", "size_scale = -100.0", "population.size_scale"),
    # A negative impact coefficient, and one so large that the price falls to 0.
    ('kind = "history"', 'kind = "history"\nimpact = -1e-5', "price.impact"),
    ('kind = "history"', 'kind = "history"\nimpact = 50.0', "price.impact"),
    # A maker whose region is not in the population.
    ('region = "Sichuan"           # assumption: its own', 'region = "Atlantis" # ',
     "makers.maker[0].region"),
    # Scrapped before it was ever offered; a negative cash threshold (file:line too).
    ("scrap_after_days = 60.0", "scrap_after_days = 5.0",
     f":{_line('scrap_after_days')}: market.scrap_after_days"),
    ("short_cash_days = 7.0", "short_cash_days = -1.0",
     f":{_line('short_cash_days')}: market.short_cash_days"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            old: str, new: str, field: str) -> None:
    text = EXAMPLE.read_text()
    assert old in text
    path = _scenario(tmp_path, text.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["network", str(path), "--out", str(out)]) == 2
    assert field in capsys.readouterr().err
    assert not out.exists()
