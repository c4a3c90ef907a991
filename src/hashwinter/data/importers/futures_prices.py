"""Futures prices: a generic ``date,symbol,price`` CSV, one row per contract and day.

``symbol`` names the contract (``XBTZ18``, ``BTC-USD-181228``, ``CME_BTC_F19``);
``price`` is its settlement or closing price that day [USD per coin]. A header
line with these three names is required (in any order; other columns are
ignored). Rows are keyed by (symbol, date): re-importing updates them.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from hashwinter.data import frames
from hashwinter.data.importers._parse import (
    BadRows,
    parse_dates,
    parse_numbers,
    read_csv_table,
    read_text,
    reject_duplicates,
)
from hashwinter.errors import InputError
from hashwinter.ranges import get_range

__all__ = ["parse_futures_prices", "read_futures_prices"]

_REQUIRED = ("date", "symbol", "price")
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]{0,39}$")


def parse_futures_prices(
    text: str, origin: str, *, skip_bad: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse ``date,symbol,price`` CSV text into a ``futures`` frame.

    Parameters
    ----------
    text : str
        CSV content.
    origin : str
        File name or URL for messages.
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        Kind ``futures``: symbol, date, price [USD/coin].
    skipped : list of str
        Messages for dropped rows.

    """
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad)
    missing = [c for c in _REQUIRED if table.find(c) is None]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)} (needs date,symbol,price)",
                         source=origin, line=1)
    col = {c: table.find(c) or c for c in _REQUIRED}
    lines = table.lines
    dates = parse_dates(table, col["date"], bad, field=col["date"])
    texts = table.cells[col["symbol"]]
    symbols = np.array([s.upper() for s in texts], dtype=object)
    bad_symbol = np.array([not _SYMBOL.match(s) for s in symbols], dtype=bool)
    bad.add_where(bad_symbol, lines, table.column_number(col["symbol"]), col["symbol"], texts,
                  "not a contract symbol (letters, digits, _ . -): {value!r}")
    prices = parse_numbers(table, col["price"], bad, minimum=0.0, strictly_above=True)
    cap = get_range("coin_price").high
    high = prices > cap
    bad.add_where(high, lines, table.column_number(col["price"]), col["price"],
                  table.cells[col["price"]], f"must be <= {cap:g} USD/coin (got {{value}})")
    empty = np.isnan(prices) & ~high & bad.good_mask(lines)
    bad.add_where(empty, lines, table.column_number(col["price"]), col["price"], None,
                  "empty price")
    reject_duplicates([symbols, dates], lines, ~np.isnat(dates) & ~bad_symbol, bad,
                      column=table.column_number(col["date"]), field=col["date"],
                      describe="(symbol, date):", whole_key=True)
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(lines)
    out = pd.DataFrame({"symbol": pd.Series(symbols[keep], dtype="str"),
                        "date": dates[keep].astype("datetime64[s]"),
                        "price": prices[keep]})
    out = out.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    return frames.tag(out, frames.FUTURES, "futures", origin), skipped


def read_futures_prices(path: str | os.PathLike[str], *, skip_bad: bool = False) -> pd.DataFrame:
    """Read daily futures prices from a ``date,symbol,price`` CSV.

    Parameters
    ----------
    path : str or path-like
        The file.
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        symbol, date, price [USD/coin].

    """
    text, origin = read_text(path)
    frame, skipped = parse_futures_prices(text, origin, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
