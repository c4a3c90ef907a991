"""Risk outputs of farm scenarios: P&L and cash distributions, VaR/CVaR, ruin, payback.

All amounts are in each farm's currency. P&L is the change of equity (cash plus
coins at the day's price) since the start, capex paid in the window included; a
farm is ruined when it is broke (cash below zero after forced coin sales, the
engine's rule); payback of a fleet item is the first day its cumulative operating
margin covers its cost (:class:`hashwinter.risk.RunningPayback`, tracked while the
engine runs: :attr:`FarmPaths.payback_days`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from rich.table import Table

from hashwinter.farm.trading.paths import TRADE_FIGURES
from hashwinter.reports.finite import dumps, finite_frame
from hashwinter.reports.html import figure_div, page, table_html
from hashwinter.risk import (
    expected_shortfall,
    path_quantiles,
    payback_summaries,
    value_at_risk,
)
from hashwinter.scenario.farmrun import FOLLOW_PLAN, STAY_PUT, UNHEDGED_SUFFIX, FarmPaths

__all__ = [
    "RUIN_DAYS",
    "compact_money",
    "farm_fan",
    "farm_html",
    "farm_paths_frame",
    "farm_paybacks",
    "farm_summary",
    "farm_tables",
    "hedge_comparison",
    "hedge_table",
    "owner_cash_summary",
    "owner_cash_table",
    "plan_comparison",
    "plan_table",
    "write_farm_outputs",
]

#: Horizons at which the summary reports the probability of ruin. [day]
RUIN_DAYS: tuple[int, ...] = (30, 90, 180, 365)
_FAN = (0.05, 0.25, 0.5, 0.75, 0.95)


def _level_name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def _ruin_curve(fp: FarmPaths) -> np.ndarray:
    return np.asarray(np.logical_or.accumulate(fp.broke, axis=0).mean(axis=1))


def farm_summary(farms: Sequence[FarmPaths], var_levels: Sequence[float]) -> pd.DataFrame:
    """Return one row per farm: P&L distribution, VaR/CVaR, ruin by horizon, final cash.

    Columns: ``farm``, ``currency``, ``paths``, ``days``, ``pnl_mean``, ``pnl_q5``,
    ``pnl_q50``, ``pnl_q95``, ``p_loss`` (share of paths losing money),
    ``var_<L>`` and ``cvar_<L>`` per level (positive = loss), ``ruin_<N>d`` for
    each of :data:`RUIN_DAYS` within the window and ``ruin_end``, ``cash_q5``,
    ``cash_q50``, ``cash_q95`` at the end, ``mined_mean`` (coins mined in the window,
    mean over paths) and ``difficulty_end_q5``/``q50``/``q95`` (difficulty in force at the
    end: constant or projected with an exogenous network, retargeted on each path with an
    endogenous one). A farm with trading rules adds ``fleet_end_q50`` (machines held at
    the end, median) and ``bought_mean``, ``sold_mean``, ``scrapped_mean`` [machines] and
    ``realised_gain_mean`` [currency] (its ``(without trading)`` twin has none).
    """
    rows = []
    for fp in farms:
        pnl = fp.pnl[-1]
        q = np.quantile(pnl, [0.05, 0.5, 0.95])
        row: dict[str, Any] = {
            "farm": fp.farm,
            "currency": fp.currency,
            "paths": fp.n_paths,
            "days": int(fp.dates.size),
            "pnl_mean": float(pnl.mean()),
            "pnl_q5": float(q[0]),
            "pnl_q50": float(q[1]),
            "pnl_q95": float(q[2]),
            "p_loss": float((pnl < 0).mean()),
        }
        for level in var_levels:
            row[f"var_{_level_name(level)}"] = float(value_at_risk(pnl, level))
            row[f"cvar_{_level_name(level)}"] = float(expected_shortfall(pnl, level))
        ruin = _ruin_curve(fp)
        for days in RUIN_DAYS:
            if days <= ruin.size:
                row[f"ruin_{days}d"] = float(ruin[days - 1])
        row["ruin_end"] = float(ruin[-1])
        cash = np.quantile(fp.cash[-1], [0.05, 0.5, 0.95])
        row.update(cash_q5=float(cash[0]), cash_q50=float(cash[1]), cash_q95=float(cash[2]))
        row["mined_mean"] = float(fp.mined[-1].mean())
        if fp.trades is not None:  # a trading farm: its fleet and trades (sweep columns)
            end = fp.trades[-1]
            row["fleet_end_q50"] = float(np.median(end[:, TRADE_FIGURES.index("fleet")]))
            for name in ("bought", "sold", "scrapped", "realised_gain"):
                row[f"{name}_mean"] = float(end[:, TRADE_FIGURES.index(name)].mean())
        diff = np.quantile(fp.difficulty[-1], [0.05, 0.5, 0.95])
        row.update(difficulty_end_q5=float(diff[0]), difficulty_end_q50=float(diff[1]),
                   difficulty_end_q95=float(diff[2]))  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


def hedge_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """Return one row per hedged farm: the hedge's cost against its benefit.

    A hedged farm of a scenario runs beside ``"<name> (unhedged)"`` on the same paths.
    ``cost`` is the mean P&L given up (unhedged mean minus hedged mean; negative: the
    hedge earned on average); ``var_<L>_reduced`` and ``cvar_<L>_reduced`` are how much
    smaller the hedged farm's losses are at each level (positive: the hedge helped);
    ``ruin_end_reduced`` the probability of ruin removed; ``cash_q5_gain`` the 5 %
    quantile of final cash gained. Empty without hedged farms.
    """
    rows = []
    by_name = {str(r["farm"]): r for r in summary.to_dict(orient="records")}
    for name, base in by_name.items():
        if not name.endswith(UNHEDGED_SUFFIX):
            continue
        hedged = by_name.get(name[: -len(UNHEDGED_SUFFIX)])
        if hedged is None:
            continue
        row: dict[str, Any] = {"farm": hedged["farm"], "currency": hedged["currency"],
                               "pnl_mean_hedged": hedged["pnl_mean"],
                               "pnl_mean_unhedged": base["pnl_mean"],
                               "cost": base["pnl_mean"] - hedged["pnl_mean"]}
        for key in summary.columns:
            if key.startswith(("var_", "cvar_")):
                row[f"{key}_reduced"] = base[key] - hedged[key]
        row["ruin_end_reduced"] = base["ruin_end"] - hedged["ruin_end"]
        row["cash_q5_gain"] = hedged["cash_q5"] - base["cash_q5"]
        rows.append(row)
    return pd.DataFrame(rows)


def _risk_label(column: str) -> str:
    """``var_99_5_reduced`` -> ``VaR 99.5 %``."""
    kind, _, level = column.removesuffix("_reduced").partition("_")
    return f"{'VaR' if kind == 'var' else 'CVaR'} {level.replace('_', '.')} %"


def hedge_table(comparison: pd.DataFrame) -> Table | None:
    """Return the hedge's cost and benefit as a terminal table (None without a hedge)."""
    if comparison.empty:
        return None
    table = Table(title="Hedge: cost (mean P&L given up) against benefit (tail losses reduced)",
                  title_justify="left")
    reduced = [c for c in comparison.columns if c.endswith("_reduced") and c != "ruin_end_reduced"]
    for head in ("farm", "ccy", "P&L mean hedged", "unhedged", "cost",
                 *[_risk_label(c) + " reduced" for c in reduced], "P(broke) reduced",
                 "cash 5 % gained"):
        table.add_column(head, justify="left" if head in ("farm", "ccy") else "right")
    for r in comparison.to_dict(orient="records"):
        table.add_row(str(r["farm"]), str(r["currency"]),
                      *[compact_money(r[k]) for k in ("pnl_mean_hedged", "pnl_mean_unhedged",
                                                      "cost")],
                      *[compact_money(r[c]) for c in reduced],
                      f"{r['ruin_end_reduced']:.1%}", compact_money(r["cash_q5_gain"]))
    return table


