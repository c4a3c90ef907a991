"""Charts of a farm backtest (plotly figures built from the daily ledgers).

* coin price against each cohort's shutdown price,
* daily operating margin per cohort (stacked: the farm's total is the bar's top),
* cash, coins held and equity,
* share of each cohort's machines unplugged, day by day,
* cumulative revenue against cumulative costs.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = [
    "COHORT_COLORS",
    "balances_chart",
    "cumulative_chart",
    "hedge_chart",
    "margin_chart",
    "shutdown_chart",
    "unplugged_chart",
]

#: One color per cohort, in order (colour-blind-safe Okabe–Ito palette).
COHORT_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#F0E442", "#999999")
_LAYOUT = dict(template="plotly_white", height=440, margin=dict(l=70, r=30, t=50, b=40),
               legend=dict(orientation="h", yanchor="top", y=-0.12, x=0, font=dict(size=11)),
               hovermode="x unified", font=dict(family="Helvetica, Arial, sans-serif", size=13))


def _color(i: int) -> str:
    return COHORT_COLORS[i % len(COHORT_COLORS)]


def _cohorts(cohorts: pd.DataFrame) -> list[tuple[int, str, pd.DataFrame]]:
    return [(i, str(label), g) for i, (label, g) in
            enumerate(cohorts.groupby("cohort", sort=False))]


def shutdown_chart(cohorts: pd.DataFrame, currency: str, coin: str) -> go.Figure:
    """Coin price against each cohort's shutdown price (dashed), per day."""
    ccy, k = currency.lower(), coin.lower()
    fig = go.Figure()
    for i, label, g in _cohorts(cohorts):
        owned = g[g["installed_machines"] > 0]
        fig.add_trace(go.Scatter(
            x=owned["date"], y=owned[f"shutdown_price_{ccy}_per_{k}"], name=f"shutdown: {label}",
            mode="lines", line=dict(color=_color(i), width=2, dash="dash")))
    first = cohorts.drop_duplicates("date")
    fig.add_trace(go.Scatter(x=first["date"], y=first[f"price_{ccy}_per_{k}"],
                             name=f"{coin} price", mode="lines",
                             line=dict(color="#111111", width=3)))
    fig.update_layout(title=f"{coin} price against each cohort's shutdown price", **_LAYOUT)
    fig.update_yaxes(title=f"{currency} per {coin}", rangemode="tozero", tickformat=",.0f")
    return fig


def margin_chart(cohorts: pd.DataFrame, currency: str) -> go.Figure:
    """Daily operating margin (revenue − power, fees, restarts) per cohort, stacked."""
    ccy = currency.lower()
    fig = go.Figure()
    for i, label, g in _cohorts(cohorts):
        fig.add_trace(go.Bar(x=g["date"], y=g[f"margin_{ccy}"], name=label,
                             marker_color=_color(i)))
    fig.add_hline(y=0, line=dict(color="#111111", width=1))
    fig.update_layout(title="Daily operating margin per cohort", barmode="relative", **_LAYOUT)
    fig.update_yaxes(title=f"{currency} per day", tickformat=",.0f")
    return fig


def balances_chart(treasury: pd.DataFrame, currency: str, coin: str) -> go.Figure:
    """Cash (left axis), coins held (right axis) and equity, with the day the farm went broke.

    With several owners the farm file's balances are drawn (the owners' sums; broke: any).
    """
    ccy, k = currency.lower(), coin.lower()
    if "owner" in treasury and treasury["owner"].nunique() > 1:
        treasury = treasury.groupby("date", as_index=False).agg({
            f"cash_{ccy}": "sum", f"coins_{k}": "sum", f"price_{ccy}_per_{k}": "first",
            "broke": "any"})
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    equity = treasury[f"cash_{ccy}"] + treasury[f"coins_{k}"] * treasury[f"price_{ccy}_per_{k}"]
    fig.add_trace(go.Scatter(x=treasury["date"], y=treasury[f"cash_{ccy}"], name="cash",
                             line=dict(color="#0072B2", width=3)), secondary_y=False)
    fig.add_trace(go.Scatter(x=treasury["date"], y=equity, name="equity (cash + coins)",
                             line=dict(color="#009E73", width=2, dash="dot")), secondary_y=False)
    holds_coins = bool((treasury[f"coins_{k}"] > 0).any())
    if holds_coins:  # a farm that sells every coin gets no empty coin axis
        fig.add_trace(go.Scatter(x=treasury["date"], y=treasury[f"coins_{k}"],
                                 name=f"coins held [{coin}]", line=dict(color="#E69F00", width=2),
                                 fill="tozeroy", fillcolor="rgba(230,159,0,0.12)"),
                      secondary_y=True)
    broke = treasury.loc[treasury["broke"], "date"]
    if len(broke):
        day = pd.Timestamp(broke.iloc[0])
        fig.add_vline(x=day, line=dict(color="#D55E00", width=2, dash="dash"))
        fig.add_annotation(x=day, y=1, yref="paper", text=f"broke on {day.date()}",
                           showarrow=False, font=dict(color="#D55E00"), xanchor="left")
    fig.update_layout(title="Cash and coin balances", **_LAYOUT)
    fig.update_yaxes(title_text=currency, tickformat=",.0f", secondary_y=False)
    fig.update_yaxes(title_text=coin if holds_coins else "", secondary_y=True,
                     rangemode="tozero", showgrid=False, visible=holds_coins)
    return fig


