"""Section 5: the second-hand S9 against the quotes, the M3 scrap, January's entrants.

The simulated used price against the quotes (1,200 → 600 CNY), the M3 fleet that became
scrap, and the entrants of January 2018.

The valuation is :mod:`hashwinter.assets` as docs/assets.md ("Out of sample") runs it, two
ways, both fitted only on data dated before 1 Nov 2018: the issue-11 calibration (difficulty
relaxing to the break-even of an all-in entry cost, fitted on the store's S9 quotes with
:func:`~hashwinter.assets.calibrate.fit_break_even`, and following the future price with the
elasticity and lag :func:`~hashwinter.assets.response.fit_price_response` finds on the BTC
history from 2014; a 2018 private-lending discount rate), and the plain trailing projection
times a fitted growth scale (:func:`~hashwinter.assets.calibrate.fit_growth_scale`) that
reproduces the M3's scrap. Month-precision quotes are read as the 15th.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from hashwinter.assets.calibrate import fit_break_even, fit_growth_scale
from hashwinter.assets.inputs import valuation_inputs
from hashwinter.assets.market import market_values
from hashwinter.assets.params import ValuationParams
from hashwinter.assets.response import PriceResponse, fit_price_response
from hashwinter.data.store import opened
from hashwinter.hardware import default_catalog
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.section import Measure, Section

__all__ = ["used_section"]

#: The story's two quotes (seed section 2): "four or five days before" 25 Nov, and 25 Nov.
QUOTES = (("2018-11-21", 1200.0), ("2018-11-25", 600.0))
FIT_BEFORE = dt.date(2018, 11, 1)
SCRAP_PER_KW = 60.0  # CNY per kW of copper, aluminium and PSU (assumption, docs/assets.md)
JAN_2018_PRICE_ROW = "2018-01"  # used_asic_prices.csv: an S9 "rose to around 20,000"
#: First day of the price-response fit: the ASIC era, the network all ASICs (docs/assets.md).
RESPONSE_FROM = dt.date(2014, 1, 1)
#: A small Chinese farm's cost of capital in 2018, continuously compounded: ln(1.24) a year,
#: the 24 % ceiling of protected private lending (Supreme People's Court, Fa Shi [2015]
#: No. 18, art. 26; docs/assets.md). An assumption with its source, not fitted.
DISCOUNT_2018 = math.log(1.24)


def _observations(ctx: StoryContext) -> pd.DataFrame:
    with opened(ctx.store) as st:
        obs = st.machine_prices("Antminer S9")
    obs = obs[obs["currency"] == "CNY"].copy()
    dates = pd.to_datetime(obs["date"])
    obs["date"] = dates.where(obs["date_precision"] != "month", dates + pd.Timedelta(days=14))
    return obs[["date", "model", "price"]]


def _price_response(ctx: StoryContext) -> PriceResponse:
    """Difficulty's elasticity to the USD price and its lag, on the store's days before Nov 2018."""
    from hashwinter.data import network_states

    days = pd.date_range(RESPONSE_FROM, FIT_BEFORE - dt.timedelta(days=1), freq="D")
    states = network_states(days.date, store=ctx.store, currency="USD")
    states.index = pd.DatetimeIndex(days)
    return fit_price_response(states, start=RESPONSE_FROM, before=FIT_BEFORE)


def used_section(ctx: StoryContext) -> Section:
    """Valuations of the S9 and M3 through the winter at 0.28 and 0.40; figures of section 2."""
    sec = Section("used", "5. The second-hand S9, and the M3 that became scrap")
    daily = ctx.daily("CNY")[["price", "difficulty", "subsidy", "fees_per_block"]]
    inputs = valuation_inputs(daily.loc[:"2019-03-31"])
    obs = _observations(ctx)
    cat = default_catalog()
    s9, m3 = cat.get("Antminer S9"), cat.get("WhatsMiner M3")
    cal = {t: fit_growth_scale(obs, inputs, cat, ValuationParams(
        tariff=t), fit_before=FIT_BEFORE) for t in (0.28, 0.40)}
    winter = inputs.loc["2018-10-01":"2019-03-31"]
    response = _price_response(ctx)
    banded = fit_break_even(obs, inputs, cat, ValuationParams(
        tariff=0.40, price_elasticity=response.elasticity, price_lag_days=response.lag_days,
        discount_rate_per_year=DISCOUNT_2018), fit_before=FIT_BEFORE)
    # The S9 as docs/assets.md values it (no scrap floor: its value stays above scrap in
    # the halving of 21 -> 25 Nov only at 0.28); the M3 floored at scrap, and without.
    s9_value = {t: market_values([s9], winter, c.params)[0] for t, c in cal.items()}
    m3_floored = market_values([m3], winter, cal[0.40].params.model_copy(
        update={"scrap_value_per_kw": SCRAP_PER_KW}))[0]
    m3_raw = market_values([m3], winter, cal[0.40].params.model_copy(
        update={"scrap_value_per_kw": 0.0}))[0]
    s9_banded = market_values([s9], winter, banded.params)[0]
    m3_banded = market_values([m3], winter, banded.params.model_copy(
        update={"scrap_value_per_kw": 0.0}))[0]
    frame = pd.DataFrame({"date": pd.DatetimeIndex(winter.index).date,
                          "s9_cny_at_040_price_response": s9_banded,
                          "m3_unfloored_cny_at_040_price_response": m3_banded,
                          "s9_cny_at_028": s9_value[0.28], "s9_cny_at_040": s9_value[0.40],
                          "m3_cny_at_040": m3_floored, "m3_unfloored_cny_at_040": m3_raw})
    sec.tables["values"] = frame
    by_day = frame.set_index(pd.DatetimeIndex(frame["date"]))
    s9_040, s9_028 = by_day["s9_cny_at_040"], by_day["s9_cny_at_028"]
    v21, v25 = (float(s9_040[pd.Timestamp(d)]) for d, _ in QUOTES)
    b21, b25 = (float(by_day["s9_cny_at_040_price_response"][pd.Timestamp(d)])
                for d, _ in QUOTES)
    m3_dec = by_day.loc["2018-12-01":"2018-12-31", "m3_unfloored_cny_at_040_price_response"]
    nov = by_day.loc["2018-11-01":"2018-11-30", "s9_cny_at_028"]
    jan_price = float(obs.loc[obs["date"].dt.strftime("%Y-%m") == JAN_2018_PRICE_ROW,
                              "price"].iloc[0])
    loss = float(nov.mean()) / jan_price - 1
    scrap = m3.power / 1000 * SCRAP_PER_KW
    dec = by_day.loc["2018-12-01":"2018-12-31", "m3_unfloored_cny_at_040"]
    sec.paragraphs += [
        "The story: a second-hand S9 was quoted about 1,200 CNY four or five days before "
        "25 November, then 600 as the price neared its shutdown price; those who entered in "
        "January 2018 lost ~90 % of their fixed assets; 20,000+ M3 became \"a pile of scrap "
        "copper and iron\".",
        f"The calibrated valuation (fitted before {FIT_BEFORE}: difficulty relaxes to the "
        f"break-even of an all-in {banded.params.entry_cost_per_kwh:.2f} CNY/kWh in "
        f"{banded.params.relaxation_days:g} days and follows the price with elasticity "
        f"{response.elasticity:.3f} after {response.lag_days:g} days, R2 "
        f"{response.r_squared:.2f} on the BTC history from {RESPONSE_FROM}; discount "
        f"{DISCOUNT_2018:.3f} a year, a 2018 private-lending rate): an S9 at a small farm's "
        f"0.40 CNY/kWh is worth {b21:,.0f} CNY on 21 Nov and {b25:,.0f} on 25 Nov, ratio "
        f"{b25 / b21:.2f} (the quotes: 0.50), {b21 / 1200:.1f}x and {b25 / 600:.1f}x the "
        "quotes: inside the factor 2.5 that issue 11 asks, and halving. The rest of the gap "
        "is a fire sale's spread (docs/assets.md).",
        f"With the trailing projection instead (growth scale fitted on the same quotes: "
        f"{cal[0.40].params.growth_scale:.3f} at 0.40 CNY/kWh, "
        f"{cal[0.28].params.growth_scale:.3f} at 0.28) the S9 at 0.40 is worth {v21:,.0f} and "
        f"{v25:,.0f} CNY, ratio {v25 / v21:.2f}; at Hu's 0.28 "
        f"{float(s9_028[pd.Timestamp('2018-11-21')]):,.0f} and "
        f"{float(s9_028[pd.Timestamp('2018-11-25')]):,.0f}: the 2018 hash race projected on "
        "puts the level far below the quotes.",
        f"An S9 bought in January 2018 for {jan_price:,.0f} CNY (used_asic_prices.csv) is worth "
        f"{nov.mean():,.0f} CNY on average in November 2018 at 0.28: {loss:+.1%}.",
        f"The M3 (12 TH/s, 2,000 W) at 0.40 is worth at most {dec.max():,.0f} CNY through "
        f"December 2018 before the scrap floor of {scrap:,.0f} CNY ({SCRAP_PER_KW:.0f} CNY/kW): "
        "scrap, as the story says — with the trailing projection. With difficulty following "
        f"the price its option on a recovery is worth {m3_dec.min():,.0f}-{m3_dec.max():,.0f} "
        "CNY un-floored through December: above scrap, against the story (BTC did recover "
        "in 2019).",
    ]
    fig = go.Figure()
    for i, (col, name) in enumerate((("s9_cny_at_040_price_response",
                                      "S9 at 0.40, difficulty follows the price"),
                                     ("s9_cny_at_028", "S9, buyer at 0.28 (trailing)"),
                                     ("s9_cny_at_040", "S9, buyer at 0.40 (trailing)"),
                                     ("m3_cny_at_040", "M3 at 0.40 (scrap floor)"))):
        fig.add_trace(go.Scatter(x=by_day.index, y=by_day[col], name=name,
                                 line=dict(color=COLORS[i], width=2)))
    fig.add_trace(go.Scatter(x=[pd.Timestamp(d) for d, _ in QUOTES], y=[q for _, q in QUOTES],
                             mode="markers", name="the story's quotes",
                             marker=dict(color="#111111", size=11, symbol="diamond")))
    sec.figures.append(styled(fig, "Used-machine value against the quotes, CNY per machine",
                              "CNY per machine"))
    src = ("store: btc_daily.csv, usd_cny_daily.csv, used_asic_prices.csv (fit); "
           "assets.fit_break_even, assets.fit_price_response, assets.fit_growth_scale, "
           "assets.market_values")
    sec.measures["s9_used_price_halves"] = Measure(
        b25 / b21, src, "break-even projection with the price response, fitted before "
        f"1 Nov 2018 (trailing projection: {v25 / v21:.2f})")
    sec.measures["entrants_jan_2018_loss"] = Measure(
        loss, src, "value at 0.28 CNY/kWh (the marginal buyer of late 2018, docs/assets.md), "
        "mean of November 2018's daily values; cost: the 2018-01 row, 20,000 CNY")
    sec.sources.append(src)
    return sec