def farm_paybacks(farms: Sequence[FarmPaths]) -> pd.DataFrame:
    """Return one row per (farm, fleet item): cost and the distribution of payback days."""
    frames = []
    for fp in farms:
        stats = payback_summaries(fp.payback_days, quantiles=(0.1, 0.5, 0.9))
        frames.append(pd.DataFrame({"farm": fp.farm, "item": list(fp.cohorts),
                                    "cost": fp.cohort_cost.astype(np.float64), **stats}))
    return pd.concat(frames, ignore_index=True)


def _plan_figures(fp: FarmPaths) -> dict[str, np.ndarray]:
    """Per path, at the end of the window: what a plan changes. [currency], [machine-days]."""
    zero = np.zeros(fp.n_paths)
    return {
        "operating margin": fp.cohort_margin_end.sum(axis=-1),
        "power cost": fp.power_cost[-1] if fp.power_cost is not None else zero,
        "moving costs": fp.move_cost[-1] if fp.move_cost is not None else zero,
        "downtime [machine-days]": fp.road_days[-1] if fp.road_days is not None else zero,
        "P&L": fp.pnl[-1],
    }


def plan_comparison(farms: Sequence[FarmPaths]) -> pd.DataFrame | None:
    """Return follow the plan against stay put for each farm that follows a plan (or None).

    One row per (farm, figure): the mean over paths of each leg, the mean of the
    difference and its 5 % and 95 % quantiles across paths (both legs see the same
    price paths, so the difference is path by path), and the share of paths on which
    following the plan does better (for costs and downtime: on which it is larger).
    """
    legs: dict[str, dict[str, FarmPaths]] = {}
    for fp in farms:
        if fp.plan_leg is not None:
            legs.setdefault(fp.plan_leg[0], {})[fp.plan_leg[1]] = fp
    rows = []
    for name, pair in legs.items():
        if set(pair) != {FOLLOW_PLAN, STAY_PUT}:
            continue
        a, b = _plan_figures(pair[FOLLOW_PLAN]), _plan_figures(pair[STAY_PUT])
        for figure in a:
            diff = a[figure] - b[figure]
            q = np.quantile(diff, [0.05, 0.95])
            rows.append({"farm": name, "currency": pair[FOLLOW_PLAN].currency,
                         "figure": figure, "follow_plan": float(a[figure].mean()),
                         "stay_put": float(b[figure].mean()), "difference": float(diff.mean()),
                         "difference_q5": float(q[0]), "difference_q95": float(q[1]),
                         "p_follow_higher": float((diff > 0).mean())})
    return pd.DataFrame(rows) if rows else None


