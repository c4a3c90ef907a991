"""The backtest report: terminal tables, an HTML page, and the files written by ``--out``.

Files are written all or nothing: everything goes to a temporary folder beside
the destination first and is moved into place only when all of it is written.
"""

from __future__ import annotations

import html
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from hashwinter.errors import InputError
from hashwinter.farm.backtest import BacktestResult
from hashwinter.farm.trading.book import trade_book, used_price_paths
from hashwinter.reports.backtest_charts import (
    balances_chart,
    cumulative_chart,
    hedge_chart,
    margin_chart,
    shutdown_chart,
    unplugged_chart,
)
from hashwinter.reports.finite import dumps, finite_frame
from hashwinter.reports.html import figure_div, page, table_html

__all__ = [
    "LEDGER_FORMATS",
    "backtest_html",
    "cohort_table",
    "comparison_table",
    "hedge_table",
    "hosting_table",
    "plan_comparison_table",
    "summary_json",
    "summary_table",
    "trading_table",
    "write_backtest_outputs",
]

#: Forms the daily ledgers can be written in.
LEDGER_FORMATS = ("csv", "parquet", "both")


def summary_table(result: BacktestResult) -> Table:
    """Return the farm's totals as a rich table."""
    s = result.summary
    table = Table(title=escape(f"{s.name}: backtest {s.start} .. {s.end}"), title_justify="left")
    table.add_column("", style="bold")
    table.add_column("value", justify="right")
    for label, value in s.rows():
        style = "red" if value.startswith("-") else None
        table.add_row(escape(label), escape(value), style=style)
    return table


def owner_table(result: BacktestResult) -> Table | None:
    """Return one row per owner of a farm file with several owners (None with one)."""
    s = result.summary
    if s.owners is None:
        return None
    ccy, k = s.currency.lower(), s.coin.lower()
    table = Table(title="Owners", title_justify="left")
    for col in ("owner", f"cash start [{s.currency}]", f"cash end [{s.currency}]",
                f"coins end [{s.coin}]", f"equity end [{s.currency}]",
                f"transfers in [{s.currency}]", "broke"):
        table.add_column(col, justify="left" if col == "owner" else "right")
    for row in s.owners.to_dict(orient="records"):
        table.add_row(
            escape(str(row["owner"])), f"{row[f'cash_start_{ccy}']:,.2f}",
            f"{row[f'cash_end_{ccy}']:,.2f}", f"{row[f'coins_end_{k}']:,.4f}",
            f"{row[f'equity_end_{ccy}']:,.2f}", f"{row[f'transfers_in_{ccy}']:,.2f}",
            str(row["broke_date"]) if row["broke_date"] else "never")
    return table


def hosting_table(result: BacktestResult) -> Table | None:
    """Return the hosting contracts' P&L per owner (None without a contract)."""
    from hashwinter.farm.hosting import HostingConfig
    from hashwinter.farm.hosting_report import HOSTING_COLUMNS, hosting_pnl

    farm = result.farm_run.farm
    shares = [e.outage_fund_share for e in farm.config.policies if isinstance(e, HostingConfig)]
    frame = result.treasury
    if "variant" in frame or "path" in frame:
        return None
    pnl = hosting_pnl(frame, sum(shares)) if shares else None
    if pnl is None:
        return None
    ccy = str(pnl.attrs["currency"])
    table = Table(title=f"Hosting contracts, each side [{ccy}] (received > 0, paid < 0)",
                  title_justify="left")
    table.add_column("owner")
    for name in HOSTING_COLUMNS:
        table.add_column(name.replace("_", " "), justify="right")
    for row in pnl.to_dict(orient="records"):
        table.add_row(escape(str(row["owner"])),
                      *(f"{row[f'{n}_{ccy.lower()}']:,.0f}" for n in HOSTING_COLUMNS))
    return table


def _comparison_rows(result: BacktestResult) -> list[list[str]] | None:
    frame = result.plan_comparison()
    if frame is None:
        return None
    return [[str(r.figure), f"{r.follow_plan:,.0f}", f"{r.stay_put:,.0f}",
             f"{r.difference:+,.0f}"] for r in frame.itertuples()]


