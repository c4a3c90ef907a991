"""Section 3: Lao Luo's 2,000 A741s: mined, earned, paid; the day he unplugs; his choices.

His three choices (sell, store, relocate) run side by side.

Farm files: examples/lao_luo_a741.toml (0.40 CNY/kWh, PUE 1.05, 2 % pool fee), and its legs
lao_luo_sold.toml and lao_luo_stored.toml. Variants made here, all from lao_luo_a741.toml:

* *running every day 1 Nov – 15 Dec 2018* (figures.csv's period): policy ``always_on``;
* *the day he unplugs*: the file as shipped (policy ``shutdown_price``, off below −20 %);
* *run on* (the baseline of the choices): ``always_on`` from 25 Nov 2018 to the end of 2019;
* *relocate*: the Huocheng border farm (examples/sites/border_huocheng.toml, 0.15 CNY/kWh,
  30 CNY and 4 days a machine to move) by a ``follow_plan`` move of all 2,000 on
  1 Dec 2018; the story does not say where he would go, this is the cheapest site shipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.farms import daily_totals, farm_doc, leg_row, run_doc, run_file
from hashwinter.story.section import Measure, Section

__all__ = ["PERIOD", "lao_luo_section"]

#: figures.csv's period for the 25 BTC (fixed there in advance).
PERIOD = ("2018-11-01", "2018-12-15")
LEGS_FROM, LEGS_TO = "2018-11-25", "2019-12-31"
MOVE_MONTH = "2018-12-01"
_FLEET_LABEL = "A741"


def _always_on(doc: dict, start: str, end: str) -> dict:
    return {**doc, "start": start, "end": end, "policy": {"kind": "always_on"}}


def _relocate(doc: dict, ctx: StoryContext, work: Path) -> dict:
    sites = ctx.example("sites/border_huocheng.toml")
    moves = work / "lao_luo_relocate_moves.csv"
    moves.write_text("cohort,from_site,to_site,month,count\n"
                     f"{_FLEET_LABEL},small farm,Huocheng border farm,{MOVE_MONTH},2000\n",
                     encoding="utf-8")
    fleet = [{**doc["fleet"][0], "label": _FLEET_LABEL}]
    return {**doc, "start": LEGS_FROM, "end": LEGS_TO, "fleet": fleet,
            "policies": [{"kind": "follow_plan", "moves": str(moves), "sites": str(sites),
                          "follow": 1.0}]}


def lao_luo_section(ctx: StoryContext, work: Path) -> Section:
    """Lao Luo's fleet through the winter and his choices; figures lao_luo_* and xinjiang."""
    path = ctx.example("lao_luo_a741.toml")
    doc = farm_doc(path)
    sec = Section("lao_luo", "3. Lao Luo's 2,000 AvalonMiner 741")
    period = run_doc(_always_on(doc, *PERIOD), ctx.store, str(path))
    s = period.summary
    ratio = s.power_cost / s.revenue
    # The story's other Xinjiang miner: 2,000 S9 (the common machine) at Xinjiang's 0.28.
    xj = _always_on(doc, *PERIOD)
    xj["fleet"] = [{**doc["fleet"][0], "model": "Antminer S9"}]
    xj["sites"] = [{**doc["sites"][0], "tariff": {"kind": "flat", "price": 0.28,
                                                  "currency": "CNY", "name": "Xinjiang"}}]
    xinjiang = run_doc(xj, ctx.store, str(path)).summary
    shipped = run_file(path, ctx.store)
    days = daily_totals(shipped)
    off = days.index[days["unplugged"] > 0]
    unplug = off[0] if len(off) else None
    legs = {
        "run on (always on)": run_doc(_always_on(doc, LEGS_FROM, LEGS_TO), ctx.store, str(path)),
        "sell (25 Nov 2018)": run_file(ctx.example("lao_luo_sold.toml"), ctx.store),
        "store until recovery": run_file(ctx.example("lao_luo_stored.toml"), ctx.store),
        "relocate to Huocheng (1 Dec 2018)": run_doc(_relocate(doc, ctx, work), ctx.store,
                                                   str(path)),
    }
    table = pd.DataFrame([leg_row(name, r) for name, r in legs.items()])
    sec.tables["legs"] = table
    sec.tables["daily_shipped"] = days.reset_index(names="date")
    sec.tables["period"] = daily_totals(period).reset_index(names="date")
    sec.paragraphs += [
        "The story: 2,000 Avalon A741 mined 25 BTC over the period, revenue 500,000+ CNY, "
        "electricity 600,000 CNY; he unplugged, and hesitates between liquidation and "
        "relocation.",
        f"Running every day from {PERIOD[0]} to {PERIOD[1]} (lao_luo_a741.toml, always on): "
        f"{s.coins_mined:.1f} BTC after the 2 % pool fee, revenue {s.revenue:,.0f} CNY at each "
        f"day's close, power {s.power_cost:,.0f} CNY at 0.40 CNY/kWh (PUE 1.05): power / revenue "
        f"= {ratio:.2f}. The revenue and power the story prints are smaller in absolute terms "
        "(a shorter period), but the sign is the same: power exceeds revenue.",
        ("With the farm file's rule (unplug when the margin falls 20 % under the shutdown "
         f"price) the machines first go off on {unplug:%d %B %Y}." if unplug is not None else
         "With the farm file's rule the machines never go off in its window."),
        f"His choices from {LEGS_FROM} to {LEGS_TO}, each a farm file (the relocation a "
        "variant written here: a follow_plan move to the Huocheng border farm at 0.15 CNY/kWh "
        f"on {MOVE_MONTH}, 30 CNY and 4 days a machine; the border farm's inspection risks "
        "are the planner's, not the backtest's). Equity at the end is cash + coins held.",
    ]
    sec.html.append(table_html(
        ("choice", "from", "to", "BTC mined", "revenue", "power", "operating margin",
         "machine sales", "cash at end", "broke"),
        [(r["leg"], r["from"], r["to"], f"{r['coins_mined']:.1f}", f"{r['revenue']:,.0f}",
          f"{r['power_cost']:,.0f}", f"{r['operating_margin']:+,.0f}",
          f"{r['machine_sales']:,.0f}", f"{r['cash_end']:,.0f}", r["broke"] or "—")
         for r in table.to_dict("records")]))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    pd_ = daily_totals(period)
    fig.add_trace(go.Scatter(x=pd_.index, y=pd_["revenue"].cumsum(), name="revenue (cum.)",
                             line=dict(color=COLORS[2], width=3)))
    fig.add_trace(go.Scatter(x=pd_.index, y=pd_["power_cost"].cumsum(), name="power (cum.)",
                             line=dict(color=COLORS[5], width=3)))
    fig.add_trace(go.Scatter(x=pd_.index, y=pd_["coins"].cumsum(), name="BTC mined (cum.)",
                             line=dict(color=COLORS[1], dash="dot")), secondary_y=True)
    styled(fig, f"2,000 A741 running every day, {PERIOD[0]} – {PERIOD[1]}", "CNY")
    fig.update_yaxes(title_text="BTC", secondary_y=True, showgrid=False, rangemode="tozero")
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    sec.figures.append(fig)
    eq = go.Figure()
    for i, (name, r) in enumerate(legs.items()):
        t = r.treasury.groupby("date").agg({"cash_cny": "sum", "coins_btc": "sum",
                                            "price_cny_per_btc": "first"})
        eq.add_trace(go.Scatter(x=t.index, y=t["cash_cny"] + t["coins_btc"]
                                * t["price_cny_per_btc"], name=name,
                                line=dict(color=COLORS[i], width=2)))
    sec.figures.append(styled(eq, "Lao Luo's choices: cash + coins, CNY", "CNY"))
    src = ("examples/lao_luo_a741.toml (policy always_on, 2018-11-01..2018-12-15); store "
           "(btc_daily.csv, usd_cny_daily.csv); farm.backtest_from_store")
    sec.measures["lao_luo_coins"] = Measure(s.coins_mined, src,
                                            "coins after the 2 % pool fee (what he was paid)")
    sec.measures["lao_luo_power_over_revenue"] = Measure(
        ratio, src, "power at the farm file's PUE 1.05 (0.40 CNY/kWh at the meter)")
    sec.measures["xinjiang_2000_machines"] = Measure(
        xinjiang.power_cost / xinjiang.revenue, src.replace("always_on", "always_on, S9 at 0.28"),
        "2,000 Antminer S9 at 0.28 CNY/kWh over the same period (the story names no model)",
        text=f"{xinjiang.power_cost / xinjiang.revenue:.2f} ({xinjiang.coins_mined:.1f} BTC, "
             f"revenue {xinjiang.revenue / 1e6:.2f} M CNY)")
    sec.sources += [str(path), "examples/lao_luo_sold.toml", "examples/lao_luo_stored.toml",
                    "examples/sites/border_huocheng.toml"]
    return sec
