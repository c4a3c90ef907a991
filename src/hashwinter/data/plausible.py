"""Plausible values of the stored columns: checked before a write, looked for in a store.

Every numeric column of the history store has a kind in the shared registry
(:mod:`hashwinter.ranges`), and every stored day must lie in ``history_day``.
The importers refuse values outside these ranges with the file, line and
column; :func:`frame_problems` checks the tidy frames once more just before a
write (frames may come from code, not files), and :func:`store_problems` finds
values in an existing store that break them (``hashwinter data check``), for
example an infinite hashrate written by an older hashwinter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from hashwinter.data import frames as fr
from hashwinter.data.importers._parse import DAY_KIND, day_range_text
from hashwinter.errors import InputError
from hashwinter.ranges import get_range

__all__ = ["COLUMN_KINDS", "DAY_KIND", "StoredProblem", "frame_problems", "store_problems"]

#: table -> numeric column -> registry kind of its values.
COLUMN_KINDS: dict[str, dict[str, str]] = {
    "chain_daily": {"difficulty": "difficulty", "hashrate_hs": "hashrate",
                    "blocks": "blocks_per_day", "issuance": "coins_per_day",
                    "fees": "fees_per_day"},
    "coin_price_daily": {"price": "coin_price"},
    "fx_daily": {"per_usd": "fx_history_per_usd"},
    "retargets": {"height": "block_count", "difficulty": "difficulty",
                  "change": "difficulty_ratio"},
    "machine_prices": {"price": "machine_price"},
}

#: Frame kind -> (numeric column -> registry kind), for the tidy frames importers return.
_FRAME_KINDS: dict[str, dict[str, str]] = {
    fr.CHAIN: {**COLUMN_KINDS["chain_daily"], "price_usd": "coin_price"},
    fr.PRICE: COLUMN_KINDS["coin_price_daily"],
    fr.FX: COLUMN_KINDS["fx_daily"],
    fr.RETARGETS: COLUMN_KINDS["retargets"],
    fr.MACHINE_PRICES: COLUMN_KINDS["machine_prices"],
}
#: Numeric columns that may be empty (NULL) in a frame; every other one is required.
_NULLABLE = frozenset({"difficulty", "hashrate_hs", "blocks", "issuance", "fees", "price_usd",
                       "change"})
#: Frame kind -> its day column.
_DAY_COLUMN = {fr.CHAIN: "date", fr.PRICE: "date", fr.FX: "date", fr.RETARGETS: "time",
               fr.MACHINE_PRICES: "date"}
#: Text columns a row needs (the store's NOT NULL keys).
_KEYS = {fr.CHAIN: ("asset",), fr.PRICE: ("asset", "quote"), fr.FX: ("currency",),
         fr.RETARGETS: ("asset",),
         fr.MACHINE_PRICES: ("model", "date_precision", "currency", "condition")}
#: Problems listed per frame before the rest are counted.
_LIMIT = 25


def _outside(kind: str, values: np.ndarray) -> np.ndarray:
    """Mask of non-finite values and of finite values outside the range of ``kind``."""
    rng = get_range(kind)
    with np.errstate(invalid="ignore"):
        low = values <= rng.low if rng.low_open else values < rng.low
        return np.asarray(~np.isfinite(values) | low | (values > rng.high), dtype=bool)


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers (float, NaN for missing) of a date or timestamp column."""
    try:
        days = pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[D]")
    except (TypeError, ValueError, OverflowError):
        return np.full(len(values), np.nan)
    out = days.astype(np.int64).astype(np.float64)
    out[np.isnat(days)] = np.nan
    return out


