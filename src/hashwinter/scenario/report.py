"""Block-clock reports: the summary per rule, tidy tables, the terminal table and HTML.

The summary follows Noda, Okumura & Hashimoto's statistics
(``stats_fixed_path`` in github.com/okuchap/DAA_Lucas, code/simulation_fixed_path.py):
the mean block time is the mean over paths of each path's mean interval, the
standard deviation the mean over paths of each path's sample standard deviation,
and "over X minutes" the share of paths with at least one block interval longer
than X minutes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from rich.table import Table

from hashwinter.engine import BlockClockResult
from hashwinter.reports.finite import dumps, finite_frame
from hashwinter.reports.html import figure_div, page, table_html
from hashwinter.units import SECONDS_PER_DAY

__all__ = [
    "blockclock_html",
    "blockclock_paths",
    "blockclock_summary",
    "blockclock_table",
    "blockclock_trace",
    "write_blockclock_outputs",
]


def _over_column(minutes: float) -> str:
    return f"share_over_{minutes:g}min"


def blockclock_summary(
    result: BlockClockResult, thresholds_min: Sequence[float] = (60, 120, 180)
) -> pd.DataFrame:
    """Return one row per rule: block time statistics and tail shares.

    Columns: ``rule``, ``paths``, ``blocks_mean`` (counted blocks per path),
    ``mean_block_time_min``, ``std_block_time_min`` (Noda et al.'s definitions),
    ``pooled_mean_block_time_min`` (all intervals together),
    ``share_over_<X>min`` for each threshold, ``max_block_time_min`` (longest of
    all), ``days_mean`` (mean time to the last counted block, in days) and
    ``end_difficulty_mean`` (mean difficulty at the end).
    """
    rows = []
    for r, rule in enumerate(result.rules):
        mean_min = result.mean_interval_s[r] / 60
        std_min = result.std_interval_s[r] / 60
        longest = result.max_interval_s[r] / 60
        row: dict[str, Any] = {
            "rule": rule,
            "paths": result.n_paths,
            "blocks_mean": float(result.count[r].mean()),
            "mean_block_time_min": float(np.nanmean(mean_min)),
            "std_block_time_min": float(np.nanmean(std_min)),
            "pooled_mean_block_time_min": float(
                result.total_s[r].sum() / result.count[r].sum() / 60
            ),
        }
        for x in thresholds_min:
            row[_over_column(x)] = float((longest > x).mean())
        row["max_block_time_min"] = float(longest.max())
        row["days_mean"] = float(result.end_time_s[r].mean() / SECONDS_PER_DAY)
        row["end_difficulty_mean"] = float(result.end_difficulty[r].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def blockclock_paths(result: BlockClockResult) -> pd.DataFrame:
    """Return one row per (rule, path): counted blocks, mean/std/max interval [min], end state."""
    frames = []
    for r, rule in enumerate(result.rules):
        frames.append(
            pd.DataFrame(
                {
                    "rule": rule,
                    "path": np.arange(result.n_paths),
                    "blocks": result.count[r],
                    "mean_block_time_min": result.mean_interval_s[r] / 60,
                    "std_block_time_min": result.std_interval_s[r] / 60,
                    "max_block_time_min": result.max_interval_s[r] / 60,
                    "end_days": result.end_time_s[r] / SECONDS_PER_DAY,
                    "end_difficulty": result.end_difficulty[r],
                    "end_price": result.end_price[r],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def blockclock_trace(
    result: BlockClockResult, quantiles: Sequence[float] = (0.05, 0.5, 0.95)
) -> pd.DataFrame:
    """Return one row per (rule, snapshot): mean and quantiles across paths.

    Columns ``height``, ``rule``, then for ``block_time_min``, ``days``,
    ``difficulty``, ``hashrate_ehs`` and ``price``: ``<name>_mean`` and
    ``<name>_q<p>`` (percent). Empty when the run kept no trace.
    """
    if result.trace_height.size == 0:
        return pd.DataFrame()
    series: dict[str, np.ndarray] = {
        "block_time_min": result.trace_interval_s / 60,
        "days": result.trace_time_s / SECONDS_PER_DAY,
        "difficulty": result.trace_difficulty,
        "hashrate_ehs": result.trace_hashrate / 1e18,
        "price": result.trace_price,
    }
    frames = []
    for r, rule in enumerate(result.rules):
        data: dict[str, Any] = {"rule": rule, "height": result.trace_height}
        for name, values in series.items():
            v = np.asarray(values[r], dtype=np.float64)  # (paths, snapshots)
            with warnings.catch_warnings():
                # Snapshots after a horizon are all NaN: "mean of empty slice" is expected.
                warnings.simplefilter("ignore", RuntimeWarning)
                data[f"{name}_mean"] = np.nanmean(v, axis=0)
                for q in quantiles:
                    data[f"{name}_q{round(q * 100):d}"] = np.nanquantile(v, q, axis=0)
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)


def blockclock_table(summary: pd.DataFrame, title: str = "") -> Table:
    """Return the summary as a rich table for the terminal."""
    table = Table(title=title or None, title_justify="left")
    over = [c for c in summary.columns if c.startswith("share_over_")]
    table.add_column("rule")
    for head in ("paths", "mean min", "std min", *[f">{c[11:-3]}m" for c in over], "days"):
        table.add_column(head, justify="right")
    for d in summary.to_dict(orient="records"):
        table.add_row(
            str(d["rule"]),
            f"{d['paths']:,}",
            f"{d['mean_block_time_min']:.2f}",
            f"{d['std_block_time_min']:.2f}",
            *[f"{100 * d[c]:.1f} %" for c in over],
            f"{d['days_mean']:.1f}",
        )
    return table


def blockclock_html(
    summary: pd.DataFrame, trace: pd.DataFrame, *, title: str, notes: Sequence[str] = ()
) -> str:
    """Return a self-contained HTML report: the summary table and the trace charts."""
    body = [f"<h1>{title}</h1>"]
    over = [c for c in summary.columns if c.startswith("share_over_")]
    header = ["rule", "paths", "blocks per path", "mean [min]", "std [min]",
              *[f"paths with a block > {c[11:-3]} min" for c in over],
              "longest [min]", "days (mean)", "final difficulty (mean)"]  # fmt: skip
    rows = [
        [
            row["rule"],
            f"{row['paths']:,}",
            f"{row['blocks_mean']:,.0f}",
            f"{row['mean_block_time_min']:.2f}",
            f"{row['std_block_time_min']:.2f}",
            *[f"{100 * row[c]:.1f} %" for c in over],
            f"{row['max_block_time_min']:,.0f}",
            f"{row['days_mean']:.1f}",
            f"{row['end_difficulty_mean']:.4g}",
        ]
        for row in summary.to_dict(orient="records")
    ]
    body.append("<h2>Block times by retarget rule</h2>")
    body.append(table_html(header, rows))
    if not trace.empty:
        for name, label in (
            ("block_time_min", "Block interval (mean over each snapshot's blocks) [min]"),
            ("difficulty", "Difficulty"),
            ("hashrate_ehs", "Hashrate [EH/s]"),
            ("price", "Price"),
        ):
            body.append(figure_div(_band_chart(trace, name, label)))
    if notes:
        items = "".join(f"<li>{n}</li>" for n in notes)
        body.append(f'<h2>Notes</h2><ul class="notes">{items}</ul>')
    return page(title, "".join(body))


_COLORS = ("#1f5fa8", "#c4501b", "#2a8a4a", "#7a3fa0", "#8a6d1f")


def _band_chart(trace: pd.DataFrame, name: str, label: str) -> go.Figure:
    fig = go.Figure()
    for i, (rule, part) in enumerate(trace.groupby("rule", sort=False)):
        color = _COLORS[i % len(_COLORS)]
        x = part["height"]
        fig.add_trace(
            go.Scatter(
                x=x, y=part[f"{name}_q95"], line={"width": 0}, showlegend=False, hoverinfo="skip"
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=part[f"{name}_q5"],
                fill="tonexty",
                line={"width": 0},
                fillcolor=_rgba(color, 0.18),
                name=f"{rule} 5-95 %",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x, y=part[f"{name}_q50"], line={"color": color, "width": 2}, name=f"{rule} median"
            )
        )
    fig.update_layout(
        title=label,
        xaxis_title="block height",
        height=360,
        margin={"l": 60, "r": 20, "t": 50},
        template="plotly_white",
    )
    return fig


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def write_blockclock_outputs(
    out_dir: Path,
    result: BlockClockResult,
    summary: pd.DataFrame,
    *,
    meta: Mapping[str, Any],
    title: str,
    notes: Sequence[str] = (),
) -> list[str]:
    """Write the summary (CSV, JSON), per-path and trace tables (Parquet) and ``report.html``.

    ``out_dir`` should be a staging folder (:func:`hashwinter.parallel.atomic_output_dir`).
    Returns the file names written.
    """
    trace = blockclock_trace(result)
    finite_frame(summary).to_csv(out_dir / "summary.csv", index=False, float_format="%.10g")
    doc = {**meta, "summary": summary.to_dict(orient="records")}
    (out_dir / "summary.json").write_text(dumps(doc, indent=2, default=str), encoding="utf-8")
    blockclock_paths(result).to_parquet(out_dir / "paths.parquet", index=False)
    names = ["summary.csv", "summary.json", "paths.parquet"]
    if not trace.empty:
        trace.to_parquet(out_dir / "trace.parquet", index=False)
        names.append("trace.parquet")
    (out_dir / "report.html").write_text(
        blockclock_html(summary, trace, title=title, notes=notes), encoding="utf-8"
    )
    names.append("report.html")
    return names
