"""Section 1: the price path of the winter, the story's marks beside the daily closes.

Prices are the store's daily closes (Coin Metrics ``PriceUSD``) times the ECB's CNY per
USD of the day (the last business day's rate on weekends), as ``hashwinter.data
.network_states`` computes them; BTC and ETH alike.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from hashwinter.story.charts import COLORS, styled
from hashwinter.story.context import StoryContext
from hashwinter.story.section import Measure, Section

__all__ = ["price_section"]

_SOURCE = "btc_daily.csv (Coin Metrics PriceUSD) x usd_cny_daily.csv (ECB), the store"
#: The story's marks as reported (seed section 8), CNY per BTC.
STORY_MARKS: tuple[tuple[str, str, float], ...] = (
    ("2018-11-01", "from a high of 45,000", 45_000.0),
    ("2018-11-25", "25 Nov: near 25,000", 25_000.0),
    ("2018-11-26", "a low of 25,200", 25_200.0),
    ("2018-11-28", "28 Nov: +11 %, back above 30,000", 30_000.0),
)


def _close(series: pd.Series, day: str) -> float:
    return float(series.loc[pd.Timestamp(day)])


def price_section(ctx: StoryContext) -> Section:
    """Price path Oct 2018 – Mar 2019 in CNY, with the story's marks; figures of section 8."""
    btc = ctx.daily("CNY")["price"]
    eth = _eth_cny(ctx)
    winter = btc.loc["2018-10-01":"2019-03-31"]
    nov = btc.loc["2018-11-01":"2018-11-30"]
    start, low_day = _close(btc, "2018-11-01"), nov.idxmin()
    low = float(nov.min())
    rebound = _close(btc, "2018-11-28") / _close(btc, "2018-11-27") - 1
    jan = btc.loc["2018-01-01":"2018-01-31"]
    eth_jan = eth.loc["2018-01-01":"2018-01-31"]
    sec = Section("prices", "1. The price path of the winter")
    sec.paragraphs += [
        "The story: from 45,000 CNY in November down to 25,200 (−40 %); on 25 November near "
        "25,000; on 28 November +11 % in a day, \"back above 30,000\".",
        f"The daily closes: {start:,.0f} CNY on 1 Nov; the lowest November close "
        f"{low:,.0f} on {low_day:%d %b} ({low / start - 1:+.1%}); 25 Nov "
        f"{_close(btc, '2018-11-25'):,.0f}; 28 Nov {rebound:+.1%} to "
        f"{_close(btc, '2018-11-28'):,.0f} (a close just under 30,000: the story's \"above\" "
        "was intraday). The January 2018 peak close: "
        f"{float(jan.max()):,.0f} CNY on {jan.idxmax():%d %b} (the story: ~120,000, an intraday "
        f"figure); ETH {float(eth_jan.max()):,.0f} CNY on {eth_jan.idxmax():%d %b}.",
    ]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=winter.index, y=winter.to_numpy(), name="daily close (CNY)",
                             line=dict(color="#111111", width=2)))
    fig.add_trace(go.Scatter(
        x=[pd.Timestamp(d) for d, _, _ in STORY_MARKS], y=[v for _, _, v in STORY_MARKS],
        mode="markers+text", text=[t for _, t, _ in STORY_MARKS],
        textposition=["top right", "bottom left", "bottom right", "top right"],
        name="the story's marks", marker=dict(color=COLORS[5], size=10, symbol="diamond")))
    sec.figures.append(styled(fig, "BTC in CNY, Oct 2018 – Mar 2019: closes and the story's "
                              "marks", "CNY per BTC"))
    # The table spans the January 2018 peak too: the figures of both are read from it.
    table = btc.loc["2017-12-01":"2019-03-31"]
    sec.tables["daily"] = pd.DataFrame({
        "date": pd.DatetimeIndex(table.index).date, "btc_cny": table.to_numpy(),
        "btc_usd": ctx.daily("CNY")["price_usd"].loc[table.index].to_numpy(),
        "eth_cny": eth.reindex(table.index).to_numpy()})
    sec.sources.append(_SOURCE)
    src = f"{_SOURCE}; hashwinter.data.network_states"
    sec.measures.update({
        "btc_peak_jan_2018": Measure(float(jan.max()), src,
                                     f"highest close of January 2018 ({jan.idxmax():%d %b})"),
        "btc_nov_start": Measure(start, src),
        "btc_nov_low": Measure(low, src, f"the lowest close is on {low_day:%d %b}"),
        "btc_nov_fall": Measure(low / start - 1, src),
        "btc_nov25_near_25k": Measure(_close(btc, "2018-11-25"), src),
        "btc_nov28_rebound": Measure(rebound, src),
        "eth_peak_jan_2018": Measure(float(eth_jan.max()), src.replace("btc_daily", "eth_daily"),
                                     f"highest close of January 2018 ({eth_jan.idxmax():%d %b})"),
    })
    return sec


def _eth_cny(ctx: StoryContext) -> pd.Series:
    from hashwinter.data import network_states

    days = ctx.daily("CNY").index
    states = network_states(pd.DatetimeIndex(days).date, store=ctx.store, currency="CNY",
                            asset="ETH")
    return pd.Series(states["price"].to_numpy(), index=days)
