"""The charts of a finished job, as plotly figures (JSON) for the pages.

A backtest gets the charts of its HTML report (:mod:`hashwinter.reports.backtest_charts`,
from the ledgers the job wrote); a farm scenario gets fan charts of cash and P&L
(5-95 % and 25-75 % bands and the median, across paths), one per farm, the probability of
having gone broke by each day, and the distribution of the final P&L.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from hashwinter.reports.backtest_charts import (
    COHORT_COLORS,
    balances_chart,
    cumulative_chart,
    margin_chart,
    shutdown_chart,
    unplugged_chart,
)

__all__ = ["backtest_figures", "scenario_figures"]

_LAYOUT: dict[str, Any] = {"template": "plotly_white", "height": 380,
                           "margin": {"l": 70, "r": 20, "t": 50, "b": 40}}


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _plain(fig: go.Figure) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fig.to_json())
    return data


def backtest_figures(folder: Path) -> list[dict[str, Any]]:
    """Return the five charts of the backtest report from a job's result folder."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    currency, coin = summary["currency"], summary["coin"]
    cohorts = pd.read_parquet(folder / "cohorts.parquet")
    treasury = pd.read_parquet(folder / "treasury.parquet")
    return [_plain(f) for f in (
        shutdown_chart(cohorts, currency, coin),
        margin_chart(cohorts, currency),
        balances_chart(treasury, currency, coin),
        unplugged_chart(cohorts),
        cumulative_chart(cohorts, treasury, currency),
    )]


def _fan(fan: pd.DataFrame, name: str, title: str, currency: str) -> go.Figure:
    fig = go.Figure()
    for i, (farm, part) in enumerate(fan.groupby("farm", sort=False)):
        color = COHORT_COLORS[i % len(COHORT_COLORS)]
        for lo, hi, alpha in (("q5", "q95", 0.15), ("q25", "q75", 0.3)):
            fig.add_trace(go.Scatter(x=part["date"], y=part[f"{name}_{hi}"], line={"width": 0},
                                     showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=part["date"], y=part[f"{name}_{lo}"], fill="tonexty",
                                     line={"width": 0}, fillcolor=_rgba(color, alpha),
                                     name=f"{farm} {lo[1:]}-{hi[1:]} %"))
        fig.add_trace(go.Scatter(x=part["date"], y=part[f"{name}_q50"], name=f"{farm} median",
                                 line={"color": color, "width": 2}))
    fig.update_layout(title=title, **_LAYOUT)
    fig.update_yaxes(title=currency, tickformat=",.0f")
    return fig


def scenario_figures(folder: Path) -> list[dict[str, Any]]:
    """Return the fan charts of cash and P&L, the ruin curve and the P&L histogram."""
    fan = pd.read_parquet(folder / "fan.parquet")
    paths = pd.read_parquet(folder / "paths.parquet")
    summary = pd.read_parquet(folder / "summary.parquet")
    currency = ", ".join(sorted(set(summary["currency"])))
    ruin = go.Figure()
    for i, (farm, part) in enumerate(fan.groupby("farm", sort=False)):
        ruin.add_trace(go.Scatter(x=part["date"], y=part["ruin_probability"], name=str(farm),
                                  line={"color": COHORT_COLORS[i % len(COHORT_COLORS)],
                                        "width": 2}))
    ruin.update_layout(title="Probability of having gone broke, by day", **_LAYOUT)
    ruin.update_yaxes(title="share of paths", tickformat=".0%", rangemode="tozero")
    hist = go.Figure()
    for i, (farm, part) in enumerate(paths.groupby("farm", sort=False)):
        hist.add_trace(go.Histogram(x=part["pnl"], name=str(farm), opacity=0.6, nbinsx=40,
                                    marker_color=COHORT_COLORS[i % len(COHORT_COLORS)]))
    hist.update_layout(title="P&L at the end, across paths", barmode="overlay", **_LAYOUT)
    hist.update_xaxes(title=currency, tickformat=",.0f")
    # One fan per farm and quantity: farms differ in scale by orders of magnitude.
    fans = []
    for farm, part in fan.groupby("farm", sort=False):
        fans.append(_fan(part, "cash", f"{farm}: cash, median and 25-75 %, 5-95 % of paths",
                         currency))
        fans.append(_fan(part, "pnl", f"{farm}: P&L since the start, median and 25-75 %, "
                         "5-95 % of paths", currency))
    return [_plain(f) for f in (*fans, ruin, hist)]