_COMPARISON_HEADER = ["", "follow the plan", "stay put", "difference"]


def plan_comparison_table(result: BacktestResult) -> Table | None:
    """Return follow the plan against stay put (None when the farm follows no plan)."""
    rows = _comparison_rows(result)
    if rows is None:
        return None
    table = Table(title="Follow the plan against stay put", title_justify="left")
    for i, h in enumerate(_COMPARISON_HEADER):
        table.add_column(h, justify="left" if i == 0 else "right", style="bold" if i == 0
                         else None)
    for row in rows:
        table.add_row(*(escape(c) for c in row))
    return table


def _cohort_rows(result: BacktestResult) -> tuple[list[str], list[list[str]]]:
    s = result.summary
    ccy, k = s.currency.lower(), s.coin.lower()
    header = ["cohort", "machines", f"coins [{s.coin}]", f"revenue [{s.currency}]",
              f"power [{s.currency}]", f"margin [{s.currency}]", "days unplugged",
              "days below shutdown", f"shutdown price first→last [{s.currency}/{s.coin}]"]
    rows = []
    for _, r in s.cohorts.iterrows():
        first = r[f"shutdown_price_first_{ccy}_per_{k}"]
        last = r[f"shutdown_price_last_{ccy}_per_{k}"]
        prices = "—" if math.isnan(first) else f"{first:,.0f} → {last:,.0f}"
        rows.append([str(r["cohort"]), f"{r['machines']:,.0f}", f"{r[f'coins_mined_{k}']:,.3f}",
                     f"{r[f'revenue_{ccy}']:,.0f}", f"{r[f'power_cost_{ccy}']:,.0f}",
                     f"{r[f'margin_{ccy}']:,.0f}", f"{r['days_unplugged']:,.1f}",
                     str(r["days_below_shutdown_price"]), prices])
    return header, rows


def cohort_table(result: BacktestResult) -> Table:
    """Return one line per cohort as a rich table."""
    header, rows = _cohort_rows(result)
    table = Table(title="Cohorts", title_justify="left")
    for i, h in enumerate(header):
        table.add_column(escape(h), justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(escape(c) for c in row), style="red" if row[5].startswith("-") else None)
    return table


