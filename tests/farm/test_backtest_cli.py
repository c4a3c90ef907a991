"""``hashwinter backtest`` on a real history store; bad input exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from farm_fixtures import EXAMPLES

from datafiles import winter_data_file
from hashwinter.cli.app import main
from hashwinter.data.importing import import_file


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    # The committed winter fixture (2018-10-01 .. 2019-03-31), imported as a user would.
    path = tmp_path_factory.mktemp("store") / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=path)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=path)
    return path


def test_backtest_prints_tables_and_writes_outputs(store, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["backtest", str(EXAMPLES / "lao_luo_a741.toml"), "--store", str(store),
                 "--from", "2018-11-01", "--to", "2018-11-30", "--currency", "USD",
                 "--out", str(out), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Lao Luo" in captured.out and "Operating margin [USD]" in captured.out
    assert sorted(p.name for p in out.iterdir()) == [
        "cohorts.csv", "report.html", "summary.json", "treasury.csv"]
    cohorts = pd.read_csv(out / "cohorts.csv")
    assert len(cohorts) == 30 and "power_cost_usd" in cohorts


def test_bad_farm_exits_2_and_writes_nothing(store, tmp_path, capsys):
    farm = tmp_path / "bad.toml"
    farm.write_text((EXAMPLES / "lao_luo_a741.toml").read_text(encoding="utf-8")
                    .replace("count = 2000", "count = -2000")
                    .replace('model = "阿瓦隆741"', 'model = "Avalon 7411"'), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["backtest", str(farm), "--store", str(store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "2 problems" in err and "fleet[0].count: must be >= 1" in err
    assert "fleet[0].model: unknown model 'Avalon 7411'" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_dates_outside_the_store_exit_2(store, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["backtest", str(EXAMPLES / "lao_luo_a741.toml"), "--store", str(store),
                 "--from", "2016-01-01", "--to", "2020-06-01", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--from: 2016-01-01 is outside the stored history (2018-10-01 .. 2019-03-31)" in err
    assert "--to: 2020-06-01" in err
    assert not out.exists()


def test_bad_date_flag(store, capsys):
    code = main(["backtest", str(EXAMPLES / "lao_luo_a741.toml"), "--store", str(store),
                 "--from", "Nov 2018"])
    assert code == 2
    assert "--from: not a date YYYY-MM-DD" in capsys.readouterr().err


def test_unwritable_out_is_one_line_exit_2(store, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    code = main(["backtest", str(EXAMPLES / "lao_luo_a741.toml"), "--store", str(store),
                 "--from", "2018-11-01", "--to", "2018-11-05", "--out", str(blocker / "x")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--out: cannot write there" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [blocker]


def test_backtest_of_a_host_and_its_client_and_of_a_plugin_rule(store, tmp_path, capsys):
    """Two owners (a per-owner table, outputs written) and a [[policies]] plugin via the CLI."""
    out = tmp_path / "host"
    code = main(["backtest", str(EXAMPLES / "hosting_shihezi.toml"), "--store", str(store),
                 "--out", str(out), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "client" in captured.out
    treasury = pd.read_csv(out / "treasury.csv")
    assert set(treasury["owner"]) == {"Shihezi host", "client"}
    code = main(["backtest", str(EXAMPLES / "plugins" / "sell_after_losses_farm.toml"),
                 "--store", str(store), "--no-html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Machine sales" in captured.out
