"""The valuation out of sample (issue 11): fitted before 1 Nov 2018, checked on the winter's quotes.

Fit points: the S9 rows of used_asic_prices.csv dated before 1 Nov 2018 (month-precision
rows read as the 15th). Checked against the seed's quotes, 1,200 CNY around 21 Nov and
600 CNY on 25 Nov 2018 (seed section 2). What the calibration gives is asserted as it is,
including where it misses the factor-2.5 band (docs/assets.md, "Out of sample").
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.assets.calibrate import fit_growth_scale
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


def _fit(observations, inputs, tariff):
    return fit_growth_scale(observations, inputs, default_catalog(),
                            ValuationParams(tariff=tariff), fit_before=dt.date(2018, 11, 1))


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
