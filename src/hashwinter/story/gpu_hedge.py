"""Section 6: Jin Xin's GPU farm (the cycle, its gamer exit) and the hedge on 30 coins.

* GPU: issue 14's reference fleet — RX 580 cards (8 per rig) sized to 1 % of Ethereum's
  hashrate on 25 Nov 2018 — through 2018 on the store's ETH history with
  :class:`~hashwinter.farm.gpu_cycle.GpuCyclePolicy` and the card resale model, at
  0.10 USD/kWh (ASSUMPTION: a GPU farm's tariff; at 0.05 the 2018 fall never crosses the
  RX 580's cost line). Built on the engine directly: no shipped farm file holds GPU rigs
  yet (docs/gpu.md, "Not yet").
* Hedge: the story's stylised month (a short of 30 BTC at today's price, zero basis, the
  price 10 % lower a month later; BitMEX-style fees), with :mod:`hashwinter.finance`; then
  examples/lao_luo_hedged.toml (the XBTUSD perpetual with the real November funding)
  against the same farm unhedged.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from hashwinter.reports.html import table_html
from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.farms import run_file
from hashwinter.story.section import Measure, Section

__all__ = ["gpu_hedge_section", "stylised_hedge"]

GPU_TARIFF = 0.10  # USD/kWh, ASSUMPTION (see the module docstring)
NEW_CARD_PRICE = 330.0  # USD, an RX 580 new in 2018 (gpu_prices.csv range; as issue 14's test)
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


def _gpu_run(ctx: StoryContext) -> tuple[int, float, pd.DataFrame]:
    from hashwinter.assets.card_resale import CardResaleModel
    from hashwinter.data.store import opened
    from hashwinter.engine import Clock, Cohorts, EngineSpec, LedgerRecorder, Owners, Treasury, run
    from hashwinter.engine.history import market_from_store
    from hashwinter.farm.gpu_cycle import GpuCyclePolicy
    from hashwinter.hardware import Rig, default_catalog

    with opened(ctx.store) as st:
        chain = st.chain("ETH").set_index("date")
    network = float(chain["hashrate_hs"].to_numpy(np.float64)[
        chain.index == pd.Timestamp("2018-11-25")][0])
    card = default_catalog().get("RX 580")
    rig = Rig(card, cards=8)
    cards = rig.cards_for(0.01 * network, "ethash")
    market = market_from_store(ctx.store, start="2018-01-01", end="2018-12-31", asset="ETH")
    n = market.n_days
    one, zero = np.ones(1), np.zeros(1)
    cohorts = Cohorts(label=("rx580",), model=(card.model,), site=("farm",),
                      hashrate=np.array([card.hashrate]),
                      power=np.array([rig.power("ethash") / rig.cards]),
                      count=np.array([float(cards)]), owner=np.array([0]),
                      start_step=np.array([0]), capex_step=np.array([-1]), unit_price=zero,
                      uptime=one, pue=one, pool_fee=zero, management_fee=zero,
                      hosting_fee=zero, restart_cost=zero)
    owners = Owners(("jin",), np.array([0.0]), np.zeros(1), np.zeros((n, 1)), np.zeros((n, 1)))
    spec = EngineSpec(Clock(market.dates), market, cohorts, owners, np.full((n, 1), GPU_TARIFF))
    policy = GpuCyclePolicy([float(cards)], new_card_price=NEW_CARD_PRICE, card_age_days=365.0,
                            platform_per_card=12.5, resale=CardResaleModel())
    res = run(spec, policy, Treasury(), recorders=[LedgerRecorder()])
    led = res.records[0]
    frame = pd.DataFrame({
        "date": pd.DatetimeIndex(market.dates.astype("datetime64[D]")),
        "eth_usd": market.price[0], "cards_held": np.broadcast_to(led.cohort["installed"],
                                       led.cohort["running"].shape)[:, 0, 0, 0],
        "cards_sold": led.trade("sold")[:, 0, 0, 0],
        "cards_bought": led.trade("bought")[:, 0, 0, 0],
        "sales_usd": led.owner["machine_sales"][:, 0, 0, 0]})
    return cards, network, frame


def gpu_hedge_section(ctx: StoryContext) -> Section:
    """Run the GPU cycle through 2018 (its gamer exit); the stylised and the real November hedge."""
    sec = Section("gpu_hedge", "6. Jin Xin's GPU farm, and the hedge on next month's 30 coins")
    cards, network, gpu = _gpu_run(ctx)
    sec.tables["gpu_daily"] = gpu
    sold = gpu[gpu["cards_sold"] > 0]
    exit_day = sold["date"].iloc[-1] if len(sold) else None
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
        f"1 % of Ethereum's {network / 1e12:,.1f} TH/s on 25 Nov 2018 is {cards:,} RX 580 cards "
        f"(30.2 MH/s each, 8 per rig). Run through 2018 at {GPU_TARIFF:.2f} USD/kWh with the "
        "cycle policy: "
        + (f"the last sale to gamers — the winter exit — is on {exit_day:%d %B %Y}, "
           f"{float(sold['cards_sold'].iloc[-1]):,.0f} cards for "
           f"{float(sold['sales_usd'].iloc[-1]):,.0f} USD (the card resale model's price less "
           "fees; a card has a gamer's floor, an ASIC only scrap)." if exit_day is not None
           else "the cycle never sells in 2018."),
        f"The stylised hedge: 30 BTC at {s0:,.0f} USD (the close of {HEDGE_ENTRY}), zero basis, "
        f"spot {hedge['spot_expiry']:,.0f} a month later: unhedged revenue "
        f"{hedge['revenue_unhedged']:,.0f} USD, hedged {hedge['revenue_hedged']:,.0f} (fees "
        f"only): {hedge['locked']:+.2%} of 30 × the entry price — the month's fiat revenue is "
        "locked.",
    ]
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
        cards * 30.2e6 / network, "store: eth_daily.csv (hashrate 2018-11-25); catalog RX 580; "
        "hardware.Rig.cards_for", "the fleet is sized from the figure (8-card rigs)",
        text=f"{cards:,} RX 580 cards ({cards * 30.2e6 / network:.4f} of the network)")
    sec.measures["hedge_locks_revenue"] = Measure(
        hedge["locked"], "finance.LinearFuture (BitMEX fees), ConstantBasis(0); store close of "
        f"{HEDGE_ENTRY}", "entry at the 2018-11-01 close in USD, 0.075 % taker + 0.05 % "
        "settlement fees")
    sec.sources += ["eth_daily.csv", "gpu_prices.csv", "btc_futures_2018.csv",
                    "examples/lao_luo_hedged.toml"]
    return sec
