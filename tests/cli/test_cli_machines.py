"""``hashwinter machines price-index`` on a store of the real history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from datafiles import shared_data_file
from hashwinter.cli.app import app
from hashwinter.data import import_file


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("machines") / "history.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=path)
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_index_in_json_has_the_2018_tiers_and_falls_into_the_25_november_low(
        store: Path, tmp_path: Path) -> None:
    chart = tmp_path / "index.html"
    code, out, err = _run("machines", "price-index", "--from", "2018-11-20", "--to",
                          "2018-11-28", "--tariff", "0.28", "--currency", "CNY",
                          "--growth-scale", "0.6", "--store", str(store), "--format", "json",
                          "--chart", str(chart))
    assert code == 0, err
    rows = json.loads(out)
    assert {r["tier"] for r in rows} == {"< 70 J/TH", "70-110 J/TH", "110-200 J/TH",
                                         "> 200 J/TH"}
    s9_tier = {r["date"]: r["price_per_th"] for r in rows if r["tier"] == "70-110 J/TH"}
    # The close fell from 4,549 USD (21 Nov) to 3,700 (26 Nov) and rose to 4,208 (28 Nov):
    # the S9 tier's value follows, with its low on the 26th.
    assert min(s9_tier, key=s9_tier.__getitem__) == "2018-11-26"
    assert s9_tier["2018-11-26"] < 0.75 * s9_tier["2018-11-21"]
    assert s9_tier["2018-11-28"] > s9_tier["2018-11-26"]
    assert "plotly" in chart.read_text(encoding="utf-8")
    assert "9 days" in err


def test_csv_and_table_agree_and_public_tiers_can_be_chosen(store: Path) -> None:
    code, out, _ = _run("machines", "price-index", "--from", "2021-06-01", "--to",
                        "2021-06-01", "--tariff", "0.05", "--store", str(store),
                        "--format", "csv")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "date,tier,models,price_per_th,coins_per_th,median_j_th"
    assert [line.split(",")[1] for line in lines[1:]] == ["< 25 J/TH", "25-38 J/TH",
                                                          "38-68 J/TH", "> 68 J/TH"]
    code, out, _ = _run("machines", "price-index", "--from", "2021-06-01", "--to",
                        "2021-06-01", "--tariff", "0.05", "--store", str(store),
                        "--tiers", "30,60")
    assert code == 0 and "30-60 J/TH" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--tariff", "-1"], "--tariff: must be >= 0"),
    (["--tariff", "0.3", "--tiers", "30,20"], "--tiers: must be increasing"),
    (["--tariff", "0.3", "--tiers", "3x"], "--tiers: must be J/TH bounds"),
    (["--tariff", "0.3", "--liquidity", "0"], "--liquidity:"),
    (["--tariff", "0.3", "--from", "2010-09-01"], "--from: needs 366 days of history"),
    (["--tariff", "0.3", "--to", "2018-10-01"], "--to: must not be before --from"),
    (["--tariff", "0.3", "--to", "2040-01-01"], "--to: after the stored BTC history"),
    (["--tariff", "0.3", "--from", "2018-13-01"], "--from: not a date"),
])
def test_bad_flags_are_one_line_errors(store: Path, args: list[str], message: str) -> None:
    base = {"--from": "2018-11-20", "--to": "2018-11-21"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["machines", "price-index", "--store", str(store)]
    for flag, value in base.items():
        argv += [flag, value]
    import contextlib
    import io

    from hashwinter.cli.app import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    assert code == 2
    assert message in err.getvalue()
    assert err.getvalue().count("\n") == 1
