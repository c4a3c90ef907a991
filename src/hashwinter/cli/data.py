"""``hashwinter data ...``: import, fetch, inspect, check and export the history store."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.cli.flags import date_flag
from hashwinter.data.sources import FETCH_SOURCES, IMPORT_SOURCES
from hashwinter.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from rich.progress import TaskID

    from hashwinter.data import HistoryStore, ImportReport

# numpy, pandas, DuckDB and rich are imported inside the commands, not here:
# `hashwinter --help` and the other commands do not pay for them.

__all__ = ["data_app"]

data_app = typer.Typer(
    name="data",
    help="The history store: chain, price, FX and machine-price history (DuckDB).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

_out = stdout_console  # a console per use: it follows sys.stdout and sys.stderr as they are
_err = stderr_console

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", envvar="HASHWINTER_STORE",
                 help="History store file (default: the user data dir)."),
]
SkipBad = Annotated[
    bool,
    typer.Option("--skip-bad", help="Skip bad rows (and list them) instead of importing nothing."),
]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """Yield a ``progress(stage, done, total)`` callback drawing rich bars on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    err = _err()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    tasks: dict[str, TaskID] = {}
    # Bars only on a terminal: piped or captured stderr stays clean for error lines.
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                what = {"download": f"downloading {label}", "parse": f"reading {label}",
                        "write": "writing to the store"}.get(stage, stage)
                tasks[stage] = bar.add_task(what, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


@contextmanager
def _download_progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """Like :func:`_progress`, with a byte counter for the download stage."""
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn

    err = _err()
    tasks: dict[str, TaskID] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  DownloadColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{stage} {label}", total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


def _report(report: ImportReport) -> None:
    """Print an import's summary, and the rows it skipped (on stderr)."""
    for message in report.skipped:
        _err().print(f"skipped: {message}", markup=False)
    _out().print(report.summary(), markup=False)


@data_app.command("import")
def import_command(
    source: Annotated[str, typer.Argument(help=f"One of: {', '.join(IMPORT_SOURCES)}.")],
    path: Annotated[Path, typer.Argument(help="File to import (CSV, JSON or zip).")],
    skip_bad: SkipBad = False,
    asset: Annotated[str | None, typer.Option(help="Coin ticker (coinmetrics, csv).")] = None,
    series: Annotated[
        str | None,
        typer.Option(help="csv: price, fx, difficulty, hashrate [H/s], blocks, issuance, fees."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="csv: quote of a price series, or the fx currency.")
    ] = None,
    chart: Annotated[
        str | None, typer.Option(help="blockchain-com chart (default: from the file).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Import a file into the store: all rows in one transaction, or nothing."""
    from hashwinter.data.importers import IMPORTERS
    from hashwinter.data.importing import import_file

    if source not in IMPORTERS:
        raise InputError(f"unknown source {source!r}; one of {', '.join(IMPORTERS)}",
                         field="SOURCE")
    with _progress(path.name) as progress:
        report = import_file(source, path, store=store, skip_bad=skip_bad, progress=progress,
                             asset=asset, series=series, currency=currency, chart=chart)
    _report(report)


@data_app.command("fetch")
def fetch_command(
    source: Annotated[str, typer.Argument(help=f"One of: {', '.join(FETCH_SOURCES)}.")],
    asset: Annotated[str | None, typer.Option(help="coinmetrics: ticker (btc, eth...).")] = None,
    chart: Annotated[str | None, typer.Option(help="blockchain-com: chart slug.")] = None,
    timespan: Annotated[str | None, typer.Option(help="blockchain-com: e.g. all, 5years.")] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="mempool: difficulty-adjustments or hashrate.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="mempool: all, 3y, 1y...")] = None,
    url: Annotated[str | None, typer.Option(help="Override the source's URL.")] = None,
    skip_bad: SkipBad = False,
    store: StoreOption = None,
) -> None:
    """Download a source (needs the internet) and import it."""
    from hashwinter.data.fetch import fetch_source

    with _download_progress(source) as progress:
        report = fetch_source(source, store=store, skip_bad=skip_bad, progress=progress,
                              asset=asset, chart=chart, timespan=timespan, endpoint=endpoint,
                              period=period, url=url)
    _report(report)


@data_app.command("status")
def status_command(store: StoreOption = None) -> None:
    """Show what is stored: series, rows, date ranges and gaps."""
    from rich.table import Table

    from hashwinter.data.paths import resolve_store_path
    from hashwinter.data.schema import SCHEMA_VERSION
    from hashwinter.data.status import store_status
    from hashwinter.data.store import HistoryStore

    with HistoryStore.open(store) as st:
        rows = store_status(st)
        imports = st.imports(5)
    _out().print(f"store: {resolve_store_path(store)} (schema v{SCHEMA_VERSION})", markup=False)
    table = Table("table", "series", "rows", "first", "last", "gaps")
    for r in rows:
        table.add_row(r.table, r.series, f"{r.rows:,}", str(r.first), str(r.last),
                      str(r.gaps) if r.gaps else "-")
    _out().print(table)
    if not rows:
        _out().print("empty: import data with `hashwinter data import SOURCE PATH`", markup=False)
    for row in imports.itertuples(index=False):
        _out().print(f"import #{row.id} {row.imported_at:%Y-%m-%d %H:%M} {row.source}: "
                   f"{row.origin}", markup=False)


def _stored_range(st: HistoryStore, asset: str) -> tuple[dt.date, dt.date]:
    """First and last day of an asset's stored difficulty."""
    first, last = st.con.execute(
        "SELECT min(date), max(date) FROM chain_daily WHERE asset = ? AND difficulty IS NOT NULL",
        [asset.upper()]).fetchone() or (None, None)
    if first is None:
        raise InputError(f"no {asset.upper()} chain history in the store", field="--asset")
    return first, last


def _flags(row: pd.Series) -> str:
    """Short caveats for one day of ``data show``."""
    import pandas as pd

    out = []
    if row["retarget"]:
        out.append(f"retarget {row['retarget_change']:+.1%}")
    if row["subsidy_blended"]:
        out.append("halving day")
    if row["difficulty_date"] != row.name:
        out.append("difficulty filled")
    if row["price_date"] != row.name:
        out.append("price filled")
    if not pd.isna(row["fx_date"]) and row["fx_date"] != row.name:
        out.append(f"fx of {row['fx_date']:%m-%d}")
    return ", ".join(out)


@data_app.command("show")
def show_command(
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (default: last stored).")
    ] = None,
    currency: Annotated[str, typer.Option(help="Currency of the price (needs stored FX).")] = "USD",
    asset: Annotated[str, typer.Option(help="Coin ticker.")] = "BTC",
    fee_window: Annotated[int, typer.Option(help="Days of fees averaged per block.")] = 7,
    output: Annotated[str, typer.Option("--format", help="table or csv.")] = "table",
    store: StoreOption = None,
) -> None:
    """Show the network state day by day (difficulty, subsidy, fees, price) from the store."""
    import numpy as np
    from rich.table import Table

    from hashwinter.data.network import network_states
    from hashwinter.data.store import HistoryStore

    if output not in ("table", "csv"):
        raise InputError(f"must be table or csv (got {output!r})", field="--format")
    with HistoryStore.open(store) as st:
        first, last = _stored_range(st, asset)
        to_day = date_flag(end, "--to") or last
        from_day = date_flag(start, "--from") or max(first, to_day - dt.timedelta(days=13))
        if from_day > to_day:
            raise InputError(f"--from {from_day} is after --to {to_day}", field="--from")
        days = np.arange(np.datetime64(from_day), np.datetime64(to_day) + 1)
        frame = network_states(days, store=st, asset=asset, currency=currency,
                               fee_window_days=fee_window)
    cur = frame.attrs["currency"]
    if output == "csv":
        cols = ["difficulty", "subsidy", "fees_per_block", "price", "fx_per_usd", "hashrate_hs",
                "retarget", "retarget_change", "difficulty_date", "price_date", "fx_date"]
        frame[cols].to_csv(sys.stdout, date_format="%Y-%m-%d")
        return
    table = Table("date", "difficulty", "subsidy", "fees/block", f"price {cur}",
                  f"{cur}/USD", "notes", title=f"{frame.attrs['asset']} from the history store")
    for day, row in frame.iterrows():
        table.add_row(f"{day:%Y-%m-%d}", f"{row['difficulty']:.4e}", f"{row['subsidy']:.4g}",
                      f"{row['fees_per_block']:.4f}", f"{row['price']:,.2f}",
                      f"{row['fx_per_usd']:.5g}", _flags(row))
    _out().print(table)


@data_app.command("check")
def check_command(store: StoreOption = None) -> None:
    """Report gaps and suspicious values (x4 difficulty jumps, negative fees, price spikes).

    Exits with status 1 when something is found.
    """
    from hashwinter.data.check import check_store

    findings = check_store(store)
    for f in findings:
        _out().print(str(f), markup=False)
    gaps = sum(f.kind == "gap" for f in findings)
    odd = len(findings) - gaps
    _out().print(f"{gaps} gaps, {odd} suspicious values", markup=False)
    if findings:
        raise typer.Exit(1)


@data_app.command("export")
def export_command(
    output: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    out: Annotated[Path, typer.Option(help="Folder to write one file per table into.")] = Path(
        "hashwinter-export"),
    store: StoreOption = None,
) -> None:
    """Export every table of the store to Parquet or CSV files."""
    from hashwinter.data.export import FORMATS, export_store

    if output not in FORMATS:
        raise InputError(f"must be one of {', '.join(FORMATS)} (got {output!r})", field="--format")
    for path in export_store(out, fmt=output, store=store):
        _out().print(f"wrote {path}", markup=False)


@data_app.command("add-machine-price")
def add_machine_price_command(
    model: Annotated[str, typer.Argument(help="Machine model, e.g. 'Antminer S9'.")],
    date: Annotated[str, typer.Argument(help="YYYY-MM-DD (or YYYY-MM, YYYY).")],
    price: Annotated[float, typer.Argument(help="Price per unit.")],
    currency: Annotated[str, typer.Option(help="ISO code of the price.")] = "USD",
    condition: Annotated[str, typer.Option(help="new, used or scrap.")] = "used",
    source: Annotated[str, typer.Option(help="Where the quote comes from.")] = "user",
    kind: Annotated[str, typer.Option(help="What the price is, e.g. 'asking'.")] = "",
    market: Annotated[str, typer.Option(help="Where, e.g. 'Shenzhen'.")] = "",
    note: Annotated[str, typer.Option(help="Free text.")] = "",
    store: StoreOption = None,
) -> None:
    """Record one observed machine price, e.g. a second-hand quote."""
    from hashwinter.data.importers import machine_price_frame
    from hashwinter.data.importing import import_frames

    frame = machine_price_frame(model, date, price, currency, condition, source=source,
                                price_kind=kind, market=market, note=note)
    _report(import_frames([frame], store=store, source="machine-prices", origin="command line"))


@data_app.command("machine-prices")
def machine_prices_command(
    model: Annotated[str | None, typer.Option(help="Only models containing this text.")] = None,
    store: StoreOption = None,
) -> None:
    """List the observed machine prices."""
    from rich.table import Table

    from hashwinter.data.store import HistoryStore

    with HistoryStore.open(store) as st:
        frame = st.machine_prices(model)
    table = Table("date", "model", "price", "condition", "kind", "source")
    for r in frame.itertuples(index=False):
        when = {"day": f"{r.date:%Y-%m-%d}", "month": f"{r.date:%Y-%m}"}.get(
            str(r.date_precision), f"{r.date:%Y}")
        table.add_row(when, str(r.model), f"{r.price:,.0f} {r.currency}", str(r.condition),
                      str(r.price_kind), str(r.source))
    _out().print(table)
