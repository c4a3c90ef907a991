import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from hashwinter.cli.app import main
from hashwinter.economics import shutdown_price
from hashwinter.reports.shutdown_view import JSON_KEYS

D_2018_11_25 = 6_653_303_141_406.0


def run(capsys, *args):
    code = main(["shutdown", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_table_is_winter_2018(capsys):
    code, out, err = run(capsys)
    assert code == 0, err
    assert "Antminer S9" in out and "AvalonMiner 741" in out
    assert "2018-11-25" in out and "27,400.00 CNY" in out
    # Machines released after 25 Nov 2018 are not in the default set of that day.
    assert "S19" not in out and "S21" not in out


def test_json_contract_and_values(capsys):
    code, out, _ = run(
        capsys, "--format", "json", "--model", "S9", "--tariff", "0.28", "--tariff", "0.4"
    )
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 2
    assert set(JSON_KEYS) <= set(rows[0])
    row = rows[0]
    assert row["model"] == "Antminer S9"
    assert row["currency"] == "CNY" and row["tariff"] == 0.28
    # By hand (DESIGN.md formula), 2 % pool fee default:
    coins = row["hashrate_ths"] * 1e12 * 86400 / (D_2018_11_25 * 2**32) * 12.76 * 0.98
    assert row["coins_per_day"] == pytest.approx(coins, rel=1e-12)
    assert row["revenue_per_day"] == pytest.approx(coins * 27_400, rel=1e-12)
    assert row["power_cost_per_day"] == pytest.approx(row["power_w"] / 1000 * 24 * 0.28)
    assert row["shutdown_price"] == pytest.approx(
        shutdown_price(
            row["hashrate_ths"] * 1e12, row["power_w"], 0.28, D_2018_11_25, 12.5, 0.26, 0.02
        )
    )
    assert row["above_shutdown"] is True
    assert rows[1]["shutdown_price"] == pytest.approx(row["shutdown_price"] * 0.4 / 0.28)


def test_a741_below_water_at_small_farm_tariff(capsys):
    # Lao Luo's AvalonMiner 741s lost money on power in late Nov 2018 (the story).
    _, out, _ = run(capsys, "--format", "json", "-m", "阿瓦隆741", "-t", "0.4")
    row = json.loads(out)[0]
    assert row["model"] == "AvalonMiner 741"
    assert row["above_shutdown"] is False and row["margin_per_day"] < 0


def test_overrides_and_usd(capsys):
    code, out, _ = run(
        capsys,
        "--format",
        "csv",
        "--currency",
        "USD",
        "-m",
        "S9",
        "-t",
        "0.04",
        "--difficulty",
        "5646403851534.7",
        "--price",
        "3900",
        "--pool-fee",
        "0",
        "--fees-per-block",
        "0",
        "--subsidy",
        "12.5",
    )
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    row = frame.iloc[0]
    assert row.currency == "USD" and row.price == 3900
    assert row.shutdown_price == pytest.approx(
        shutdown_price(row.hashrate_ths * 1e12, row.power_w, 0.04, 5646403851534.7, 12.5)
    )


def test_currency_conversion_of_the_builtin_state(capsys):
    _, out, _ = run(capsys, "--format", "json", "-m", "S9", "-t", "0.04", "--currency", "usd")
    assert json.loads(out)[0]["price"] == pytest.approx(27_400 / 6.94)
    _, out, _ = run(
        capsys, "--format", "json", "-m", "S9", "-t", "0.04", "--currency", "EUR", "--fx", "0.88"
    )
    assert json.loads(out)[0]["price"] == pytest.approx(27_400 / 6.94 * 0.88)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--difficulty", "-5"], "--difficulty: must be > 0"),
        (["--difficulty", "0"], "--difficulty: must be > 0"),
        (["--tariff", "-0.1"], "--tariff: must be >= 0"),
        (["--pool-fee", "1.5"], "--pool-fee: must be <= 1 (got 1.5)"),
        (["--currency", "EUR"], "--currency: no exchange rate for EUR"),
        (["--fx", "-1", "--currency", "EUR"], "--fx: must be > 0"),
        (["--model", "Antminer S99"], "did you mean"),
        (["--date", "2018-13-45"], "--date: not a date"),
    ],
)
def test_bad_input_one_line_exit_2(capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_malformed_user_catalog_names_file_and_line(capsys, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "model,maker,kind,algorithm,hashrate_ths,power_w\n"
        "Good One,Acme,asic,sha256,100,3000\n"
        "Bad One,Acme,asic,sha256,100,-5\n"
    )
    code, _, err = run(capsys, "--catalog", str(path), "-m", "Good One")
    assert code == 2
    assert f"{path}:3" in err and "power_w" in err


def test_user_catalog_merges(capsys, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "model,maker,kind,algorithm,hashrate_ths,power_w\nHome Brew 1,Acme,asic,sha256,100,2000\n"
    )
    code, out, _ = run(
        capsys,
        "--catalog",
        str(path),
        "-m",
        "Home Brew 1",
        "-m",
        "S9",
        "--format",
        "json",
        "-t",
        "0.3",
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["model"] for r in rows] == ["Home Brew 1", "Antminer S9"]
    assert rows[0]["efficiency_j_th"] == pytest.approx(20.0)


def test_console_script_exit_codes():
    ok = subprocess.run(
        [sys.executable, "-m", "hashwinter.cli.app", "shutdown", "-m", "S9"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "hashwinter.cli.app", "shutdown", "--difficulty", "-1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "--difficulty" in bad.stderr


@pytest.fixture(scope="module")
def winter_store(tmp_path_factory):
    from datafiles import winter_data_file
    from hashwinter.data import import_file

    # The committed winter fixture (2018-10-01 .. 2019-03-31).
    path = tmp_path_factory.mktemp("shutdown") / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=path)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=path)
    return path


def test_date_with_fx_for_a_currency_the_store_lacks(capsys, winter_store):
    # 2018-11-26: Coin Metrics close 3,700.285993 USD (btc_daily.csv); --fx 110 JPY/USD.
    code, out, err = run(capsys, "--date", "2018-11-26", "--currency", "JPY", "--fx", "110",
                         "-m", "S9", "-t", "3", "--store", str(winter_store), "--format", "json")
    assert code == 0, err
    row = json.loads(out)[0]
    assert row["currency"] == "JPY"
    assert row["price"] == pytest.approx(3700.285993 * 110)


def test_notes_follow_the_overrides(capsys, winter_store):
    code, _, err = run(capsys, "--date", "2018-11-26", "--currency", "CNY", "--fx", "7.5",
                       "-m", "S9", "-t", "0.3", "--store", str(winter_store))
    assert code == 0
    assert "7.5 CNY/USD (--fx)" in err
    assert "6.94086" not in err  # the stored rate of that day is no longer what is shown
    code, _, err = run(capsys, "--date", "2018-11-26", "--currency", "CNY", "--price", "30000",
                       "--difficulty", "6e12", "-m", "S9", "-t", "0.3",
                       "--store", str(winter_store))
    assert code == 0
    assert "price from --price" in err and "difficulty from --difficulty" in err
    assert "converted from USD" not in err


def test_repeated_models_and_tariffs_are_one_row_and_one_column(capsys):
    code, out, _ = run(capsys, "-m", "S9", "-m", "蚂蚁S9", "-t", "0.3", "-t", "0.3",
                       "--format", "json")
    assert code == 0
    assert len(json.loads(out)) == 1
    code, out, _ = run(capsys, "-m", "S9", "-m", "蚂蚁S9", "-t", "0.3", "-t", "0.3")
    assert out.count("Antminer S9") == 1 and out.count("Shutdown price CNY/BTC @0.3 CNY/kWh") == 1


def test_a_gpu_is_not_priced_on_bitcoin(capsys):
    code, out, err = run(capsys, "-m", "RX 580")
    assert code == 2 and out == ""
    assert "--model: Radeon RX 580 mines ethash, not BTC's sha256" in err