def unplugged_chart(cohorts: pd.DataFrame) -> go.Figure:
    """Share of each cohort's installed machines unplugged, per day (a heat strip)."""
    frame = cohorts.assign(
        share=(cohorts["unplugged_machines"] / cohorts["installed_machines"].where(
            cohorts["installed_machines"] > 0)) * 100)
    table = frame.pivot_table(index="cohort", columns="date", values="share", sort=False,
                              dropna=False)
    days = frame.groupby("cohort", sort=False)["share"].sum() / 100
    labels = [f"{c}  ({days[c]:.0f} days off)" for c in table.index]
    fig = go.Figure(go.Heatmap(
        z=table.to_numpy(), x=table.columns, y=labels, zmin=0, zmax=100,
        colorscale=[[0, "#e8f4ea"], [0.001, "#fde0c5"], [1, "#D55E00"]],
        colorbar=dict(title="% off", ticksuffix="%"), hoverongaps=False,
        hovertemplate="%{y}<br>%{x|%Y-%m-%d}: %{z:.0f}% unplugged<extra></extra>"))
    fig.update_layout(title="Machines unplugged (share of each cohort, by day)",
                      **{**_LAYOUT, "height": 160 + 60 * len(labels), "hovermode": "closest"})
    fig.update_yaxes(autorange="reversed")
    return fig


def cumulative_chart(cohorts: pd.DataFrame, treasury: pd.DataFrame, currency: str) -> go.Figure:
    """Cumulative revenue against cumulative power cost and all cash costs."""
    ccy = currency.lower()
    daily = cohorts.groupby("date", sort=True)[[f"revenue_{ccy}", f"power_cost_{ccy}"]].sum()
    other = treasury.set_index("date")
    costs = (other[f"operating_cost_{ccy}"] + other[f"fixed_costs_{ccy}"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=daily.index, y=daily[f"revenue_{ccy}"].cumsum(), name="revenue",
                             line=dict(color="#009E73", width=3)))
    fig.add_trace(go.Scatter(x=daily.index, y=daily[f"power_cost_{ccy}"].cumsum(),
                             name="power cost", line=dict(color="#D55E00", width=2)))
    fig.add_trace(go.Scatter(x=costs.index, y=costs.cumsum(),
                             name="power, fees and fixed costs",
                             line=dict(color="#CC79A7", width=2, dash="dash")))
    fig.update_layout(title="Cumulative revenue and costs", **_LAYOUT)
    fig.update_yaxes(title=currency, tickformat=",.0f", rangemode="tozero")
    return fig


def hedge_chart(daily: pd.DataFrame, monthly: pd.DataFrame, currency: str) -> go.Figure:
    """Fiat revenue per month hedged and unhedged (bars), and the margin posted each day."""
    ccy = currency.lower()
    months = monthly.groupby("month", sort=True).sum(numeric_only=True)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        f"Fiat revenue per month [{currency}]", f"Margin posted [{currency}]"))
    fig.add_trace(go.Bar(x=months.index, y=months[f"revenue_unhedged_{ccy}"], name="unhedged",
                         marker_color=COHORT_COLORS[1]), row=1, col=1)
    fig.add_trace(go.Bar(x=months.index, y=months[f"revenue_hedged_{ccy}"], name="hedged",
                         marker_color=COHORT_COLORS[0]), row=1, col=1)
    margin = daily.groupby("date", sort=True)[f"margin_{ccy}"].sum()
    fig.add_trace(go.Scatter(x=margin.index, y=margin.to_numpy(), name="margin posted",
                             line=dict(color=COHORT_COLORS[2])), row=1, col=2)
    fig.update_layout(**_LAYOUT, barmode="group", title="Hedged vs unhedged")
    return fig
