"""Section 6: Jin Xin's GPU farm (the cycle, its gamer exit) and the hedge on 30 coins.

* GPU: examples/jin_xin_gpu.toml — 63,849 RX 580 cards on 8-card rigs, 1 % of Ethereum's
  hashrate on 25 Nov 2018, 0.09 USD/kWh, the ``gpu_cycle`` policy with the card resale
  model — through 2018 on the store's ETH history, with its three legs (the cycle, the
  same rigs held, an ASIC farm of the same capital; :func:`hashwinter.farm.gpu_report
  .gpu_legs`, the resale sensitivity left out).
* Hedge: the story's stylised month (a short of 30 BTC at today's price, zero basis, the
  price 10 % lower a month later; BitMEX-style fees), with :mod:`hashwinter.finance`; then
  examples/lao_luo_hedged.toml (the XBTUSD perpetual with the real November funding)
  against the same farm unhedged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hashwinter.data.store import opened
from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.farms import run_file
from hashwinter.story.section import Measure, Section

__all__ = ["gpu_hedge_section", "stylised_hedge"]

GPU_FILE = "jin_xin_gpu.toml"
HEDGE_COINS = 30.0
HEDGE_ENTRY, HEDGE_EXPIRY = dt.date(2018, 11, 1), dt.date(2018, 12, 1)


def stylised_hedge(s0: float, fall: float = 0.10, coins: float = HEDGE_COINS) -> dict[str, float]:
    """Hedge the story's month: short ``coins`` at ``s0``; spot is ``(1 - fall) s0`` at expiry.

    Zero basis (the futures price is spot), a linear future's taker fee at entry and
    settlement fee at expiry. Returns the revenues [USD] and hedged / (coins x s0) − 1.
    """
    from hashwinter.finance import ConstantBasis, LinearFuture, futures_prices

    future = LinearFuture(expiry=HEDGE_EXPIRY)
    days = future.days_to_expiry(HEDGE_ENTRY)
    entry = float(futures_prices(s0, days, ConstantBasis(0.0)))
    s1 = (1 - fall) * s0
    entry_fee = float(future.fee(-coins, entry))
    settlement = float(future.settlement(-coins, entry, s1))
    hedged = coins * s1 + settlement - entry_fee
    return {"spot_entry": s0, "spot_expiry": s1, "entry_fee": entry_fee,
            "settlement": settlement, "revenue_hedged": hedged, "revenue_unhedged": coins * s1,
            "locked": hedged / (coins * entry) - 1}


def _gpu_legs(ctx: StoryContext) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Jin Xin's file through 2018: the three legs, their P&Ls and facts (farm.gpu_report)."""
    from hashwinter.farm import backtest_from_store, load_farm
    from hashwinter.farm.gpu_report import facts_table, gpu_legs, pnl_table

    farm = load_farm(ctx.example(GPU_FILE))
    legs = gpu_legs(farm, lambda f: backtest_from_store(f, ctx.store), sensitivity=())
    return legs, pnl_table(legs), facts_table(legs)


