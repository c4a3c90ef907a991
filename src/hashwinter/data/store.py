"""The history store: one embedded DuckDB file of chain, price, FX and machine-price history.

:class:`HistoryStore` opens (and, for writing, creates and migrates) the file,
writes tidy frames as an upsert inside one transaction, and reads tables back
as DataFrames. Nothing runs in the background: DuckDB is a library.

Writes are atomic: every frame of an import goes in one transaction, so a bad
file, an exception or a killed process leaves the store exactly as it was, and
re-importing the same file updates rows instead of duplicating them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from hashwinter.data import frames as fr
from hashwinter.data.paths import resolve_store_path
from hashwinter.data.plausible import frame_problems
from hashwinter.data.schema import SCHEMA_VERSION, migrate, schema_version
from hashwinter.errors import InputError, InputErrors

__all__ = ["HistoryStore", "Progress", "check_frames", "opened"]

#: Progress callback: ``progress(done_rows, total_rows)``.
Progress = Callable[[int, int], None]

_CHAIN_COLS = ("difficulty", "hashrate_hs", "blocks", "issuance", "fees")

_UPSERT = {
    "chain_daily": """
        INSERT INTO chain_daily (asset, date, difficulty, hashrate_hs, blocks, issuance, fees,
                                 source)
        SELECT asset, CAST(date AS DATE), difficulty, hashrate_hs, CAST(round(blocks) AS INTEGER),
               issuance, fees, $source FROM incoming
        ON CONFLICT (asset, date) DO UPDATE SET
            difficulty = COALESCE(excluded.difficulty, chain_daily.difficulty),
            hashrate_hs = COALESCE(excluded.hashrate_hs, chain_daily.hashrate_hs),
            blocks = COALESCE(excluded.blocks, chain_daily.blocks),
            issuance = COALESCE(excluded.issuance, chain_daily.issuance),
            fees = COALESCE(excluded.fees, chain_daily.fees),
            source = excluded.source
    """,
    "coin_price_daily": """
        INSERT INTO coin_price_daily (asset, quote, date, price, source)
        SELECT asset, quote, CAST(date AS DATE), price, $source FROM incoming
        ON CONFLICT (asset, quote, date) DO UPDATE SET
            price = excluded.price, source = excluded.source
    """,
    "fx_daily": """
        INSERT INTO fx_daily (currency, date, per_usd, source)
        SELECT currency, CAST(date AS DATE), per_usd, $source FROM incoming
        ON CONFLICT (currency, date) DO UPDATE SET
            per_usd = excluded.per_usd, source = excluded.source
    """,
    "retargets": """
        INSERT INTO retargets (asset, height, time, difficulty, change, source)
        SELECT asset, height, CAST(time AS TIMESTAMP), difficulty, change, $source FROM incoming
        ON CONFLICT (asset, height) DO UPDATE SET
            time = excluded.time, difficulty = excluded.difficulty,
            change = COALESCE(excluded.change, retargets.change)
    """,
    "machine_prices": """
        INSERT INTO machine_prices (model, date, date_precision, price, currency, condition,
            condition_detail, price_kind, market, source, note, date_detail, quote)
        SELECT model, CAST(date AS DATE), date_precision, price, currency, condition,
            condition_detail, price_kind, market, source, note, date_detail, quote FROM incoming
        ON CONFLICT (model, date, condition, price_kind, source) DO UPDATE SET
            date_precision = excluded.date_precision, price = excluded.price,
            currency = excluded.currency, condition_detail = excluded.condition_detail,
            market = excluded.market, note = excluded.note,
            date_detail = excluded.date_detail, quote = excluded.quote
    """,
    "futures_price_daily": """
        INSERT INTO futures_price_daily (symbol, date, price, source)
        SELECT symbol, CAST(date AS DATE), price, $source FROM incoming
        ON CONFLICT (symbol, date) DO UPDATE SET
            price = excluded.price, source = excluded.source
    """,
    "funding_rates": """
        INSERT INTO funding_rates (symbol, time, interval_hours, rate, mark, source)
        SELECT symbol, CAST(time AS TIMESTAMP), interval_hours, rate, mark, $source FROM incoming
        ON CONFLICT (symbol, time) DO UPDATE SET
            interval_hours = excluded.interval_hours, rate = excluded.rate,
            mark = COALESCE(excluded.mark, funding_rates.mark), source = excluded.source
    """,
}


def check_frames(frames: Sequence[pd.DataFrame]) -> None:
    """Raise InputErrors listing every implausible, non-finite or missing value of ``frames``.

    Importers refuse such values with their file and line; this guards writes of
    frames built by code (and anything an importer missed), so that nothing
    non-finite or implausible reaches the store.
    """
    problems = [e for frame in frames for e in frame_problems(frame)]
    if problems:
        raise InputErrors(problems)


def _table_rows(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Split a tidy frame into (table, rows) pairs ready for the upsert statements."""
    kind = frame.attrs.get("kind")
    if kind == fr.CHAIN:
        out: list[tuple[str, pd.DataFrame]] = []
        chain = frame.reindex(columns=["asset", "date", *_CHAIN_COLS])
        chain = chain[chain[list(_CHAIN_COLS)].notna().any(axis=1)]
        if len(chain):
            out.append(("chain_daily", chain))
        if "price_usd" in frame and frame["price_usd"].notna().any():
            priced = frame[frame["price_usd"].notna()]
            out.append(("coin_price_daily", pd.DataFrame({
                "asset": priced["asset"], "quote": "USD", "date": priced["date"],
                "price": priced["price_usd"]})))
        return out
    tables = {fr.PRICE: "coin_price_daily", fr.FX: "fx_daily", fr.RETARGETS: "retargets",
              fr.MACHINE_PRICES: "machine_prices", fr.FUTURES: "futures_price_daily",
              fr.FUNDING: "funding_rates"}
    if kind not in tables:
        raise ValueError(f"frame has no known kind in attrs: {kind!r}")
    return [(tables[kind], frame.reindex(columns=list(fr.COLUMNS[kind])))]