def plan_table(comparison: pd.DataFrame) -> Table:
    """Return the terminal table of :func:`plan_comparison`."""
    table = Table(title="Follow the plan against stay put (means over paths)",
                  title_justify="left")
    for head in ("farm", "figure", "follow the plan", "stay put", "difference", "5 %", "95 %",
                 "P(higher)"):
        table.add_column(head, justify="left" if head in ("farm", "figure") else "right")
    for r in comparison.to_dict(orient="records"):
        table.add_row(r["farm"], r["figure"],
                      *[compact_money(r[k]) for k in ("follow_plan", "stay_put", "difference",
                                                      "difference_q5", "difference_q95")],
                      f"{r['p_follow_higher']:.1%}")
    return table


def farm_paths_frame(farms: Sequence[FarmPaths]) -> pd.DataFrame:
    """Return one row per (farm, path): final P&L, cash, coins, broke day, paybacks."""
    frames = []
    for fp in farms:
        broke_any = fp.broke.any(axis=0)
        frame = pd.DataFrame(
            {
                "farm": fp.farm,
                "path": np.arange(fp.n_paths),
                "pnl": fp.pnl[-1],
                "cash": fp.cash[-1],
                "coins": fp.coins[-1],
                "broke_day": np.where(broke_any, np.argmax(fp.broke, axis=0), -1),
            }
        )
        paybacks = pd.DataFrame(fp.payback_days,
                                columns=[f"payback_days[{label}]" for label in fp.cohorts])
        frames.append(pd.concat([frame, paybacks], axis=1))
    return pd.concat(frames, ignore_index=True)


