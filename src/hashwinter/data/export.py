"""Export the store's tables to Parquet or CSV files (``hashwinter data export``).

Each table becomes one file in the output folder (``chain_daily.parquet``...).
Files are written under a temporary name and renamed when complete, so an
interrupted export never leaves a half-written file behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from hashwinter.data.schema import TABLES
from hashwinter.data.store import HistoryStore, opened
from hashwinter.errors import InputError

__all__ = ["FORMATS", "export_store"]

#: Supported formats -> DuckDB COPY options.
FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER true"}

_ORDER = {
    "chain_daily": "asset, date",
    "coin_price_daily": "asset, quote, date",
    "fx_daily": "currency, date",
    "retargets": "asset, height",
    "machine_prices": "date, model",
    "futures_price_daily": "symbol, date",
    "funding_rates": "symbol, time",
    "import_log": "id",
}


def export_store(
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "parquet",
    store: HistoryStore | str | os.PathLike[str] | None = None,
    tables: tuple[str, ...] = TABLES,
) -> list[Path]:
    """Write every table of the store to ``out_dir`` as Parquet or CSV.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created if needed).
    fmt : {"parquet", "csv"}
        File format.
    store : HistoryStore or path, optional
        Open store or its file (default: ``$HASHWINTER_STORE`` or the user data dir).
    tables : tuple of str
        Tables to export (default: all data tables and the import log).

    Returns
    -------
    list of pathlib.Path
        The files written, one per table, sorted by key.

    Raises
    ------
    InputError
        For an unknown format or table, or an output folder that cannot be written.

    """
    if fmt not in FORMATS:
        raise InputError(f"must be one of {', '.join(FORMATS)} (got {fmt!r})", field="format")
    unknown = [t for t in tables if t not in _ORDER]
    if unknown:
        raise InputError(f"unknown table(s): {', '.join(unknown)}", field="tables")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror}",
                         source=str(out)) from None
    written: list[Path] = []
    with opened(store) as st:
        for table in tables:
            final = out / f"{table}.{fmt}"
            partial = out / f".{table}.{fmt}.partial"
            target = str(partial).replace("'", "''")
            try:
                st.con.execute(f"COPY (SELECT * FROM {table} ORDER BY {_ORDER[table]}) "
                               f"TO '{target}' ({FORMATS[fmt]})")
                os.replace(partial, final)
            except (duckdb.Error, OSError) as exc:
                partial.unlink(missing_ok=True)
                raise InputError(f"cannot write {final.name}: {str(exc).splitlines()[0]}",
                                 source=str(out)) from None
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            written.append(final)
    return written
