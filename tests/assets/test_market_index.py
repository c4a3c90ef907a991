"""Valuation inputs from real history, the tier index by hand, and the calibration's fit."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.assets import option_adjusted_value
from hashwinter.assets.calibrate import fit_break_even, fit_growth_scale
from hashwinter.assets.index import TIERS_2018, TIERS_PUBLIC, price_index, tiers_from
from hashwinter.assets.inputs import valuation_inputs
from hashwinter.assets.market import break_even_gap, market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), index_col="date", parse_dates=True)
    frame = pd.DataFrame({
        "price": btc["price_usd"], "difficulty": btc["difficulty"],
        "subsidy": btc["mean_subsidy_btc"], "fees_per_block": btc["fees_btc"] / btc["blk_cnt"],
    })
    return frame.loc["2017-06-01":"2019-06-30"]


def test_inputs_match_a_hand_computation_on_25_november_2018(daily: pd.DataFrame) -> None:
    inputs = valuation_inputs(daily)
    row = inputs.loc["2018-11-25"]
    window = daily.loc[:"2018-11-25", "price"].tail(91)
    logret = [math.log(b / a) for a, b in itertools.pairwise(window)]
    mean = sum(logret) / 90
    sigma = math.sqrt(sum((x - mean) ** 2 for x in logret) / 89)
    assert row["sigma_per_day"] == pytest.approx(sigma, rel=1e-12)
    d_now = daily.loc["2018-11-25", "difficulty"]
    d_then = daily.loc["2017-11-25", "difficulty"]
    assert row["difficulty_growth_per_year"] == pytest.approx(
        math.log(d_now / d_then) * 365.25 / 365, rel=1e-12)
    # The third halving was on 11 May 2020: 533 days after 25 Nov 2018.
    assert row["days_to_halving"] == (dt.date(2020, 5, 11) - dt.date(2018, 11, 25)).days == 533
    assert inputs.index[0] == pd.Timestamp("2018-06-01")  # the first year feeds the growth


def test_inputs_refuse_gaps_and_missing_columns(daily: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="consecutive"):
        valuation_inputs(daily.drop(pd.Timestamp("2018-01-03")))
    with pytest.raises(InputError, match="fees_per_block"):
        valuation_inputs(daily.drop(columns="fees_per_block"))
    with pytest.raises(InputError, match="more than 365 days"):
        valuation_inputs(daily.head(300))


def test_tiers_and_their_labels() -> None:
    assert [t.label for t in TIERS_PUBLIC] == ["< 25 J/TH", "25-38 J/TH", "38-68 J/TH",
                                               "> 68 J/TH"]
    assert [t.label for t in TIERS_2018] == ["< 70 J/TH", "70-110 J/TH", "110-200 J/TH",
                                             "> 200 J/TH"]
    for bad in ([], [38, 25], [0, 10], [25, float("inf")]):
        with pytest.raises(InputError, match="tiers"):
            tiers_from(bad)


def test_index_is_the_median_per_th_of_the_models_released_by_each_date(
        daily: pd.DataFrame) -> None:
    inputs = valuation_inputs(daily).loc["2018-11-20":"2018-11-30"]
    machines = default_catalog().machines(algorithm="sha256")
    params = ValuationParams(tariff=0.05, growth_scale=0.5)
    index = price_index(machines, inputs, params)
    day = pd.Timestamp("2018-11-25")
    row = inputs.loc[day]
    for tier in TIERS_2018:
        by_hand = []
        for m in machines:
            j_th = m.power / (m.hashrate / 1e12)
            if m.release is None or m.release > day.date() or not tier.low <= j_th < tier.high:
                continue
            v = float(option_adjusted_value(
                m.hashrate, m.power, price=row["price"], difficulty=row["difficulty"],
                subsidy=row["subsidy"], fees_per_block=row["fees_per_block"], tariff=0.05,
                pool_fee=0.02, sigma_per_day=row["sigma_per_day"],
                difficulty_growth_per_year=0.5 * row["difficulty_growth_per_year"],
                discount_rate_per_year=0.1, life_days=730, days_to_halving=533))
            by_hand.append(v / (m.hashrate / 1e12))
        got = index[(index["date"] == day) & (index["tier"] == tier.label)].iloc[0]
        assert got["models"] == len(by_hand)
        if by_hand:
            assert got["price_per_th"] == pytest.approx(float(np.median(by_hand)), rel=1e-9)
            assert got["coins_per_th"] == pytest.approx(got["price_per_th"] / row["price"])
        else:
            assert np.isnan(got["price_per_th"])
    # Machines released after the period (e.g. the S19 of 2020) are in no tier.
    assert index.groupby("date")["models"].sum().max() < len(machines)


def test_calibration_recovers_a_known_growth_scale_and_ignores_later_quotes(
        daily: pd.DataFrame) -> None:
    inputs = valuation_inputs(daily)
    catalog = default_catalog()
    s9 = catalog.get("Antminer S9")
    params = ValuationParams(tariff=0.05)
    dates = pd.to_datetime(["2018-07-01", "2018-08-15", "2018-10-01", "2019-01-10"])
    truth = market_values([s9], inputs.loc[dates], params.model_copy(
        update={"growth_scale": 0.8}))[0]
    observed = truth.copy()
    observed[-1] *= 50.0  # a wild quote after the cut-off must not move the fit
    obs = pd.DataFrame({"date": [*list(dates), dates[0]],
                        "model": ["蚂蚁S9"] * 4 + ["no such miner"],
                        "price": [*list(observed), 1.0]})
    cal = fit_growth_scale(obs, inputs, catalog, params, fit_before=dt.date(2018, 11, 1))
    assert cal.params.growth_scale == pytest.approx(0.8, abs=0.001)
    assert cal.rmse_log_in_sample < 1e-2
    assert cal.table["in_sample"].tolist() == [True, True, True, False]
    assert cal.table["log_error"].iloc[-1] == pytest.approx(-math.log(50.0), abs=0.01)
    assert cal.skipped["reason"].tolist() == ["unknown model"]
    with pytest.raises(InputError, match="before 2017-01-01"):
        fit_growth_scale(obs, inputs, catalog, params, fit_before=dt.date(2017, 1, 1))


def test_break_even_gap_by_hand_on_25_november_2018(daily: pd.DataFrame) -> None:
    # The marginal machine (98 J/TH) at an all-in 0.1 USD/kWh costs 98 / 1000 x 24 x 0.1 =
    # 0.2352 USD per TH/s and day; it earns 1e12 x 86400 x (subsidy + fees) / (D 2^32) x price x
    # 0.98. ln(revenue / cost) is the log difficulty at which it breaks even, floored at 0.
    inputs = valuation_inputs(daily).loc[["2018-11-25", "2018-06-15"]]
    params = ValuationParams(tariff=0.05, difficulty_model="break_even", entry_cost_per_kwh=0.1)
    gap = break_even_gap(inputs, params)
    for k, row in enumerate(inputs.itertuples()):
        revenue = 1e12 * 86400 * (row.subsidy + row.fees_per_block) / (row.difficulty * 2**32) \
            * row.price * 0.98
        assert gap[k] == pytest.approx(max(math.log(revenue / 0.2352), 0.0), rel=1e-12)
    assert gap[0] == 0.0 and gap[1] > 0.2  # under water in Nov 2018, above it in June


def test_break_even_calibration_recovers_known_parameters(daily: pd.DataFrame) -> None:
    inputs = valuation_inputs(daily)
    catalog = default_catalog()
    s9 = catalog.get("Antminer S9")
    params = ValuationParams(tariff=0.05)
    dates = pd.to_datetime(["2018-06-15", "2018-07-01", "2018-08-15", "2018-10-01"])
    truth = market_values([s9], inputs.loc[dates], params.model_copy(update={
        "difficulty_model": "break_even", "entry_cost_per_kwh": 0.08,
        "relaxation_days": 90.0}))[0]
    obs = pd.DataFrame({"date": dates, "model": ["Antminer S9"] * 4, "price": truth})
    cal = fit_break_even(obs, inputs, catalog, params, fit_before=dt.date(2018, 11, 1))
    assert cal.params.difficulty_model == "break_even"
    assert cal.params.entry_cost_per_kwh == pytest.approx(0.08, rel=0.003)
    assert cal.params.relaxation_days == 90.0
    assert cal.rmse_log_in_sample < 1e-2


@pytest.fixture(scope="module")
def quote_store(tmp_path_factory):
    from hashwinter.data.importing import import_file

    store = tmp_path_factory.mktemp("quotes") / "h.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=store)
    import_file("machine-prices", shared_data_file("used_asic_prices.csv"), store=store)
    return store


def test_machines_calibrate_fits_the_stored_quotes_and_checks_the_user_s(
        quote_store, capsys) -> None:
    # The store's quotes (used_asic_prices.csv) and the user's own 600 CNY quote of 25 Nov
    # 2018 (data add-machine-price): the fit is the one of tests/assets/test_out_of_sample.py
    # (break-even, 0.40 CNY/kWh: entry cost ~1.03 CNY/kWh, log RMSE 0.233 on the six S9 rows
    # before November), and the user's quote is checked out of sample at the S9's 25 Nov
    # value there (~1,781 CNY from the hand-built frame; the store's daily state gives
    # 1,818: 3 % allowed for its day's fees and FX).
    import json

    from hashwinter.cli.app import main

    assert main(["data", "add-machine-price", "Antminer S9", "2018-11-25", "600",
                 "--currency", "CNY", "--store", str(quote_store)]) == 0
    capsys.readouterr()
    code = main(["machines", "calibrate", "--fit-before", "2018-11-01", "--tariff", "0.40",
                 "--store", str(quote_store), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["params"]["entry_cost_per_kwh"] == pytest.approx(1.03, abs=0.02)
    assert doc["rmse_log_in_sample"] == pytest.approx(0.233, abs=0.005)
    rows = {(r["date"], r["observed"]): r for r in doc["observations"]}
    assert sum(r["in_sample"] for r in rows.values()) == 6
    mine = rows[("2018-11-25", 600.0)]
    assert not mine["in_sample"] and mine["fitted"] == pytest.approx(1781, rel=0.03)
    assert "left out" in captured.err
    # With difficulty following the price (fitted on the store's BTC days 2014-01-01 ..
    # 2018-10-31) and the 2018 discount rate ln(1.24): tests/assets/test_out_of_sample.py's
    # fit (elasticity 0.324 after 170 days; 25 Nov S9 ~1,356 CNY from the hand-built frame,
    # 3 % for the store's fees and FX), inside the band (<= 1,500).
    code = main(["machines", "calibrate", "--fit-before", "2018-11-01", "--tariff", "0.40",
                 "--price-response", "--discount-rate", "0.21511", "--store", str(quote_store),
                 "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["price_response"]["elasticity"] == pytest.approx(0.324, abs=0.005)
    assert doc["price_response"]["lag_days"] == 170.0
    assert doc["params"]["price_elasticity"] == doc["price_response"]["elasticity"]
    assert doc["rmse_log_in_sample"] == pytest.approx(0.234, abs=0.005)
    mine = {(r["date"], r["observed"]): r for r in doc["observations"]}[("2018-11-25", 600.0)]
    assert mine["fitted"] == pytest.approx(1356, rel=0.03) and mine["fitted"] <= 1500
    code = main(["machines", "calibrate", "--fit-before", "2018-11-01", "--tariff", "0.40",
                 "--price-response", "--response-from", "2018-06-01",
                 "--store", str(quote_store)])
    err = capsys.readouterr().err
    assert code == 2 and "--response-from" in err
    code = main(["machines", "calibrate", "--fit-before", "2017-01-01", "--tariff", "0.40",
                 "--store", str(quote_store)])
    err = capsys.readouterr().err
    assert code == 2 and "--fit-before" in err and "no observation" in err