def farm_fan(farms: Sequence[FarmPaths]) -> pd.DataFrame:
    """Return one row per (farm, day): quantiles across paths and the ruin probability."""
    frames = []
    for fp in farms:
        data: dict[str, Any] = {"farm": fp.farm, "date": fp.dates}
        for name, values in (
            ("equity", fp.equity),
            ("pnl", fp.pnl),
            ("cash", fp.cash),
            ("coins", fp.coins),
            ("price", fp.price),
            ("difficulty", fp.difficulty),
            ("hashrate_ehs", fp.network_hashrate / 1e18),
        ):
            bands = path_quantiles(values, _FAN)
            for q, band in zip(_FAN, bands, strict=True):
                data[f"{name}_q{round(q * 100)}"] = band
        data["ruin_probability"] = _ruin_curve(fp)
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)


def owner_cash_summary(farms: Sequence[FarmPaths]) -> pd.DataFrame | None:
    """Return each owner's end-of-run cash across paths, for farm files with several owners.

    A host and its client (docs/farms.md, hosting contracts) are summed in the farm's
    own rows; this frame shows each side: ``cash_mean``, ``cash_q5``, ``cash_q50``,
    ``cash_q95`` [currency] and ``p_negative`` (share of paths ending with cash < 0).
    None when no farm file has more than one owner.
    """
    rows = []
    for fp in farms:
        if len(fp.owners) < 2 or fp.owner_cash is None:
            continue
        end = fp.owner_cash[-1]  # (paths, owners)
        for j, name in enumerate(fp.owners):
            q5, q50, q95 = np.quantile(end[:, j], [0.05, 0.5, 0.95])
            rows.append({"farm": fp.farm, "owner": name, "currency": fp.currency,
                         "cash_mean": float(end[:, j].mean()), "cash_q5": float(q5),
                         "cash_q50": float(q50), "cash_q95": float(q95),
                         "p_negative": float(np.mean(end[:, j] < 0))})
    return pd.DataFrame(rows) if rows else None


def owner_cash_table(frame: pd.DataFrame) -> Table:
    """Return :func:`owner_cash_summary` as a terminal table."""
    table = Table(title="Each owner's cash at the end (host and client apart)",
                  title_justify="left")
    for head in ("farm", "owner", "ccy", "mean", "5 %", "median", "95 %", "P(cash < 0)"):
        table.add_column(head, justify="left" if head in ("farm", "owner", "ccy") else "right")
    for row in frame.to_dict(orient="records"):
        table.add_row(row["farm"], row["owner"], row["currency"],
                      *[compact_money(row[k]) for k in ("cash_mean", "cash_q5", "cash_q50",
                                                        "cash_q95")],
                      f"{row['p_negative']:.1%}")
    return table


def compact_money(x: float) -> str:
    """Format an amount compactly: ``-4.09M``, ``14.1k``, ``530``."""
    if not np.isfinite(x):
        return str(x)
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def farm_tables(
    summary: pd.DataFrame, paybacks: pd.DataFrame, var_levels: Sequence[float], title: str
) -> list[Table]:
    """Return the terminal tables: P&L, tail risk and ruin per farm; payback per fleet item."""
    pnl = Table(title=title, title_justify="left")
    for head in ("farm", "ccy", "P&L mean", "5 %", "median", "95 %", "P(loss)"):
        pnl.add_column(head, justify="left" if head in ("farm", "ccy") else "right")
    tail = Table(title="Tail risk (losses) and probability of being broke", title_justify="left")
    tail.add_column("farm")
    for level in var_levels:
        tail.add_column(f"VaR {level:.0%}", justify="right")
        tail.add_column(f"CVaR {level:.0%}", justify="right")
    ruin_cols = [c for c in summary.columns if c.startswith("ruin_")]
    for c in ruin_cols:
        tail.add_column(f"broke {c[5:]}", justify="right")
    for row in summary.to_dict(orient="records"):
        pnl.add_row(
            row["farm"],
            row["currency"],
            *[compact_money(row[k]) for k in ("pnl_mean", "pnl_q5", "pnl_q50", "pnl_q95")],
            f"{row['p_loss']:.1%}",
        )
        cells = [row["farm"]]
        for level in var_levels:
            name = _level_name(level)
            cells += [compact_money(row[f"var_{name}"]), compact_money(row[f"cvar_{name}"])]
        cells += [f"{row[c]:.1%}" if row[c] == row[c] else "" for c in ruin_cols]
        tail.add_row(*cells)
    pay = Table(title="Payback of each fleet item (days from the start)", title_justify="left")
    for head in ("farm", "item", "cost", "paid back", "10 %", "median", "90 %"):
        pay.add_column(head, justify="left" if head in ("farm", "item") else "right")
    for row in paybacks.to_dict(orient="records"):
        pay.add_row(
            row["farm"],
            row["item"],
            compact_money(row["cost"]),
            f"{row['share_paid_back']:.1%}",
            *[_days(row[k]) for k in ("q10", "q50", "q90")],
        )
    tables = [pnl, tail, pay]
    hedge = hedge_table(hedge_comparison(summary))
    if hedge is not None:
        tables.append(hedge)
    return tables


