"""The plan's tables and chart: machines per site per month (stacked), moves, margins."""

from __future__ import annotations

import html
import os
from pathlib import Path

import plotly.graph_objects as go
from rich.table import Table

from hashwinter.parallel import atomic_output_dir
from hashwinter.planner.result import Plan
from hashwinter.reports.backtest_charts import COHORT_COLORS
from hashwinter.reports.html import figure_div, page, table_html

__all__ = ["plan_chart", "plan_tables", "write_plan_outputs"]


def plan_chart(plan: Plan, *, reference: dict[str, float] | None = None,
               reference_label: str = "") -> go.Figure:
    """Stacked bars of machines per site per month, with an optional share line (right axis).

    Parameters
    ----------
    plan : Plan
        The solved plan.
    reference : dict of str to float, optional
        A share per month ``"YYYY-MM"`` to draw on the right axis (e.g. the
        mining map's Sichuan share). [fraction]
    reference_label : str
        Legend of the reference line.

    """
    table = plan.site_table()
    fig = go.Figure()
    for i, site in enumerate(plan.problem.sites):
        fig.add_trace(go.Bar(x=table["month"], y=table[site], name=site,
                             marker_color=COHORT_COLORS[i % len(COHORT_COLORS)]))
    if reference:
        months = [m for m in table["month"] if m in reference]
        fig.add_trace(go.Scatter(x=months, y=[reference[m] for m in months],
                                 name=reference_label, yaxis="y2", mode="lines+markers",
                                 line=dict(color="#111111", width=2)))
        fig.update_layout(yaxis2=dict(title="share", overlaying="y", side="right",
                                      range=[0, 1], tickformat=".0%"))
    fig.update_layout(barmode="stack", template="plotly_white", height=460,
                      title="Machines per site, month by month (the plan)",
                      legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
                      font=dict(family="Helvetica, Arial, sans-serif", size=13))
    fig.update_yaxes(title_text="machines", tickformat=",.0f", selector=dict(anchor="x"))
    return fig


def plan_tables(plan: Plan) -> tuple[Table, Table, Table]:
    """Return rich tables: machines per site per month; moves; the totals."""
    ccy = plan.problem.currency
    sites = Table(title="Machines per site per month")
    sites.add_column("month")
    for site in plan.problem.sites:
        sites.add_column(site, justify="right")
    sites.add_column("moved in", justify="right")
    sites.add_column(f"expected margin [{ccy}]", justify="right")
    monthly = plan.monthly_margin()
    for row, (_, m) in zip(plan.site_table().itertuples(index=False), monthly.iterrows(),
                           strict=True):
        sites.add_row(str(row[0]), *(f"{int(v):,}" for v in row[1:]),
                      f"{int(m['machines_moved']):,}", f"{m['expected_margin']:,.0f}")
    moves = Table(title="Moves (first day of the month)")
    for col in ("month", "cohort", "from", "to", "machines"):
        moves.add_column(col, justify="right" if col == "machines" else "left")
    for r in plan.moves_table().itertuples(index=False):
        moves.add_row(str(r.month), str(r.cohort), str(r.from_site), str(r.to_site),
                      f"{r.count:,}")
    totals = Table(title="Plan against staying put")
    totals.add_column("")
    totals.add_column(ccy, justify="right")
    totals.add_row("expected margin, the plan", f"{plan.expected_margin:,.0f}")
    totals.add_row("expected margin, staying put", f"{plan.stay_put_margin:,.0f}")
    totals.add_row("moving costs (incl. downtime)",
                   f"{float(monthly['moving_cost'].sum()):,.0f}")
    totals.add_row("solver", f"{plan.status}, gap {plan.mip_gap:.2%}, {plan.n_vars:,} vars, "
                             f"{plan.n_rows:,} rows")
    return sites, moves, totals


def write_plan_outputs(plan: Plan, out_dir: str | os.PathLike[str], *,
                       html_report: bool = True) -> list[Path]:
    """Write the plan's CSV tables (and plan.html) into ``out_dir``, all or nothing.

    Files: ``plan_sites.csv`` (month × site), ``plan_holdings.csv`` (month,
    cohort, site, machines), ``plan_moves.csv`` (cohort, from_site, to_site,
    month, count: what a backtest applies), ``plan_monthly.csv`` (margins).
    """
    frames = {"plan_sites.csv": plan.site_table(), "plan_holdings.csv": plan.holdings_table(),
              "plan_moves.csv": plan.moves_table(), "plan_monthly.csv": plan.monthly_margin()}
    final = Path(out_dir)
    with atomic_output_dir(final) as staging:
        for name, frame in frames.items():
            frame.to_csv(staging / name, index=False, float_format="%.10g")
        names = list(frames)
        if html_report:
            monthly = plan.monthly_margin()
            body = (f"<h1>Plan: where each machine stands</h1><p class=\"sub\">"
                    f"{html.escape('; '.join(plan.problem.notes))}</p>"
                    + figure_div(plan_chart(plan))
                    + "<h2>Moves</h2>"
                    + table_html(list(frames["plan_moves.csv"].columns),
                                 list(frames["plan_moves.csv"].itertuples(index=False)))
                    + "<h2>Expected margin by month</h2>"
                    + table_html(list(monthly.columns),
                                 [[r[0], *(f"{v:,.0f}" for v in r[1:])]
                                  for r in monthly.itertuples(index=False)]))
            (staging / "plan.html").write_text(page("hashwinter plan", body), encoding="utf-8")
            names.append("plan.html")
    return [final / n for n in names]
