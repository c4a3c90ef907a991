"""Perpetual-swap funding rates: the BitMEX layout of ``../shared/data/btc_futures_2018.csv``.

Required columns: ``timestamp_utc`` (ISO time, UTC), ``symbol``,
``funding_interval_hours`` and ``funding_rate`` (fraction of notional per
interval; positive means longs pay shorts). Optional: ``funding_rate_daily``
(checked to equal ``rate x 24 / interval``) and a trade price near the
funding time, ``xbtusd_trade_price_usd`` or ``mark_price`` [USD/coin], kept
as the mark. Other columns (e.g. the derived ``funding_rate_annualized``) are
ignored.

The series must be complete: each row's time must be exactly its interval
after the previous row of the same symbol (BitMEX funded every 24 h until
2016-06-04, every 8 h after). A missing interval, a duplicate time or a bad
cell is reported as ``file:line:column: field: why`` and nothing is written.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pandas as pd

from hashwinter.data import frames
from hashwinter.data.importers._parse import (
    BadRows,
    parse_numbers,
    read_csv_table,
    read_text,
    reject_duplicates,
)
from hashwinter.errors import InputError
from hashwinter.ranges import get_range

__all__ = ["parse_funding", "read_funding"]

_REQUIRED = ("timestamp_utc", "symbol", "funding_interval_hours", "funding_rate")
_MARKS = ("xbtusd_trade_price_usd", "mark_price", "trade_price_usd")
_ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)?$"


def parse_funding(
    text: str, origin: str, *, skip_bad: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse a funding-rate CSV into a ``funding`` frame.

    Parameters
    ----------
    text : str
        CSV content.
    origin : str
        File name or URL for messages.
    skip_bad : bool
        Drop and report bad rows instead of failing (gaps are never skipped:
        dropping a row would make one).

    Returns
    -------
    frame : pandas.DataFrame
        Kind ``funding``: symbol, time, interval_hours, rate, mark.
    skipped : list of str
        Messages for dropped rows.

    """
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad)
    missing = [c for c in _REQUIRED if table.find(c) is None]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)} (needs "
                         f"{', '.join(_REQUIRED)})", source=origin, line=1)
    col = {c: table.find(c) or c for c in _REQUIRED}
    lines = table.lines

    time_texts = table.cells[col["timestamp_utc"]]
    series = pd.Series(time_texts, dtype=object)
    shaped = series.str.match(_ISO).to_numpy(dtype=bool, na_value=False)
    parsed = pd.to_datetime(series.where(shaped), utc=True, errors="coerce", format="ISO8601")
    times = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[s]")
    bad.add_where(np.isnat(times), lines, table.column_number(col["timestamp_utc"]),
                  col["timestamp_utc"], time_texts,
                  "not a UTC time YYYY-MM-DDTHH:MM:SSZ: {value!r}")

    symbols = np.array([s.upper() for s in table.cells[col["symbol"]]], dtype=object)
    bad.add_where(symbols == "", lines, table.column_number(col["symbol"]), col["symbol"], None,
                  "empty symbol")

    interval = parse_numbers(table, col["funding_interval_hours"], bad, minimum=0.0,
                             strictly_above=True)
    too_long = interval > 168
    bad.add_where(too_long, lines, table.column_number(col["funding_interval_hours"]),
                  col["funding_interval_hours"], table.cells[col["funding_interval_hours"]],
                  "must be <= 168 hours (got {value})")
    interval[too_long] = np.nan

    rates = parse_numbers(table, col["funding_rate"], bad)
    rng = get_range("funding_rate")
    wild = np.abs(rates) > rng.high
    bad.add_where(wild, lines, table.column_number(col["funding_rate"]), col["funding_rate"],
                  table.cells[col["funding_rate"]],
                  f"must be within +-{rng.high:g} per interval (got {{value}})")
    rates[wild] = np.nan
    for name, values in ((col["funding_interval_hours"], interval), (col["funding_rate"], rates)):
        empty = np.isnan(values) & bad.good_mask(lines)
        bad.add_where(empty, lines, table.column_number(name), name, None, "empty value")

    daily_name = table.find("funding_rate_daily")
    if daily_name is not None:
        daily = parse_numbers(table, daily_name, bad)
        with np.errstate(invalid="ignore"):
            expected = rates * 24.0 / interval
            off = np.isfinite(daily) & np.isfinite(expected) & (
                np.abs(daily - expected) > 1e-9 + 1e-6 * np.abs(expected))
        bad.add_where(off, lines, table.column_number(daily_name), daily_name,
                      table.cells[daily_name],
                      "does not equal funding_rate x 24 / funding_interval_hours (got {value})")

    mark_name = table.find(*_MARKS)
    if mark_name is not None:
        marks = parse_numbers(table, mark_name, bad, minimum=0.0, strictly_above=True)
    else:
        marks = np.full(len(table), np.nan)

    valid = ~np.isnat(times) & (symbols != "")
    # As text: reject_duplicates shows datetime64 keys as days, and funding comes 3 times a day.
    stamps = np.datetime_as_string(times, unit="s")
    reject_duplicates([symbols, stamps], lines, valid, bad,
                      column=table.column_number(col["timestamp_utc"]),
                      field=col["timestamp_utc"], describe="funding time")
    time_column = table.column_number(col["timestamp_utc"])
    # Gaps are checked once every cell is good (a bad cell would only echo as a gap), and
    # a missing interval is never skipped: with skip_bad it fails on its own.
    if skip_bad:
        gaps = BadRows(origin)
        _reject_gaps(symbols, times, interval, lines, gaps, time_column, col["timestamp_utc"])
        if len(gaps):
            gaps.finish(skip_bad=False)
    elif not len(bad):
        _reject_gaps(symbols, times, interval, lines, bad, time_column, col["timestamp_utc"])
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(lines)
    if skip_bad and len(bad):
        after = BadRows(origin)
        _reject_gaps(symbols[keep], times[keep], interval[keep], lines[keep], after,
                     time_column, col["timestamp_utc"])
        if len(after):
            first = after.errors()[0]
            raise InputError(f"dropping the bad rows would leave a gap in the funding "
                             f"series ({first.message})", field=first.field, source=origin,
                             line=first.line, column=first.column)
    out = pd.DataFrame({
        "symbol": pd.Series(symbols[keep], dtype="str"),
        "time": times[keep],
        "interval_hours": interval[keep],
        "rate": rates[keep],
        "mark": marks[keep],
    })
    out = out.sort_values(["symbol", "time"], kind="stable").reset_index(drop=True)
    return frames.tag(out, frames.FUNDING, "funding", origin), skipped