def _days(x: float) -> str:
    return "never" if not np.isfinite(x) else f"{x:.0f}"


_COLORS = ("#1f5fa8", "#c4501b", "#2a8a4a", "#7a3fa0")


def _fan_groups(fan: pd.DataFrame, name: str) -> list[tuple[str, pd.DataFrame]]:
    """Return (label, rows) per farm, or one group when every farm has the same bands.

    Farms of one scenario share the price paths (and, with an exogenous network, the
    difficulty), so those fans would be drawn on top of each other.
    """
    groups = [(str(farm), part) for farm, part in fan.groupby("farm", sort=False)]
    columns = [c for c in fan.columns if c.startswith(f"{name}_q")]
    first = groups[0][1][columns].to_numpy()
    if len(groups) > 1 and all(
        part.shape == groups[0][1].shape and np.array_equal(part[columns].to_numpy(), first)
        for _, part in groups[1:]
    ):
        return [("all farms", groups[0][1])]
    return groups


def _fan_chart(fan: pd.DataFrame, name: str, label: str) -> go.Figure:
    fig = go.Figure()
    for i, (farm, part) in enumerate(_fan_groups(fan, name)):
        color = _COLORS[i % len(_COLORS)]
        x = part["date"]
        for lo, hi, alpha in (("q5", "q95", 0.15), ("q25", "q75", 0.3)):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=part[f"{name}_{hi}"],
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=part[f"{name}_{lo}"],
                    fill="tonexty",
                    line={"width": 0},
                    fillcolor=_rgba(color, alpha),
                    name=f"{farm} {lo[1:]}-{hi[1:]} %",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x, y=part[f"{name}_q50"], name=f"{farm} median", line={"color": color, "width": 2}
            )
        )
    fig.update_layout(
        title=label, height=380, template="plotly_white", margin={"l": 70, "r": 20, "t": 50}
    )
    return fig


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def farm_html(
    summary: pd.DataFrame,
    paybacks: pd.DataFrame,
    fan: pd.DataFrame,
    paths: pd.DataFrame,
    *,
    title: str,
    notes: Sequence[str] = (),
    comparison: pd.DataFrame | None = None,
    trading: str | None = None,
) -> str:
    """Return the self-contained HTML report: tables, fan charts, ruin curve, P&L histogram.

    ``comparison`` (:func:`plan_comparison`) adds follow the plan against stay put;
    ``trading`` (:func:`hashwinter.scenario.tradereport.trading_html`) the trading section.
    """
    body = [f"<h1>{title}</h1>"]
    ccy = ", ".join(sorted(set(summary["currency"])))
    body.append(f'<p class="sub">Amounts in {ccy}.</p>')
    levels = [c[4:] for c in summary.columns if c.startswith("var_")]
    ruin_cols = [c for c in summary.columns if c.startswith("ruin_")]
    header = ["farm", "paths", "days", "P&L mean", "P&L 5 %", "P&L median", "P&L 95 %",
              "P(loss)", *[f"{k} {lv.replace('_', '.')} %" for lv in levels
                            for k in ("VaR", "CVaR")],
              *[f"P(broke) by {c[5:]}" for c in ruin_cols],
              "cash 5 %", "cash median", "cash 95 %"]  # fmt: skip
    rows = [
        [r["farm"], f"{r['paths']:,}", r["days"],
         *[f"{r[k]:,.0f}" for k in ("pnl_mean", "pnl_q5", "pnl_q50", "pnl_q95")],
         f"{r['p_loss']:.1%}",
         *[f"{r[f'{k}_{lv}']:,.0f}" for lv in levels for k in ("var", "cvar")],
         *[f"{r[c]:.1%}" if r[c] == r[c] else "" for c in ruin_cols],
         *[f"{r[k]:,.0f}" for k in ("cash_q5", "cash_q50", "cash_q95")]]
        for r in summary.to_dict(orient="records")
    ]  # fmt: skip
    body.append("<h2>Risk by farm (VaR and CVaR are losses)</h2>" + table_html(header, rows))
    hedges = hedge_comparison(summary)
    if not hedges.empty:
        cols = [c for c in hedges.columns if c not in ("farm", "currency")]
        body.append(
            "<h2>Hedge: cost against benefit</h2><p>Each hedged farm runs beside the same "
            "farm without its hedge on the same price paths. Cost: the mean P&amp;L given "
            "up (negative: the hedge earned on average). Reduced: how much smaller the "
            "hedged farm's VaR, CVaR and probability of ruin are.</p>"
            + table_html(["farm", *cols],
                         [[r["farm"], *[f"{r[c]:.1%}" if c == "ruin_end_reduced"
                                        else f"{r[c]:,.0f}" for c in cols]]
                          for r in hedges.to_dict(orient="records")]))
        # The hedged farm and its twin have the same size: one chart each for P&L and
        # cash, both fans on it, shows what the hedge changed.
        for name in hedges["farm"]:
            pair = fan[fan["farm"].isin([name, name + UNHEDGED_SUFFIX])]
            for column, label in (("pnl", "P&L since the start"), ("cash", "cash")):
                body.append(figure_div(_fan_chart(
                    pair, column, f"{name}: {label}, hedged against unhedged "
                    "(5-95 % and 25-75 % of paths)")))
    if comparison is not None:
        body.append("<h2>Follow the plan against stay put (means over paths; the difference "
                    "path by path)</h2>" + table_html(
                        ["farm", "figure", "follow the plan", "stay put", "difference", "5 %",
                         "95 %", "P(higher)"],
                        [[r["farm"], r["figure"],
                          *[f"{r[k]:,.0f}" for k in ("follow_plan", "stay_put", "difference",
                                                     "difference_q5", "difference_q95")],
                          f"{r['p_follow_higher']:.1%}"]
                         for r in comparison.to_dict(orient="records")]))
    if trading is not None:
        body.append(trading)
    pay_rows = [
        [r["farm"], r["item"], f"{r['cost']:,.0f}", f"{r['share_paid_back']:.1%}",
         _days(r["q10"]), _days(r["q50"]), _days(r["q90"])]
        for r in paybacks.to_dict(orient="records")
    ]  # fmt: skip
    body.append("<h2>Payback of each fleet item</h2>")
    body.append(
        table_html(
            [
                "farm",
                "item",
                "cost",
                "paid back within the window",
                "10 % [days]",
                "median [days]",
                "90 % [days]",
            ],
            pay_rows,
        )
    )
    # Money is drawn per farm: farms of very different size would flatten each other.
    for farm, part in fan.groupby("farm", sort=False):
        for name, label in (
            ("equity", "equity: cash + coins at the day's price (5-95 % and 25-75 % of paths)"),
            ("cash", "cash"),
            ("pnl", "P&L since the start"),
        ):
            body.append(figure_div(_fan_chart(part, name, f"{farm}: {label}")))
    for name, label in (
        ("price", "Coin price"),
        ("difficulty", "Difficulty in force"),
        ("hashrate_ehs", "Network hashrate [EH/s]"),
    ):
        body.append(figure_div(_fan_chart(fan, name, label)))
    ruin = go.Figure()
    for farm, part in fan.groupby("farm", sort=False):
        ruin.add_trace(go.Scatter(x=part["date"], y=part["ruin_probability"], name=farm))
    top = min(1.0, max(0.05, float(fan["ruin_probability"].max()) * 1.1))
    ruin.update_layout(
        title="Probability of being broke by each day",
        height=320,
        template="plotly_white",
        yaxis={"tickformat": ".0%", "range": [0, top]},
    )
    body.append(figure_div(ruin))
    hist = go.Figure()
    for farm, part in paths.groupby("farm", sort=False):
        hist.add_trace(go.Histogram(x=part["pnl"], name=farm, opacity=0.7, nbinsx=60))
    hist.update_layout(
        title="Distribution of P&L at the end of the window",
        height=340,
        template="plotly_white",
        barmode="overlay",
    )
    body.append(figure_div(hist))
    if notes:
        body.append(
            '<h2>Notes</h2><ul class="notes">' + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"
        )
    return page(title, "".join(body))


