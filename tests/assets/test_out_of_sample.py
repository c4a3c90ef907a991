"""The valuation out of sample (issue 11): fitted before 1 Nov 2018, checked on the winter's quotes.

Fit points: the S9 rows of used_asic_prices.csv dated before 1 Nov 2018 (month-precision
rows read as the 15th). Checked against the seed's quotes, 1,200 CNY around 21 Nov and
600 CNY on 25 Nov 2018 (seed section 2). Two projections of difficulty are fitted: the
trailing one (one free parameter, ``growth_scale``) and the break-even one (two,
``entry_cost_per_kwh`` and ``relaxation_days``). What each gives is asserted as it is; the
issue's band (both values within a factor 2.5 of the quotes) is met by neither, and is
kept as a strict xfail with the measured numbers (docs/assets.md, "Out of sample").
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.assets.calibrate import fit_break_even, fit_growth_scale
from hashwinter.assets.inputs import valuation_inputs
from hashwinter.assets.market import market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.hardware import default_catalog


@pytest.fixture(scope="module")
def inputs() -> pd.DataFrame:
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), index_col="date", parse_dates=True)
    fx = pd.read_csv(shared_data_file("usd_cny_daily.csv"), index_col="date",
                     parse_dates=True)["cny_per_usd"].reindex(btc.index).ffill()
    daily = pd.DataFrame({
        "price": btc["price_usd"] * fx, "difficulty": btc["difficulty"],
        "subsidy": btc["mean_subsidy_btc"], "fees_per_block": btc["fees_btc"] / btc["blk_cnt"],
    }).loc["2016-06-01":"2019-03-31"]
    return valuation_inputs(daily)


@pytest.fixture(scope="module")
def observations() -> pd.DataFrame:
    obs = pd.read_csv(shared_data_file("used_asic_prices.csv"))
    obs = obs[obs["model"] == "Antminer S9"].copy()
    obs["date"] = pd.to_datetime([d if len(d) > 7 else d + "-15" for d in obs["date"]])
    return obs[["date", "model", "price"]]


def _fit(observations, inputs, tariff, fit=fit_growth_scale):
    return fit(observations, inputs, default_catalog(), ValuationParams(tariff=tariff),
               fit_before=dt.date(2018, 11, 1))


def _s9_21_25(inputs, params):
    s9 = default_catalog().get("Antminer S9")
    return market_values([s9], inputs.loc[pd.to_datetime(["2018-11-21", "2018-11-25"])],
                         params)[0]


def test_break_even_projection_fits_before_november_and_halves_less_far_off(
        observations, inputs):
    # The difficulty relaxes towards where a 98 J/TH machine earns an all-in entry cost per
    # kWh. Fitted on the same six pre-November rows, it explains the bubble prices far better
    # than the trailing projection (log RMSE 0.23 against 0.87): in Dec 2017 difficulty was
    # expected to rise until new S9s stopped paying, in Nov 2018 not to rise at all.
    cal = _fit(observations, inputs, 0.40, fit_break_even)
    trailing = _fit(observations, inputs, 0.40)
    assert cal.rmse_log_in_sample == pytest.approx(0.233, abs=0.005)
    assert trailing.rmse_log_in_sample == pytest.approx(0.866, abs=0.005)
    assert cal.params.entry_cost_per_kwh == pytest.approx(1.03, abs=0.02)  # CNY/kWh all-in
    assert cal.params.relaxation_days == 60.0
    v21, v25 = _s9_21_25(inputs, cal.params)
    assert v25 <= 0.75 * v21  # ratio 0.68
    assert 1200 / 2.5 <= v21 <= 1200 * 2.5  # about 2,640 CNY: 2.2x the quote
    # The 25 Nov value (about 1,780 CNY, 3.0x the 600 quote) is outside the band: see the
    # xfail below. With no gap left the difficulty is projected flat, so both values are
    # the no-growth ones; the quotes' fall is the fall of the coin price and a fire sale.
    assert v25 == pytest.approx(1781, rel=0.01) and v21 == pytest.approx(2637, rel=0.01)


@pytest.mark.xfail(strict=True, reason="the issue's factor-2.5 band is not met out of sample: "
                   "trailing 166 / 62 CNY (7-10x below), break-even 2,637 / 1,781 CNY (the "
                   "25 Nov one 3.0x above the 600 quote); docs/assets.md, 'Out of sample'")
def test_the_issue_band_both_values_within_2_5x_of_the_quotes(observations, inputs):
    def in_band(fit) -> bool:
        v21, v25 = _s9_21_25(inputs, _fit(observations, inputs, 0.40, fit).params)
        return 1200 / 2.5 <= v21 <= 1200 * 2.5 and 600 / 2.5 <= v25 <= 600 * 2.5

    assert any(in_band(fit) for fit in (fit_growth_scale, fit_break_even))  # XPASS if one does


def test_s9_value_halves_but_falls_far_below_the_quotes_at_040(observations, inputs):
    cal = _fit(observations, inputs, 0.40)
    assert cal.table["in_sample"].sum() == 6  # six S9 rows before 1 Nov 2018
    s9 = default_catalog().get("Antminer S9")
    v21, v25 = market_values([s9], inputs.loc[pd.to_datetime(["2018-11-21", "2018-11-25"])],
                             cal.params)[0]
    assert v25 <= 0.75 * v21  # the story's quotes halve; the model's value falls as much
    # Honest miss: at a small farm's 0.40 CNY/kWh both values are more than 2.5x below the
    # quotes (about 166 and 62 CNY against 1,200 and 600). The fitted growth scale (about
    # 1.1 x the trailing year's +159 %/year) projects the 2018 hash race on; the fit points
    # are new machines at bubble prices; and the quotes are a cheap-power buyer's.
    assert 1200 / v21 > 2.5 and 600 / v25 > 2.5
    # At Hu's 0.28 CNY/kWh (the marginal buyer of late 2018) the 25 Nov value is within 2.5x.
    cal28 = _fit(observations, inputs, 0.28)
    v25_28 = market_values([s9], inputs.loc[pd.to_datetime(["2018-11-25"])], cal28.params)[0][0]
    assert 600 / 2.5 <= v25_28 <= 600 * 2.5


def test_m3_unfloored_value_at_040_is_below_scrap_in_december_2018(observations, inputs):
    cal = _fit(observations, inputs, 0.40)
    m3 = default_catalog().get("WhatsMiner M3")
    december = inputs.loc["2018-12-01":"2018-12-31"]
    values = market_values([m3], december, cal.params.model_copy(
        update={"scrap_value_per_kw": 0.0}))[0]
    scrap = m3.power / 1000 * 60.0  # 60 CNY per kW of copper, aluminium and PSU (ASSUMPTION)
    assert values.max() < scrap  # "a pile of scrap copper and iron"
