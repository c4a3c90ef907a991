"""Trading rules in a Monte Carlo: each trading farm against itself without them.

A farm with trading rules runs beside ``"<name> (without trading)"`` on the same
price paths (:func:`hashwinter.scenario.farmrun.farm_jobs`). :func:`trading_comparison`
puts the two side by side (means over paths unless the figure says otherwise, and the
difference path by path); :func:`trading_fleet_fan` gives the fleet held over time
(quantiles across paths) of the trading leg.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from rich.table import Table

from hashwinter.farm.trading.book import WITHOUT_TRADING_SUFFIX
from hashwinter.farm.trading.paths import TRADE_FIGURES
from hashwinter.reports.html import figure_div, table_html
from hashwinter.risk import path_quantiles
from hashwinter.scenario.farmrun import FarmPaths

__all__ = ["trading_comparison", "trading_fleet_fan", "trading_html", "trading_table",
           "trading_used_prices"]

_FAN = (0.05, 0.5, 0.95)


def _figure(fp: FarmPaths, name: str) -> np.ndarray:
    """Return a trade figure at the end of the window per path (0 for a farm never trading)."""
    if fp.trades is None:
        held = 0.0 if name != "fleet" else np.nan
        return np.full(fp.n_paths, held)
    return np.asarray(fp.trades[-1, :, TRADE_FIGURES.index(name)])


def _pairs(farms: Sequence[FarmPaths]) -> list[tuple[FarmPaths, FarmPaths]]:
    by_name = {fp.farm: fp for fp in farms}
    return [(by_name[name[: -len(WITHOUT_TRADING_SUFFIX)]], fp) for name, fp in by_name.items()
            if name.endswith(WITHOUT_TRADING_SUFFIX)
            and name[: -len(WITHOUT_TRADING_SUFFIX)] in by_name]


def trading_comparison(farms: Sequence[FarmPaths]) -> pd.DataFrame | None:
    """Return one row per (trading farm, figure): ``with_trading``, ``without``, ``difference``.

    Figures at the end of the window: P&L mean and 5 % quantile, probability of being
    broke, cash median [currency]; machines held (median; the fixed fleet without
    trading), bought, sold and scrapped [machines]; purchase cost, sale and scrap
    proceeds, realised gain against book value [currency] (means over paths).
    ``difference`` is with minus without (for the mean figures the mean of the
    path-by-path difference, which equals the difference of means). None without a
    trading farm.
    """
    rows = []
    for with_, without in _pairs(farms):
        fleet_without = float(np.nan)
        if with_.trades is not None:
            # Without trading the fleet is the planned one: the trading leg's at the start
            # plus what it bought, less what it sold and scrapped, taken back.
            t = with_.trades
            k = TRADE_FIGURES.index
            fleet_without = float(np.median(t[-1, :, k("fleet")] - t[-1, :, k("bought")]
                                            + t[-1, :, k("sold")] + t[-1, :, k("scrapped")]))
        pnl_w, pnl_o = with_.pnl[-1], without.pnl[-1]
        broke_w = float(np.any(with_.broke, axis=0).mean())
        broke_o = float(np.any(without.broke, axis=0).mean())
        figures = [
            ("P&L mean", float(pnl_w.mean()), float(pnl_o.mean())),
            ("P&L 5 %", float(np.quantile(pnl_w, 0.05)), float(np.quantile(pnl_o, 0.05))),
            ("P(broke by the end)", broke_w, broke_o),
            ("cash median at the end", float(np.median(with_.cash[-1])),
             float(np.median(without.cash[-1]))),
            ("machines held at the end (median)", float(np.median(_figure(with_, "fleet"))),
             fleet_without),
        ]
        for name, label in (("bought", "machines bought"), ("sold", "machines sold"),
                            ("scrapped", "machines scrapped"),
                            ("purchase_cost", "purchase cost"),
                            ("proceeds", "sale and scrap proceeds"),
                            ("realised_gain", "realised gain (loss < 0)")):
            figures.append((f"{label} (mean)", float(_figure(with_, name).mean()), 0.0))
        for figure, a, b in figures:
            rows.append({"farm": with_.farm, "currency": with_.currency, "figure": figure,
                         "with_trading": a, "without": b, "difference": a - b})
    return pd.DataFrame(rows) if rows else None


def trading_fleet_fan(farms: Sequence[FarmPaths]) -> pd.DataFrame | None:
    """Return one row per (trading farm, day): machines held, 5 / 50 / 95 % across paths."""
    frames = []
    for fp in farms:
        if fp.trades is None:
            continue
        bands = path_quantiles(fp.trades[:, :, TRADE_FIGURES.index("fleet")], _FAN)
        data = {"farm": fp.farm, "date": fp.dates}
        for q, band in zip(_FAN, bands, strict=True):
            data[f"fleet_q{round(q * 100)}"] = band
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True) if frames else None


def trading_used_prices(farms: Sequence[FarmPaths]) -> pd.DataFrame | None:
    """Return one row per (trading farm, model, day): the used price against the shutdown price.

    ``used_price_q5`` / ``q50`` / ``q95`` [currency/machine] across paths, and the medians
    of the coin price and of the model's shutdown price [currency/coin].
    """
    frames = []
    for fp in farms:
        if fp.used_price is None or fp.shutdown_price is None:
            continue
        for m, model in enumerate(fp.used_models):
            data: dict[str, object] = {"farm": fp.farm, "model": model, "date": fp.dates}
            bands = path_quantiles(fp.used_price[:, :, m], _FAN)
            for q, band in zip(_FAN, bands, strict=True):
                data[f"used_price_q{round(q * 100)}"] = band
            data["coin_price_q50"] = np.median(fp.price, axis=1)
            with np.errstate(all="ignore"):
                data["shutdown_price_q50"] = np.nanmedian(fp.shutdown_price[:, :, m], axis=1)
            frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True) if frames else None


def _cell(figure: str, x: float) -> str:
    if figure.startswith("P("):
        return f"{x:.1%}"
    return f"{x:,.0f}" if np.isfinite(x) else ""


def trading_table(comparison: pd.DataFrame) -> Table:
    """Return :func:`trading_comparison` as a terminal table."""
    table = Table(title="Trading rules against the same farm without them (same paths)",
                  title_justify="left")
    for head in ("farm", "figure", "with trading", "without", "difference"):
        table.add_column(head, justify="left" if head in ("farm", "figure") else "right")
    for r in comparison.to_dict(orient="records"):
        table.add_row(str(r["farm"]), str(r["figure"]),
                      *[_cell(str(r["figure"]), float(r[k]))
                        for k in ("with_trading", "without", "difference")])
    return table


def trading_html(comparison: pd.DataFrame, fan: pd.DataFrame | None,
                 used: pd.DataFrame | None = None) -> str:
    """Return the HTML section: :func:`trading_comparison`, the fleet, the used prices."""
    body = ("<h2>Trading rules against the same farm without them</h2><p>Each farm with "
            "trading rules runs beside itself without them on the same price paths.</p>"
            + table_html(["farm", "figure", "with trading", "without", "difference"],
                         [[r["farm"], r["figure"],
                           *[_cell(str(r["figure"]), float(r[k]))
                             for k in ("with_trading", "without", "difference")]]
                          for r in comparison.to_dict(orient="records")]))
    if fan is not None:
        for farm, part in fan.groupby("farm", sort=False):
            fig = go.Figure()
            fig.add_trace(go.Scatter(x=part["date"], y=part["fleet_q95"], name="95 %",
                                     line={"width": 0}, showlegend=False))
            fig.add_trace(go.Scatter(x=part["date"], y=part["fleet_q5"], name="5-95 %",
                                     fill="tonexty", line={"width": 0}))
            fig.add_trace(go.Scatter(x=part["date"], y=part["fleet_q50"], name="median"))
            fig.update_layout(title=f"{farm}: machines held (5-95 % of paths)", height=320,
                              template="plotly_white")
            body += figure_div(fig)
    if used is not None:
        for key, part in used.groupby(["farm", "model"], sort=False):
            name, model = (str(k) for k in key)
            fig = go.Figure()
            fig.add_trace(go.Scatter(x=part["date"], y=part["used_price_q50"],
                                     name="used price, median [per machine]"))
            fig.add_trace(go.Scatter(x=part["date"], y=part["coin_price_q50"], yaxis="y2",
                                     name="coin price, median", line={"dash": "dot"}))
            fig.add_trace(go.Scatter(x=part["date"], y=part["shutdown_price_q50"], yaxis="y2",
                                     name="shutdown price, median", line={"dash": "dash"}))
            fig.update_layout(title=f"{name}: {model}, used price against shutdown price",
                              height=340, template="plotly_white",
                              yaxis={"title": "per machine"},
                              yaxis2={"title": "per coin", "overlaying": "y", "side": "right"})
            body += figure_div(fig)
    return body
