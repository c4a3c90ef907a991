"""Farm inputs that once crashed or came out as inf: one line, exit 2, nothing written.

Regressions of issue 8: a farm file that is not UTF-8 (UnicodeDecodeError),
``fixed_costs_per_month = 1e18`` (a ConservationError traceback: a float ledger
cannot balance to the cent at that size), ``unit_price = 1e308`` (written as
``"depreciation": Infinity``), and products of plausible fields too large for
the ledger. Also: a purchase dated after the backtest window is said in a note.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from farm_fixtures import EXAMPLES

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data.importing import import_file
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import farm_from_dict, load_farm

LAO_LUO = EXAMPLES / "lao_luo_a741.toml"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    subset = folder / "btc_2018.csv"
    btc[(btc["date"] >= "2018-01-01") & (btc["date"] <= "2018-12-31")].to_csv(subset, index=False)
    path = folder / "history.duckdb"
    import_file("coinmetrics", subset, store=path)
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
    return path


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = LAO_LUO.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "farm.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _one_error(path: Path) -> InputError:
    with pytest.raises(InputErrors) as info:
        load_farm(path)
    (error,) = info.value.errors
    return error


def test_not_utf8_farm_is_located(tmp_path):
    path = tmp_path / "farm.toml"
    path.write_bytes(LAO_LUO.read_bytes().replace(b'"small farm"', b'"sm\xfcll farm"', 1))
    with pytest.raises(InputError) as info:
        load_farm(path)
    # Line 17 of the example is the first `name = "small farm"` (in [[sites]]).
    assert str(info.value) == (f"{path}:17:11: not UTF-8 text (byte 0xfc: invalid start byte); "
                               "save the file as UTF-8")


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "message"),
    [
        ("fixed_costs_per_month = 20000", "fixed_costs_per_month = 1e18",
         "sites[0].fixed_costs_per_month", 24, "must be <= 1e+08 currency/month (got 1e+18)"),
        ("unit_price = 20000 ", "unit_price = 1e308 ",
         "fleet[0].unit_price", 31, "must be <= 1e+07 currency/machine (got 1e+308)"),
        ("pue = 1.05 ", "pue = nan ", "sites[0].pue", 22, "must be a finite number (got nan)"),
        ("count = 2000", "count = -inf", "fleet[0].count", 28, "must be a whole number"),
        ("starting_cash = 300000", "starting_cash = -1e300", "treasury.starting_cash", 37,
         "must be >= -1e+11 currency (got -1e+300)"),
        ('price = 0.40,', "price = 1e308,", "sites[0].tariff.price", 21,
         "must be <= 100 currency/kWh (got 1e+308)"),
    ],
)
def test_huge_or_non_finite_fields_are_refused(tmp_path, old, new, field, line, message):
    error = _one_error(_variant(tmp_path, old, new))
    assert (error.field, error.line) == (field, line)
    assert error.message.startswith(message)


def _scaled(count: int, unit_price: float, tariff: float) -> dict:
    data = tomllib.loads(LAO_LUO.read_text(encoding="utf-8"))
    data["sites"][0].update(capacity_slots=count, capacity_mw=5000.0)
    data["sites"][0]["tariff"] = {"kind": "flat", "price": tariff, "currency": "CNY"}
    data["fleet"][0].update(count=count, unit_price=unit_price)
    return data


def test_purchases_too_large_for_the_ledger_name_the_largest_term():
    # 1e6 machines x 1e6 CNY = 1e12 CNY > money_amount's 1e11 (each field is in range).
    with pytest.raises(InputErrors) as info:
        farm_from_dict(_scaled(1_000_000, 1e6, 0.1))
    (error,) = info.value.errors
    assert error.field == "fleet[0].unit_price"
    assert error.message.startswith("the farm pays once (machines, capex, cash) 1e+12 CNY, "
                                    "above the plausible 1e+11")


def test_daily_costs_too_large_for_the_ledger_name_the_fleet_item():
    # 1e6 A741 (1,150 W) at PUE 1.05 and 100 CNY/kWh: 1e6 x 1.15 kW x 24 h x 1.05 x 100
    # = 2.9e9 CNY a day (+ 0.3 CNY management per machine-day), above money_per_day's 1e7.
    with pytest.raises(InputErrors) as info:
        farm_from_dict(_scaled(1_000_000, 20000.0, 100.0))
    (error,) = info.value.errors
    assert error.field == "fleet[0].count"
    assert error.message.startswith("the farm pays a day at full power 2.9e+09 CNY")


def test_bad_farm_on_the_cli_is_one_line_exit_2_nothing_written(tmp_path, store, capsys):
    path = _variant(tmp_path, "fixed_costs_per_month = 20000", "fixed_costs_per_month = 1e18")
    out = tmp_path / "out"
    code = main(["backtest", str(path), "--store", str(store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "sites[0].fixed_costs_per_month: must be <= 1e+08" in err
    assert not out.exists()


def test_purchase_after_the_window_is_a_note(tmp_path, store, capsys):
    # Documented in docs/farms.md: not an error (a shorter --to over a farm that buys
    # later is a normal question), but the user is told.
    code = main(["backtest", str(LAO_LUO), "--store", str(store), "--from", "2018-10-01",
                 "--to", "2018-10-31"])
    assert code == 0
    err = capsys.readouterr().err
    assert "note: bought after the window's last day 2018-10-31" not in err  # bought 2017
    path = _variant(tmp_path, "purchase_date = 2017-11-15", "purchase_date = 2018-11-15")
    code = main(["backtest", str(path), "--store", str(store), "--from", "2018-10-01",
                 "--to", "2018-10-31"])
    assert code == 0
    err = capsys.readouterr().err
    assert ("note: bought after the window's last day 2018-10-31, not in this backtest: "
            "fleet[0] (2018-11-15)") in err


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"not RFC 8259 JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_backtest_outputs_are_strict_json_and_finite_csv(tmp_path, store):
    # Bought after the window: nothing mined, nothing paid back (payback never happens).
    path = _variant(tmp_path, "purchase_date = 2017-11-15", "purchase_date = 2018-11-15")
    out = tmp_path / "out"
    code = main(["backtest", str(path), "--store", str(store), "--from", "2018-10-01",
                 "--to", "2018-10-31", "--out", str(out), "--format", "csv"])
    assert code == 0
    _strict((out / "summary.json").read_text(encoding="utf-8"))
    for csv in out.glob("*.csv"):
        text = csv.read_text(encoding="utf-8").lower()
        assert "inf" not in text.replace("info", ""), csv.name