def frame_problems(frame: pd.DataFrame) -> list[InputError]:
    """Return every implausible, non-finite or missing value of a tidy frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame from ``read_<source>`` or built by code, with ``attrs["kind"]``
        (see :mod:`hashwinter.data.frames`).

    Returns
    -------
    list of InputError
        Each naming the column (``field``), the row and the value; empty when
        the frame may be written. The list is capped at 25 (and a count).

    """
    kind = frame.attrs.get("kind")
    origin = frame.attrs.get("origin")
    source = str(origin) if origin is not None else None
    errors: list[InputError] = []
    hidden = 0

    def add(column: str, rows: np.ndarray, why: str, values: Sequence[object]) -> None:
        nonlocal hidden
        for i in rows:
            if len(errors) >= _LIMIT:
                hidden += 1
                continue
            errors.append(InputError(f"row {int(i)}: {why} (got {values[int(i)]!r})",
                                     field=column, source=source))

    for column, range_kind in _FRAME_KINDS.get(str(kind), {}).items():
        if column not in frame:
            continue
        try:
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            values = np.full(len(frame), np.nan)
        raw = frame[column].tolist()
        missing = pd.isna(frame[column]).to_numpy(dtype=bool)
        unparsed = np.isnan(values) & ~missing
        add(column, np.flatnonzero(unparsed), "not a number", raw)
        if column not in _NULLABLE:
            add(column, np.flatnonzero(missing), "no value", raw)
        bad = _outside(range_kind, values) & ~np.isnan(values)
        rng = get_range(range_kind)
        for i in np.flatnonzero(bad):
            if len(errors) >= _LIMIT:
                hidden += 1
                continue
            errors.append(InputError(f"row {int(i)}: implausible: {rng.problem(values[i])}",
                                     field=column, source=source))
    day_column = _DAY_COLUMN.get(str(kind))
    if day_column is not None and day_column in frame:
        days = _days(frame[day_column])
        raw = frame[day_column].tolist()
        add(day_column, np.flatnonzero(np.isnan(days)), "not a date", raw)
        add(day_column, np.flatnonzero(_outside(DAY_KIND, days) & ~np.isnan(days)),
            f"implausible date: {day_range_text()}", raw)
    for column in _KEYS.get(str(kind), ()):
        if column in frame:
            empty = frame[column].isna().to_numpy(dtype=bool)
            add(column, np.flatnonzero(empty), "no value", frame[column].tolist())
    if hidden:
        errors.append(InputError(f"... and {hidden} more problems not listed", source=source))
    return errors


@dataclasses.dataclass(frozen=True)
class StoredProblem:
    """A stored value outside its plausible range (or not finite).

    Attributes
    ----------
    table, column : str
        Where it is.
    series : str
        ``"BTC"``, ``"BTC/USD"``, ``"CNY"``, a machine model...
    day : int
        Day number (days since 1970-01-01) of the row.
    value : float
        The stored value.
    message : str
        Why it is implausible (the registry's words).

    """

    table: str
    column: str
    series: str
    day: int
    value: float
    message: str


_SERIES_SQL = {
    "chain_daily": ("asset", "date"),
    "coin_price_daily": ("asset || '/' || quote", "date"),
    "fx_daily": ("currency", "date"),
    "retargets": ("asset", "CAST(time AS DATE)"),
    "machine_prices": ("model || ' (' || currency || ')'", "date"),
}


def store_problems(con: duckdb.DuckDBPyConnection) -> list[StoredProblem]:
    """Find stored values that are not finite or lie outside their plausible range.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection to a history store.

    Returns
    -------
    list of StoredProblem
        One per bad value (NULL is a gap, not a problem here), and one per row
        whose day lies outside ``history_day``, in table, column, series, day order.

    """
    out: list[StoredProblem] = []
    for table, columns in COLUMN_KINDS.items():
        series, day = _SERIES_SQL[table]
        for column, kind in columns.items():
            rng = get_range(kind)
            low = f"{column} <= {rng.low!r}" if rng.low_open else f"{column} < {rng.low!r}"
            rows = con.execute(
                f"SELECT {series}, CAST({day} AS DATE), CAST({column} AS DOUBLE) FROM {table} "
                f"WHERE {column} IS NOT NULL AND (isnan(CAST({column} AS DOUBLE)) OR "
                f"isinf(CAST({column} AS DOUBLE)) OR {low} OR {column} > {rng.high!r}) "
                f"ORDER BY 1, 2").fetchall()
            for name, date, value in rows:
                out.append(StoredProblem(table, column, str(name), _day_number(date), value,
                                         f"{column} implausible: {rng.problem(value)}"))
        rng = get_range(DAY_KIND)
        rows = con.execute(
            f"SELECT DISTINCT {series}, CAST({day} AS DATE) AS d FROM {table} "
            f"WHERE CAST({day} AS DATE) < DATE '1970-01-01' + {int(rng.low)} "
            f"OR CAST({day} AS DATE) > DATE '1970-01-01' + {int(rng.high)} ORDER BY 1, 2"
        ).fetchall()
        for name, date in rows:
            out.append(StoredProblem(table, "date", str(name), _day_number(date), np.nan,
                                     f"implausible date: {day_range_text()}"))
    return out


def _day_number(date: dt.date) -> int:
    """Days since 1970-01-01 of a date DuckDB returned."""
    return (date - dt.date(1970, 1, 1)).days