class HistoryStore:
    """An open history store (a DuckDB file).

    Use :meth:`open`; close it (or use ``with``) when done, since DuckDB lets
    only one process write a file at a time.

    Parameters
    ----------
    path : pathlib.Path
        The DuckDB file.
    connection : duckdb.DuckDBPyConnection
        Open connection to it.
    read_only : bool
        Whether the connection is read-only.

    """

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = connection
        self.read_only = read_only

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        store: str | os.PathLike[str] | None = None,
        *,
        write: bool = False,
    ) -> HistoryStore:
        """Open the store at ``store`` (or ``$HASHWINTER_STORE``, or the user data dir).

        Parameters
        ----------
        store : str or path-like, optional
            The DuckDB file.
        write : bool
            Open for writing, creating the file (and its folder) if needed.
            Otherwise the file must exist and is opened read-only, so many
            readers can share it.

        Returns
        -------
        HistoryStore
            With the schema at :data:`~hashwinter.data.schema.SCHEMA_VERSION`.

        Raises
        ------
        InputError
            If reading a store that does not exist, a file that is not a
            DuckDB database, a store from a newer hashwinter, or one that is
            locked by another writing process.

        """
        path = resolve_store_path(store)
        if not write and not path.is_file():
            raise InputError(
                "no history store here; import data first, e.g. "
                "`hashwinter data import coinmetrics btc.csv` (or pass --store)",
                source=str(path),
            )
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = cls._connect(path, read_only=not write)
        try:
            version = schema_version(con)
            if write:
                migrate(con, source=str(path))
            elif version < SCHEMA_VERSION:
                # An older store: upgrade it once, then read.
                con.close()
                con = cls._connect(path, read_only=False)
                migrate(con, source=str(path))
                con.close()
                con = cls._connect(path, read_only=True)
            elif version > SCHEMA_VERSION:
                migrate(con, source=str(path))  # raises the "newer store" error
        except BaseException:
            con.close()
            raise
        return cls(path, con, read_only=not write)

    @staticmethod
    def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Connect, turning DuckDB's errors into one-line input errors."""
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # Only registered frames may be scanned, never Python variables that happen
            # to share a missing table's name.
            con.execute("SET python_enable_replacements = false")
            return con
        except duckdb.IOException as exc:
            text = str(exc).splitlines()[0]
            if "lock" in text.lower():
                why = "the store is in use by another hashwinter process; retry when it is done"
            else:
                why = f"cannot open the store: {text}"
            raise InputError(why, source=str(path)) from None
        except duckdb.ConnectionException:
            # DuckDB allows one configuration per file within a process.
            raise InputError("the store is already open for writing in this process; "
                             "close it first (or pass the open HistoryStore)",
                             source=str(path)) from None
        except duckdb.Error as exc:
            raise InputError(f"cannot open the store: {str(exc).splitlines()[0]}",
                             source=str(path)) from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self.con.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"HistoryStore({str(self.path)!r}, {mode})"

    # -- writing -----------------------------------------------------------------------
    def write(
        self,
        frames: Sequence[pd.DataFrame],
        *,
        source: str,
        origin: str,
        skipped: int = 0,
        progress: Progress | None = None,
        chunk_rows: int = 2500,
    ) -> dict[str, int]:
        """Upsert tidy frames in one transaction and log the import.

        Parameters
        ----------
        frames : sequence of pandas.DataFrame
            Tidy frames with ``attrs["kind"]`` (see :mod:`hashwinter.data.frames`).
        source : str
            Importer name, recorded with the rows and in the import log.
        origin : str
            File or URL, recorded in the import log.
        skipped : int
            Rows the importer dropped (``--skip-bad``), for the log.
        progress : callable, optional
            ``progress(done_rows, total_rows)`` after each chunk.
        chunk_rows : int
            Rows per statement (progress granularity).

        Returns
        -------
        dict of str to int
            Rows written (inserted or updated) per table.

        """
        if self.read_only:
            raise RuntimeError("store opened read-only; use HistoryStore.open(..., write=True)")
        check_frames(frames)
        work = [pair for frame in frames for pair in _table_rows(frame)]
        total = sum(len(rows) for _, rows in work)
        label = f"{source}:{Path(origin).name}" if "://" not in origin else origin
        written: dict[str, int] = {}
        done = 0
        self.con.execute("BEGIN TRANSACTION")
        try:
            if progress is not None:
                progress(0, total)
            for table, rows in work:
                for start in range(0, len(rows), max(1, chunk_rows)):
                    chunk = rows.iloc[start : start + chunk_rows]
                    self.con.register("incoming", chunk)
                    self.con.execute(_UPSERT[table], {"source": label}
                                     if "$source" in _UPSERT[table] else None)
                    self.con.unregister("incoming")
                    done += len(chunk)
                    written[table] = written.get(table, 0) + len(chunk)
                    if progress is not None:
                        progress(done, total)
            self.con.execute(
                "INSERT INTO import_log (source, origin, rows_written, skipped, imported_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [source, origin, json.dumps(written), int(skipped),
                 dt.datetime.now(dt.UTC).replace(tzinfo=None)],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            # After the rollback: an aborted transaction refuses even this.
            with contextlib.suppress(duckdb.Error):
                self.con.unregister("incoming")
            raise
        return written

    # -- reading -----------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run SQL against the store and return a DataFrame (escape hatch for analysts)."""
        return self.con.execute(sql, params or []).df()

    def arrays(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, np.ndarray]:
        """Run SQL and return numpy columns (the fast path of vectorized reads).

        Dates come back as int64 days since 1970-01-01, everything else as
        float64 with NaN for NULL.
        """
        raw = self.con.execute(sql, list(params or [])).fetchnumpy()
        out: dict[str, np.ndarray] = {}
        for name, col in raw.items():
            mask = np.ma.getmaskarray(col) if isinstance(col, np.ma.MaskedArray) else None
            data = np.ma.getdata(col)
            if data.dtype.kind == "M":
                out[name] = data.astype("datetime64[D]").astype(np.int64)
            else:
                values = data.astype(np.float64)
                if mask is not None:
                    values[mask] = np.nan
                out[name] = values
        return out

    def chain(self, asset: str = "BTC") -> pd.DataFrame:
        """Return the daily chain history of ``asset``, ordered by date."""
        return self.query(
            "SELECT date, difficulty, hashrate_hs, blocks, issuance, fees, source "
            "FROM chain_daily WHERE asset = ? ORDER BY date", [asset.upper()])

    def prices(self, asset: str = "BTC", quote: str = "USD") -> pd.DataFrame:
        """Return daily coin prices of ``asset`` in ``quote`` [quote per coin], by date."""
        return self.query(
            "SELECT date, price, source FROM coin_price_daily WHERE asset = ? AND quote = ? "
            "ORDER BY date", [asset.upper(), quote.upper()])

    def fx(self, currency: str) -> pd.DataFrame:
        """FX rates of ``currency`` (units per USD), ordered by date."""
        return self.query("SELECT date, per_usd, source FROM fx_daily WHERE currency = ? "
                          "ORDER BY date", [currency.upper()])

    def retargets(self, asset: str = "BTC") -> pd.DataFrame:
        """Difficulty adjustments of ``asset``, ordered by height."""
        return self.query("SELECT height, time, difficulty, change, source FROM retargets "
                          "WHERE asset = ? ORDER BY height", [asset.upper()])

    def machine_prices(self, model: str | None = None) -> pd.DataFrame:
        """Observed machine prices (all, or those whose model contains ``model``)."""
        if model:
            return self.query("SELECT * FROM machine_prices WHERE model ILIKE ? "
                              "ORDER BY date, model", [f"%{model}%"])
        return self.query("SELECT * FROM machine_prices ORDER BY date, model")

    def futures_prices(self, symbol: str) -> pd.DataFrame:
        """Return the daily prices of futures contract ``symbol`` [USD/coin], by date."""
        return self.query("SELECT date, price, source FROM futures_price_daily "
                          "WHERE symbol = ? ORDER BY date", [symbol.upper()])

    def funding(self, symbol: str = "XBTUSD") -> pd.DataFrame:
        """Return the funding rates of perpetual ``symbol``, by time (see the schema)."""
        return self.query("SELECT symbol, time, interval_hours, rate, mark, source "
                          "FROM funding_rates WHERE symbol = ? ORDER BY time", [symbol.upper()])

    def assets(self) -> list[str]:
        """Assets with chain history or prices."""
        rows = self.con.execute(
            "SELECT asset FROM chain_daily UNION SELECT asset FROM coin_price_daily "
            "ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def currencies(self) -> list[str]:
        """Currencies with stored FX (USD is implicit and not listed)."""
        rows = self.con.execute("SELECT DISTINCT currency FROM fx_daily ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def imports(self, limit: int = 10) -> pd.DataFrame:
        """Return the most recent imports, newest first."""
        return self.query("SELECT id, source, origin, rows_written, skipped, imported_at "
                          "FROM import_log ORDER BY id DESC LIMIT ?", [int(limit)])


@contextmanager
def opened(store: HistoryStore | str | os.PathLike[str] | None) -> Iterator[HistoryStore]:
    """Use an open store as is, or open a path read-only for the block and close it.

    Parameters
    ----------
    store : HistoryStore or path or None
        An open store, a file, or None for ``$HASHWINTER_STORE`` / the user data dir.

    Yields
    ------
    HistoryStore
        The open store.

    """
    if isinstance(store, HistoryStore):
        yield store
        return
    st = HistoryStore.open(store)
    try:
        yield st
    finally:
        st.close()