def write_farm_outputs(
    out_dir: Path,
    farms: Sequence[FarmPaths],
    var_levels: Sequence[float],
    *,
    meta: Mapping[str, Any],
    title: str,
    notes: Sequence[str] = (),
) -> pd.DataFrame:
    """Write summary (CSV, JSON), paybacks.csv, paths and fan tables (Parquet), report.html.

    With farms that follow a plan, also ``plan_comparison.csv`` (:func:`plan_comparison`);
    with trading farms ``trading.csv``, ``trading_fleet.csv`` and
    ``trading_used_prices.csv`` (:mod:`hashwinter.scenario.tradereport`).

    ``out_dir`` should be a staging folder (:func:`hashwinter.parallel.atomic_output_dir`).
    Returns the summary.
    """
    summary = farm_summary(farms, var_levels)
    paybacks = farm_paybacks(farms)
    paths = farm_paths_frame(farms)
    fan = farm_fan(farms)
    # A payback that never happens is inf: empty with a "never" flag (reports/finite.py).
    finite_frame(summary).to_csv(out_dir / "summary.csv", index=False, float_format="%.10g")
    finite_frame(paybacks).to_csv(out_dir / "paybacks.csv", index=False, float_format="%.10g")
    doc = {
        **meta,
        "summary": summary.to_dict(orient="records"),
        "paybacks": paybacks.to_dict(orient="records"),
    }
    hedges = hedge_comparison(summary)
    if not hedges.empty:
        finite_frame(hedges).to_csv(out_dir / "hedge.csv", index=False, float_format="%.10g")
        doc["hedge"] = hedges.to_dict(orient="records")
    comparison = plan_comparison(farms)
    if comparison is not None:
        comparison.to_csv(out_dir / "plan_comparison.csv", index=False, float_format="%.10g")
        doc["plan_comparison"] = comparison.to_dict(orient="records")
    from hashwinter.scenario.tradereport import (
        trading_comparison,
        trading_fleet_fan,
        trading_html,
        trading_used_prices,
    )

    trading = trading_comparison(farms)
    trading_section = None
    if trading is not None:
        fleet = trading_fleet_fan(farms)
        trading.to_csv(out_dir / "trading.csv", index=False, float_format="%.10g")
        used = trading_used_prices(farms)
        for frame, name in ((fleet, "trading_fleet.csv"), (used, "trading_used_prices.csv")):
            if frame is not None:
                frame.to_csv(out_dir / name, index=False, float_format="%.10g")
        doc["trading"] = trading.to_dict(orient="records")
        trading_section = trading_html(trading, fleet, used)
    (out_dir / "summary.json").write_text(dumps(doc, indent=2, default=str), encoding="utf-8")
    paths.to_parquet(out_dir / "paths.parquet", index=False)
    fan.to_parquet(out_dir / "fan.parquet", index=False)
    (out_dir / "report.html").write_text(
        farm_html(summary, paybacks, fan, paths, title=title, notes=notes,
                  comparison=comparison, trading=trading_section), encoding="utf-8"
    )
    return summary