def gpu_hedge_section(ctx: StoryContext) -> Section:
    """Run the GPU cycle through 2018 (its gamer exit); the stylised and the real November hedge."""
    sec = Section("gpu_hedge", "6. Jin Xin's GPU farm, and the hedge on next month's 30 coins")
    legs, pnl, facts = _gpu_legs(ctx)
    c = legs.cycle.cohorts
    gpu = c.groupby("date", sort=True).agg(
        eth_usd=("price_usd_per_eth", "first"), cards_held=("installed_machines", "sum"),
        cards_sold=("machines_sold", "sum"), cards_bought=("machines_bought", "sum"),
        sales_usd=("machine_sales_usd", "sum")).reset_index()
    gpu["date"] = pd.to_datetime(gpu["date"])
    sec.tables["gpu_daily"] = gpu
    sec.tables["gpu_pnl"] = pnl
    sec.tables["gpu_facts"] = facts
    sold = gpu[gpu["cards_sold"] >= 0.5 * legs.cards]  # the exits: the whole fleet to gamers
    exit_day = sold["date"].iloc[0] if len(sold) else None
    with opened(ctx.store) as st:
        chain = st.chain("ETH").set_index("date")
    network = float(chain["hashrate_hs"].to_numpy(np.float64)[
        chain.index == pd.Timestamp("2018-11-25")][0])
    rate = float(legs.cycle.farm_run.spec.cohorts.hashrate[0])
    cards = int(legs.cards)
    s0 = float(ctx.daily("USD")["price"].loc[pd.Timestamp(HEDGE_ENTRY)])
    hedge = stylised_hedge(s0)
    sec.tables["hedge_stylised"] = pd.DataFrame([hedge])
    hedged_farm = run_file(ctx.example("lao_luo_hedged.toml"), ctx.store)
    report = hedged_farm.hedge
    sec.paragraphs += [
        "The story: Jin Xin buys second-hand GPU rigs, runs them while the coin covers costs, "
        "and at the cost line sells the cards to gamers; his farm holds ~1 % of Ethereum's "
        "hashrate. A hedging miner: \"I will produce 30 coins next month; the price may fall "
        "10 %; so I short 30 coins today for delivery in a month\".",
        f"examples/jin_xin_gpu.toml: {cards:,} RX 580 cards ({rate / 1e6:.1f} MH/s each, 8 per "
        f"rig), {cards * rate / network:.2%} of Ethereum's {network / 1e12:,.1f} TH/s on "
        "25 Nov 2018, through 2018 with the cycle policy: "
        + (f"the winter exit — the whole fleet sold to gamers — is on {exit_day:%d %B %Y}, "
           f"{float(sold['cards_sold'].iloc[0]):,.0f} cards for "
           f"{float(sold['sales_usd'].iloc[0]):,.0f} USD (the card resale model's price less "
           "fees: a card has a gamer's floor, an ASIC only scrap)." if exit_day is not None
           else "the cycle never exits to gamers in 2018.")
        + " The year's P&L of the cycle against the same rigs held and an ASIC farm of the "
        "same capital (farm.gpu_report) is tabled below.",
        f"The stylised hedge: 30 BTC at {s0:,.0f} USD (the close of {HEDGE_ENTRY}), zero basis, "
        f"spot {hedge['spot_expiry']:,.0f} a month later: unhedged revenue "
        f"{hedge['revenue_unhedged']:,.0f} USD, hedged {hedge['revenue_hedged']:,.0f} (fees "
        f"only): {hedge['locked']:+.2%} of 30 × the entry price — the month's fiat revenue is "
        "locked.",
    ]
    sec.html.append(table_html(["figure", "cycle", "hold", "asic"], [
        (r["figure"].replace("_", " "), *(f"{r[k]:,.0f}" for k in ("cycle", "hold", "asic")))
        for r in pnl.to_dict("records")]))
    if report is not None:
        m = report.monthly
        sec.paragraphs.append(
            "Lao Luo's farm hedged monthly on the XBTUSD perpetual with the real funding "
            "(examples/lao_luo_hedged.toml): equity at the end "
            f"{report.equity_hedged:,.0f} CNY hedged against {report.equity_unhedged:,.0f} "
            "unhedged.")
        sec.tables["hedge_monthly"] = m
        cols = [c for c in m.columns if c.startswith(("revenue_hedged", "revenue_unhedged",
                                                      "hedge_gain", "funding_paid"))]
        sec.html.append(table_html(["month", *cols], [
            (r["month"], *(f"{r[c]:,.0f}" for c in cols)) for r in m.to_dict("records")]))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=gpu["date"], y=gpu["eth_usd"], name="ETH, USD",
                             line=dict(color="#111111", width=2)))
    for col, name, color in (("cards_sold", "cards sold (right)", COLORS[5]),
                             ("cards_bought", "cards bought (right)", COLORS[2])):
        fig.add_trace(go.Bar(x=gpu["date"], y=gpu[col], name=name, marker_color=color,
                             yaxis="y2"))
    styled(fig, "Jin Xin's cycle through 2018: ETH price and the cards traded", "USD per ETH")
    fig.update_layout(yaxis2=dict(overlaying="y", side="right", title="cards",
                                  showgrid=False))
    sec.figures.append(fig)
    sec.measures["jin_xin_one_percent"] = Measure(
        cards * rate / network, "examples/jin_xin_gpu.toml (fleet); store: eth_daily.csv "
        "(hashrate 2018-11-25); catalog RX 580", "the file's fleet, sized from the figure",
        text=f"{cards:,} RX 580 cards ({cards * rate / network:.4f} of the network)")
    sec.measures["hedge_locks_revenue"] = Measure(
        hedge["locked"], "finance.LinearFuture (BitMEX fees), ConstantBasis(0); store close of "
        f"{HEDGE_ENTRY}", "entry at the 2018-11-01 close in USD, 0.075 % taker + 0.05 % "
        "settlement fees")
    sec.sources += ["examples/jin_xin_gpu.toml", "eth_daily.csv", "btc_futures_2018.csv",
                    "examples/lao_luo_hedged.toml"]
    return sec