def _reject_gaps(
    symbols: np.ndarray,
    times: np.ndarray,
    interval: np.ndarray,
    lines: np.ndarray,
    bad: BadRows,
    column: int,
    field: str,
) -> None:
    """Record every row that is not exactly its interval after the previous funding time."""
    # Rows with a time anchor the series; those without a usable interval are not judged.
    ok = ~np.isnat(times)
    order = np.lexsort((times.astype(np.int64), symbols.astype(str)))
    order = order[ok[order]]
    for prev, cur in itertools.pairwise(order):
        if (symbols[prev] != symbols[cur] or times[prev] == times[cur]
                or not np.isfinite(interval[cur])):
            continue
        hours = (times[cur] - times[prev]).astype(np.int64) / 3600.0
        if abs(hours - interval[cur]) > 1e-6:
            what = "gap" if hours > interval[cur] else "too close"
            bad.add(int(lines[cur]), column, field,
                    f"{what}: {hours:g} h after the previous funding time "
                    f"{times[prev].astype('datetime64[s]')} (line {int(lines[prev])}), "
                    f"but the interval is {interval[cur]:g} h")


def read_funding(path: str | os.PathLike[str], *, skip_bad: bool = False) -> pd.DataFrame:
    """Read perpetual funding rates (e.g. ``../shared/data/btc_futures_2018.csv``).

    Parameters
    ----------
    path : str or path-like
        CSV with ``timestamp_utc, symbol, funding_interval_hours, funding_rate``
        (and optionally ``funding_rate_daily``, ``xbtusd_trade_price_usd``).
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        symbol, time (UTC, datetime64[s]), interval_hours [h], rate [fraction
        per interval], mark [USD/coin, NaN where unknown].

    """
    text, origin = read_text(path)
    frame, skipped = parse_funding(text, origin, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