def _hedge_rows(result: BacktestResult) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the hedging section: one row per month (and owner), then totals."""
    h = result.hedge
    assert h is not None
    c, ccy = result.currency, result.currency.lower()
    several = h.monthly["owner"].nunique() > 1
    header = [*(["owner"] if several else []), "month", f"revenue hedged [{c}]",
              f"revenue unhedged [{c}]", f"hedge gain [{c}]", f"margin used [{c}]",
              f"funding paid [{c}]", f"basis cost [{c}]", f"fees [{c}]", "liquidations"]
    rows = []
    m = h.monthly
    for _, r in m.iterrows():
        rows.append([*([str(r["owner"])] if several else []), str(r["month"]),
                     f"{r[f'revenue_hedged_{ccy}']:,.0f}", f"{r[f'revenue_unhedged_{ccy}']:,.0f}",
                     f"{r[f'hedge_gain_{ccy}']:,.0f}", f"{r[f'margin_used_{ccy}']:,.0f}",
                     f"{r[f'funding_paid_{ccy}']:,.0f}", f"{r[f'basis_cost_{ccy}']:,.0f}",
                     f"{r[f'fees_{ccy}']:,.0f}", str(int(r["liquidations"]))])
    rows.append([*([""] if several else []), "total",
                 f"{m[f'revenue_hedged_{ccy}'].sum():,.0f}",
                 f"{m[f'revenue_unhedged_{ccy}'].sum():,.0f}",
                 f"{m[f'hedge_gain_{ccy}'].sum():,.0f}", f"{m[f'margin_used_{ccy}'].max():,.0f}",
                 f"{m[f'funding_paid_{ccy}'].sum():,.0f}", f"{m[f'basis_cost_{ccy}'].sum():,.0f}",
                 f"{m[f'fees_{ccy}'].sum():,.0f}", str(int(m["liquidations"].sum()))])
    return header, rows


def hedge_table(result: BacktestResult) -> Table | None:
    """Return the hedging section as a rich table (None without a hedge)."""
    h = result.hedge
    if h is None:
        return None
    header, rows = _hedge_rows(result)
    c = result.currency
    table = Table(title=escape(f"Hedge ({', '.join(h.instruments)}): equity at end "
                               f"{h.equity_hedged:,.0f} {c} hedged, {h.equity_unhedged:,.0f} "
                               f"{c} unhedged"), title_justify="left")
    for col in header:
        table.add_column(escape(col), justify="left" if col in ("owner", "month") else "right")
    for row in rows:
        table.add_row(*(escape(x) for x in row))
    return table


def _trading_rows(result: BacktestResult) -> tuple[list[str], list[list[str]]] | None:
    """Return the trading section by month (None for a farm without trading rules)."""
    if used_price_paths(result) is None:
        return None
    book = trade_book(result)
    m = result.farm_run.farm.config.currency
    k = m.lower()
    by_month = book.groupby(book["date"].dt.strftime("%Y-%m"))
    header = ["month", "fleet at end", "bought", "sold", "scrapped", f"purchases [{m}]",
              f"sales + scrap [{m}]", f"realised gain [{m}]", f"depreciation [{m}]"]
    rows = []
    for month, g in by_month:
        rows.append([str(month), f"{g['fleet_machines'].iloc[-1]:,.0f}",
                     f"{g['bought'].sum():,.0f}", f"{g['sold'].sum():,.0f}",
                     f"{g['scrapped'].sum():,.0f}", f"{g[f'purchase_cost_{k}'].sum():,.0f}",
                     f"{(g[f'sale_proceeds_{k}'] + g[f'scrap_proceeds_{k}']).sum():,.0f}",
                     f"{g[f'realised_gain_{k}'].sum():,.0f}",
                     f"{g[f'depreciation_{k}'].sum():,.0f}"])
    return header, rows


def comparison_table(frame: Any, title: str) -> Table:
    """Return a figure-by-leg frame (:func:`~hashwinter.farm.trading.book.trading_comparison`)."""
    table = Table(title=escape(title), title_justify="left")
    for col in frame.columns:
        table.add_column(escape(str(col)), justify="left" if col == "figure" else "right")
    for row in frame.itertuples(index=False):
        table.add_row(str(row[0]), *(f"{float(x):,.2f}" if abs(float(x)) < 100 else
                                     f"{float(x):,.0f}" for x in row[1:]))
    return table


def trading_table(result: BacktestResult) -> Table | None:
    """Return the trading section (fleet, trades, realised gains) as a rich table, or None."""
    found = _trading_rows(result)
    if found is None:
        return None
    header, rows = found
    table = Table(title="Trading: fleet, purchases, sales, scrapping and realised gains "
                  "(book value at average cost)", title_justify="left")
    for col in header:
        table.add_column(escape(col), justify="left" if col == "month" else "right")
    for row in rows:
        table.add_row(*(escape(x) for x in row))
    return table


def _trading_html(result: BacktestResult) -> str:
    """Return the trading section of the HTML report ('' without trading rules)."""
    found = _trading_rows(result)
    if found is None:
        return ""
    used = used_price_paths(result)
    assert used is not None
    last = used.groupby("model").tail(1)
    m = result.farm_run.farm.config.currency
    prices = table_html(["model", f"market price [{m}]", f"value of keeping [{m}]",
                         f"scrap [{m}]", f"coin price [{m}]", f"shutdown price [{m}]"],
                        [[r.model, f"{r.market_price:,.0f}", f"{r.keep_value:,.0f}",
                          f"{r.scrap_value:,.0f}", f"{r.coin_price:,.0f}",
                          f"{r.shutdown_price:,.0f}"] for r in last.itertuples()])
    return ("<h2>Trading</h2>" + table_html(*found)
            + "<h3>Used-machine prices on the last day (daily path in used_prices.csv)</h3>"
            + prices)


def _card(label: str, value: str, sign: float | None = None) -> str:
    cls = "" if sign is None else (" neg" if sign < 0 else " pos")
    return (f'<div class="card"><div class="k">{html.escape(label)}</div>'
            f'<div class="v{cls}">{html.escape(value)}</div></div>')


def backtest_html(result: BacktestResult) -> str:
    """Return the self-contained HTML report of a backtest."""
    s = result.summary
    c, k = s.currency, s.coin
    cfg = result.farm_run.farm.config
    cards = "".join([
        _card(f"Coins mined [{k}]", f"{s.coins_mined:,.3f}"),
        _card(f"Revenue [{c}]", f"{s.revenue:,.0f}"),
        _card(f"Power cost [{c}]", f"{s.power_cost:,.0f}"),
        _card(f"Operating margin [{c}]", f"{s.operating_margin:,.0f}", s.operating_margin),
        _card(f"Net profit, accrual [{c}]", f"{s.net_profit:,.0f}", s.net_profit),
        _card(f"Cash at end [{c}]", f"{s.cash_end:,.0f}", s.cash_end),
        _card(f"Coins held at end [{k}]", f"{s.coins_end:,.3f}"),
        _card("Went broke", str(s.broke_date) if s.broke_date else "never",
              -1 if s.broke_date else 1),
    ])
    charts = "".join(figure_div(f) for f in (
        shutdown_chart(result.cohorts, c, k),
        margin_chart(result.cohorts, c),
        balances_chart(result.treasury, c, k),
        unplugged_chart(result.cohorts),
        cumulative_chart(result.cohorts, result.treasury, c),
    ))
    header, rows = _cohort_rows(result)
    plan = _comparison_rows(result)
    totals = table_html(["", "value"], s.rows())
    checks = result.run.checks
    market = result.farm_run.spec.market
    notes = [
        f"Steps: {s.resolution}s. Money in {c}"
        + (f", converted from {cfg.currency} at each day's FX rate" if c != cfg.currency else "")
        + ".",
        "Shutdown price: the coin price at which a machine's revenue after pool fee equals its "
        "power (PUE and uptime included) and management fee for the day.",
        "Policies decide each day on the previous day's price and difficulty; revenue and "
        "costs use the day's own values.",
        f"Conservation checks: largest share of network hashrate {checks.max_share:.3g}; cash "
        f"equals the sum of its flows within {checks.max_cash_error:.2g} {cfg.currency}; coins "
        f"within {checks.max_coin_error:.2g} {k}.",
        *market.notes,
    ]
    if cfg.description:
        notes.insert(0, cfg.description)
    if result.farm_run.farm.source:
        notes.append(f"Farm file: {result.farm_run.farm.source}")
    body = (
        f"<h1>{html.escape(s.name)}</h1>"
        f'<p class="sub">Backtest {s.start} .. {s.end} ({s.days} days) · {len(rows)} '
        f'cohort{"" if len(rows) == 1 else "s"} · '
        f"money in {html.escape(c)}</p>"
        f'<div class="cards">{cards}</div>'
        f"{charts}"
        + (f"<h2>Follow the plan against stay put</h2>{table_html(_COMPARISON_HEADER, plan)}"
           if plan is not None else "")
        + f"<h2>Cohorts</h2>{table_html(header, rows)}"
        f"{_hedge_html(result)}"
        f"{_trading_html(result)}"
        f"<h2>Totals</h2>{totals}"
        f'<h2>Notes</h2><ul class="notes">'
        + "".join(f"<li>{html.escape(n)}</li>" for n in notes if n) + "</ul>"
    )
    return page(f"{s.name} — hashwinter backtest", body)


def _hedge_html(result: BacktestResult) -> str:
    """Return the hedging section of the HTML report ('' without a hedge)."""
    h = result.hedge
    if h is None:
        return ""
    header, rows = _hedge_rows(result)
    c = result.currency
    chart = figure_div(hedge_chart(h.daily, h.monthly, c))
    text = (f"Book: {', '.join(h.instruments)}. Unhedged: the same farm without its hedge, "
            f"over the same history. Equity at the end (cash and coins at the last price): "
            f"{h.equity_hedged:,.0f} {c} hedged, {h.equity_unhedged:,.0f} {c} unhedged. "
            "Margin used is the largest collateral posted in the month (held, not paid); "
            "funding paid is positive when the hedge paid; basis cost is what entering at "
            "the contract price instead of spot cost.")
    return (f"<h2>Hedge</h2><p>{html.escape(text)}</p>{chart}"
            f"{table_html(header, rows)}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def summary_json(result: BacktestResult) -> str:
    """Return the summary (totals and cohort lines) as JSON."""
    s = result.summary
    data = {name: _jsonable(getattr(s, name)) for name in s.__dataclass_fields__
            if name not in ("cohorts", "owners")}
    data["cohorts"] = [{k: _jsonable(v) for k, v in row.items()}
                       for row in s.cohorts.to_dict(orient="records")]
    if s.owners is not None:
        data["owners"] = [{k: _jsonable(v) for k, v in row.items()}
                          for row in s.owners.to_dict(orient="records")]
    if result.hedge is not None:
        h = result.hedge
        data["hedge"] = {
            "instruments": list(h.instruments),
            "equity_hedged": h.equity_hedged, "equity_unhedged": h.equity_unhedged,
            "monthly": [{k: _jsonable(v) for k, v in row.items()}
                        for row in h.monthly.to_dict(orient="records")],
        }
    return dumps(data, indent=2, ensure_ascii=False)


def write_backtest_outputs(
    result: BacktestResult, out_dir: str | os.PathLike[str], *, ledger_format: str = "both",
    html_report: bool = True,
) -> list[Path]:
    """Write the ledgers, the summary and the HTML report into ``out_dir``, all or nothing.

    Parameters
    ----------
    result : BacktestResult
        The backtest.
    out_dir : path
        Destination folder (created if missing; files of the same names are replaced).
    ledger_format : {"csv", "parquet", "both"}
        Form of the daily ledgers.
    html_report : bool
        Also write ``report.html``.

    Returns
    -------
    list of Path
        The files written.

    """
    if ledger_format not in LEDGER_FORMATS:
        raise InputError(f"must be one of {', '.join(LEDGER_FORMATS)}", field="--format")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", field="--out", source=str(out))
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".hashwinter-", dir=parent))
    except OSError as exc:
        raise InputError(f"cannot write there: {exc.strerror}", field="--out",
                         source=str(out)) from None
    try:
        names: list[str] = []
        frames = [("cohorts", result.cohorts), ("treasury", result.treasury)]
        if result.hedge is not None:
            frames.append(("hedge", result.hedge.daily))
        used = used_price_paths(result)
        if used is not None:  # a farm with trading rules: its fleet, trades and used prices
            frames.append(("trades", trade_book(result)))
            frames.append(("used_prices", used))
        for stem, frame in frames:
            if ledger_format in ("csv", "both"):
                finite_frame(frame).to_csv(staging / f"{stem}.csv", index=False,
                                           float_format="%.10g")
                names.append(f"{stem}.csv")
            if ledger_format in ("parquet", "both"):
                frame.to_parquet(staging / f"{stem}.parquet", index=False)
                names.append(f"{stem}.parquet")
        comparison = result.plan_comparison()
        if comparison is not None:
            finite_frame(comparison).to_csv(staging / "plan_comparison.csv", index=False)
            names.append("plan_comparison.csv")
        (staging / "summary.json").write_text(summary_json(result), encoding="utf-8")
        names.append("summary.json")
        if html_report:
            (staging / "report.html").write_text(backtest_html(result), encoding="utf-8")
            names.append("report.html")
        out.mkdir(parents=True, exist_ok=True)
        for name in names:
            os.replace(staging / name, out / name)
        return [out / n for n in names]
    except OSError as exc:
        raise InputError(f"cannot write there: {exc.strerror}", field="--out",
                         source=str(out)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


