"""Section 4: Hu Haifeng's Shihezi farm, the payback of a 600-CNY S9, Shihezi's power.

40,000 slots at 0.28, the 20 M CNY substation, the 10,000 machines just arrived, the
three-month payback of a 600-CNY S9, and the farm through the winter into 2019; with the
story's Shihezi-wide figures (energy, Bitmain's power bill).

Farm files: examples/shihezi_hu_haifeng.toml (the substation as site capex, the 10,000
second-hand S9s bought on 26 Nov 2018), run 1 Nov 2018 – 31 Mar 2019 instead of its
two-month window; examples/hu_haifeng_buys.toml (Hu's rule: buy second-hand S9s at 600 CNY
while they pay back within 110 days).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from hashwinter.economics.costs import energy_per_day
from hashwinter.economics.payback import payback_days
from hashwinter.hardware import default_catalog
from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.f2pool import shutdown_rows
from hashwinter.story.farms import daily_totals, leg_row, run_file
from hashwinter.story.section import Measure, Section

__all__ = ["shihezi_section"]

HU_PRICE = 600.0  # CNY, "a few hundred yuan": the lowest second-hand quote
WINTER = ("2018-11-01", "2019-03-31")
#: A month of the story (November 2018) [h]; Shihezi's machines and Bitmain's farm.
MONTH_HOURS = 30 * 24
SHIHEZI_MACHINES, BITMAIN_MACHINES = 500_000, 50_000


def shihezi_section(ctx: StoryContext) -> Section:
    """Payback, the farm through the winter, Hu's buying rule; Shihezi's energy and bills."""
    sec = Section("shihezi", "4. Hu Haifeng's Shihezi farm")
    row = shutdown_rows(ctx, dt.date(2018, 11, 25))
    s9 = row[(row["model"] == "Antminer S9") & (row["tariff"] == 0.28)].iloc[0]
    payback = float(payback_days(HU_PRICE, s9["revenue_per_day"], s9["power_cost_per_day"]))
    farm_path = ctx.example("shihezi_hu_haifeng.toml")
    farm = run_file(farm_path, ctx.store, *WINTER)
    buys = run_file(ctx.example("hu_haifeng_buys.toml"), ctx.store)
    days = daily_totals(farm)
    bought = buys.cohorts.groupby("date")["machines_bought"].sum()
    bought.index = pd.DatetimeIndex(bought.index)
    s9m = default_catalog().get("Antminer S9")
    kwh_day = float(energy_per_day(s9m.power))  # PUE 1 (figures.csv)
    energy = SHIHEZI_MACHINES * kwh_day / 24 * MONTH_HOURS
    bills = [BITMAIN_MACHINES * kwh_day / 24 * MONTH_HOURS * t for t in (0.28, 0.40)]
    sec.tables["farm_daily"] = days.reset_index(names="date")
    sec.tables["buys_daily"] = pd.DataFrame({"date": bought.index.date,
                                             "machines_bought": bought.to_numpy()})
    legs = pd.DataFrame([leg_row("Shihezi farm (shihezi_hu_haifeng.toml)", farm),
                         leg_row("Hu's buying rule (hu_haifeng_buys.toml)", buys)])
    sec.tables["summary"] = legs
    s = farm.summary
    sec.paragraphs += [
        "The story: a converted ceramics plant with 40,000 slots at 0.28 CNY/kWh, a substation "
        "(two transformers) built for 20 M CNY+, 10,000 new machines being unpacked; \"an S9 "
        "bought second-hand for a few hundred yuan pays back in three months at today's price\".",
        f"Payback of an S9 bought for {HU_PRICE:.0f} CNY on 25 Nov 2018 at 0.28 CNY/kWh: "
        f"revenue {s9['revenue_per_day']:.2f} CNY/day, power {s9['power_cost_per_day']:.2f} "
        f"→ {payback:.0f} days (economics.payback_days, no difficulty growth): about four "
        "months on the day's close, three at the 28 November rebound.",
        f"The farm file through the winter ({WINTER[0]} – {WINTER[1]}): {s.coins_mined:,.0f} "
        f"BTC, revenue {s.revenue / 1e6:,.1f} M CNY, power {s.power_cost / 1e6:,.1f} M, "
        f"operating margin {s.operating_margin / 1e6:+,.1f} M CNY; the substation's 20 M CNY "
        f"is site capex depreciated over 10 years; net profit {s.net_profit / 1e6:+,.1f} M CNY "
        "after depreciation. Hu's buying rule (hu_haifeng_buys.toml) buys "
        f"{bought.sum():,.0f} second-hand S9s from {bought[bought > 0].index.min():%d %b %Y}."
        if bought.sum() > 0 else "Hu's buying rule buys nothing in its window.",
        f"Shihezi at its peak: {SHIHEZI_MACHINES:,} S9-class machines × {s9m.power:,.0f} W × "
        f"{MONTH_HOURS} h = {energy / 1e6:,.0f} M kWh a month (the story: ~500 M). Bitmain's own "
        f"{BITMAIN_MACHINES:,}-machine farm: {bills[0] / 1e6:.1f} – {bills[1] / 1e6:.1f} M CNY "
        "of power a month at 0.28 – 0.40 CNY/kWh (\"tens of millions\").",
    ]
    sec.html.append(table_html(
        ("run", "from", "to", "BTC mined", "revenue", "power", "operating margin", "cash at end"),
        [(r["leg"], r["from"], r["to"], f"{r['coins_mined']:,.0f}", f"{r['revenue']:,.0f}",
          f"{r['power_cost']:,.0f}", f"{r['operating_margin']:+,.0f}", f"{r['cash_end']:,.0f}")
         for r in legs.to_dict("records")]))
    fig = go.Figure()
    fig.add_trace(go.Bar(x=days.index, y=days["revenue"] - days["power_cost"],
                         name="revenue − power, CNY/day", marker_color=COLORS[0]))
    fig.add_trace(go.Scatter(x=days.index, y=days["installed"] - days["unplugged"],
                             name="machines running", yaxis="y2",
                             line=dict(color=COLORS[1], width=2)))
    styled(fig, "Shihezi through the winter: daily margin over power, machines running",
           "CNY per day")
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", title="machines",
                                  showgrid=False, rangemode="tozero"))
    sec.figures.append(fig)
    src_state = "store state of 2018-11-25; asic_miners catalog (S9 13.5 TH/s, 1,323 W)"
    sec.measures["hu_payback_months"] = Measure(
        payback, f"{src_state}; economics.payback_days", "pool fee 2 %, PUE 1, the day's close")
    sec.measures["shihezi_energy"] = Measure(
        energy, "asic_miners catalog (S9 1,323 W); economics.energy_per_day",
        f"a 30-day month (November), {MONTH_HOURS} h")
    sec.measures["bitmain_farm_power_bill"] = Measure(
        bills[0], "asic_miners catalog (S9 1,323 W); economics.energy_per_day",
        "graded at both ends of the tariff band, a 30-day month", extra=(bills[1],),
        text=f"{bills[0]:,.0f} – {bills[1]:,.0f}")
    sec.sources += [str(farm_path), "examples/hu_haifeng_buys.toml"]
    return sec
