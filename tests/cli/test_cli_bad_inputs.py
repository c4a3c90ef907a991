"""``hashwinter shutdown``: inputs that once came out as inf, or as an empty table with exit 0.

Regressions of issue 8: ``--tariff 1e308`` printed numpy overflow warnings and a
margin of ``∞`` (sign lost; JSON ``null``, CSV ``-inf``); ``--date 2013-01-01``
printed an empty table with exit 0 (no default model existed yet); the shutdown
column read "Shutdown @0.08 CNY/kWh" over values in CNY/BTC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.cli.app import main
from hashwinter.data.importing import import_file


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["shutdown", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--tariff", "1e308"], "--tariff: must be <= 100 currency/kWh (got 1e+308)"),
        (["--tariff", "nan"], "--tariff: must be a finite number (got nan)"),
        (["--tariff", "inf"], "--tariff: must be a finite number (got inf)"),
        (["--price", "1e308"], "--price: must be <= 1e+08 currency/coin (got 1e+308)"),
        (["--price", "0"], "--price: must be > 0 currency/coin (got 0)"),
        (["--difficulty", "1e300"], "--difficulty: must be <= 1e+18 (got 1e+300)"),
        (["--subsidy", "-1"], "--subsidy: must be >= 0 coin/block (got -1)"),
        (["--fees-per-block", "1e9"], "--fees-per-block: must be <= 10000 coin/block (got 1e+09)"),
        (["--fx", "1e300", "--currency", "EUR"],
         "--fx: must be <= 1e+06 currency/USD (got 1e+300)"),
        (["--pool-fee", "nan"], "--pool-fee: must be a finite number (got nan)"),
        (["--pool-fee", "1"], "--pool-fee: must be < 1 (got 1)"),
        # A subnormal price overflowed price / shutdown price to inf (numpy warnings).
        (["--price", "1e-320"],
         "--price: must be at least 1e-100 in magnitude (got 9.99989e-321)"),
        (["--tariff", "1e-320"],
         "--tariff: must be 0 or at least 1e-100 in magnitude (got 9.99989e-321)"),
    ],
)
def test_implausible_flags_are_one_line_exit_2(capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err == f"hashwinter: error: {needle}\n"
    assert out == ""


@pytest.fixture(scope="module")
def store_2013(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store2013")
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    subset = folder / "btc_2013.csv"
    btc[(btc["date"] >= "2012-12-01") & (btc["date"] <= "2013-01-31")].to_csv(subset,
                                                                               index=False)
    path = folder / "history.duckdb"
    import_file("coinmetrics", subset, store=path)
    return path


def test_date_before_every_default_model_is_an_error_not_an_empty_table(capsys, store_2013):
    code, out, err = run(capsys, "--date", "2013-01-01", "--store", str(store_2013))
    assert code == 2 and out == ""
    # Antminer S7 is the earliest of DEFAULT_MODELS (catalog release 2015-09-01).
    assert err == ("hashwinter: error: --date: none of the default models was released by "
                   "2013-01-01 (the first, Antminer S7, came out 2015-09-01): name a machine "
                   "with --model\n")


def test_headers_name_the_values_and_their_units(capsys):
    code, out, _ = run(capsys, "--model", "S9", "--tariff", "0.08")
    assert code == 0
    assert "Margin CNY/day @0.08 CNY/kWh" in out
    assert "Shutdown price CNY/BTC @0.08 CNY/kWh" in out


def _strict(text: str) -> object:
    def refuse(name: str) -> object:
        raise ValueError(f"not RFC 8259 JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_free_power_and_no_fees_csv_has_no_inf_but_a_flag(capsys):
    # Tariff 0: the shutdown price is 0 and price / shutdown price - 1 is +inf
    # ("always above water"): an empty cell with the flag "unbounded", never "inf".
    code, out, _ = run(capsys, "--model", "S9", "--tariff", "0", "--format", "csv")
    assert code == 0
    header, row = out.strip().splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["shutdown_price"] == "0"
    assert cells["price_to_shutdown"] == "" and cells["price_to_shutdown_flag"] == "unbounded"
    assert "inf" not in out
    code, out, _ = run(capsys, "--model", "S9", "--tariff", "0", "--format", "json")
    (record,) = _strict(out)  # type: ignore[misc]
    assert record["shutdown_price"] == 0.0


def test_largest_plausible_inputs_stay_finite(capsys):
    # The corners of the registry: dearest tariff, dearest coin, hardest difficulty.
    code, out, err = run(capsys, "--model", "S9", "--tariff", "100", "--price", "1e8",
                         "--difficulty", "1e18", "--format", "json")
    assert code == 0, err
    (record,) = _strict(out)  # type: ignore[misc]
    # 1,323 W x 24 h x 100 CNY/kWh = 3,175.2 CNY a day.
    assert record["power_cost_per_day"] == pytest.approx(3175.2)
    assert all(v is not None for v in record.values())


def test_a_bad_paths_flag_is_named_as_the_flag_not_as_a_grid_value(
        capsys: pytest.CaptureFixture[str]) -> None:
    from hashwinter.cli.app import main

    noda = str(Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "noda2019.toml")
    assert main(["simulate", noda, "--paths", "1000000000000"]) == 2
    assert capsys.readouterr().err == \
        "hashwinter: error: --paths: must be <= 1e+07 paths (got 1e+12)\n"
    assert main(["sweep", noda, "--grid", "paths=1000000000000"]) == 2
    assert capsys.readouterr().err.startswith("hashwinter: error: --grid: paths: must be <= 1e+07")
