"""A generic two-column ``date,value`` CSV: one daily series the caller names.

The first column is the day (``YYYY-MM-DD``), the second the value; a header
line is optional (it is recognised because its first cell is not a date). The
caller says what the values are (``series``) and for which asset or currency:

=============  ======================================  ============================
series         value                                   goes to
=============  ======================================  ============================
``price``      coin price [``quote`` per coin]         coin prices (asset, quote)
``fx``         units of ``currency`` per USD           FX rates (currency)
``difficulty`` difficulty [dimensionless]              chain history (asset)
``hashrate``   network hashrate [H/s]                  chain history (asset)
``blocks``     blocks that day                         chain history (asset)
``issuance``   new coins that day [coin]               chain history (asset)
``fees``       transaction fees that day [coin]        chain history (asset)
=============  ======================================  ============================
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

__all__ = ["SERIES", "SERIES_RANGES", "parse_csv", "read_csv"]

#: series name -> (frame kind, tidy column, minimum, strictly above minimum, whole numbers)
SERIES: dict[str, tuple[str, str, float | None, bool, bool]] = {
    "price": (frames.PRICE, "price", 0.0, True, False),
    "fx": (frames.FX, "per_usd", 0.0, True, False),
    "difficulty": (frames.CHAIN, "difficulty", 0.0, True, False),
    "hashrate": (frames.CHAIN, "hashrate_hs", 0.0, False, False),
    "blocks": (frames.CHAIN, "blocks", 0.0, False, True),
    "issuance": (frames.CHAIN, "issuance", 0.0, False, False),
    "fees": (frames.CHAIN, "fees", None, False, False),
}
#: series name -> plausible range kind of its values (:mod:`hashwinter.ranges`).
SERIES_RANGES: dict[str, str] = {
    "price": "coin_price",
    "fx": "fx_history_per_usd",
    "difficulty": "difficulty",
    "hashrate": "hashrate",
    "blocks": "blocks_per_day",
    "issuance": "coins_per_day",
    "fees": "fees_per_day",
}
_CODE = re.compile(r"^[A-Z]{3}$")
_DATE_START = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def _code(value: str | None, field: str, default: str | None = None) -> str:
    """Upper-case a ticker or currency code, or fail naming the option."""
    if value is None or not value.strip():
        if default is None:
            raise InputError(f"required for this series (e.g. --{field} CNY)", field=field)
        return default
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9]{1,9}", code):
        raise InputError(f"not a ticker or currency code: {value!r}", field=field)
    return code


def parse_csv(
    text: str,
    origin: str,
    *,
    series: str,
    asset: str | None = None,
    currency: str | None = None,
    skip_bad: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Parse ``date,value`` CSV text into the frame its ``series`` belongs to.

    Parameters
    ----------
    text : str
        CSV content.
    origin : str
        File name or URL for messages.
    series : str
        One of :data:`SERIES`.
    asset : str, optional
        Coin ticker for chain and price series (default ``"BTC"``).
    currency : str, optional
        Quote currency of a price series (default ``"USD"``); the currency of
        an ``fx`` series (required).
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        A ``price``, ``fx`` or ``chain`` frame.
    skipped : list of str
        Messages for dropped rows.

    """
    if series not in SERIES:
        raise InputError(f"unknown series {series!r}; one of {', '.join(SERIES)}", field="series")
    kind, column, minimum, strict, integer = SERIES[series]
    if kind == frames.FX:
        code = _code(currency, "currency")
        if not _CODE.match(code):
            raise InputError(f"must be a 3-letter currency code (got {currency!r})",
                             field="currency")
        keys: dict[str, str] = {"currency": code}
    elif kind == frames.PRICE:
        keys = {"asset": _code(asset, "asset", "BTC"), "quote": _code(currency, "currency", "USD")}
    else:
        keys = {"asset": _code(asset, "asset", "BTC")}
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    header = None if not _DATE_START.match(first) else ["date", "value"]
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad, header=header)
    if len(table.header) != 2:
        raise InputError(f"expected two columns (date,value), found {len(table.header)}",
                         source=origin, line=1)
    date_name, value_name = table.header
    for i, name in enumerate(table.header):
        if not name:
            raise InputError("column without a name in the header line", source=origin,
                             line=1, column=i + 1)
    dates = parse_dates(table, date_name, bad, field=date_name or "date")
    values = parse_numbers(table, value_name, bad, minimum=minimum, strictly_above=strict,
                           integer=integer, field=value_name or "value",
                           kind=SERIES_RANGES[series])
    missing = np.isnan(values) & bad.good_mask(table.lines)
    bad.add_where(missing, table.lines, 2, value_name or "value", None, "empty value")
    reject_duplicates([dates], table.lines, ~np.isnat(dates), bad, column=1,
                      field=date_name or "date")
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(table.lines)
    day = dates[keep].astype("datetime64[s]")
    v = values[keep]
    out = pd.DataFrame({**{k: pd.Series([c] * len(v), dtype="str") for k, c in keys.items()},
                        "date": day, column: v})
    out = out.sort_values("date", kind="stable").reset_index(drop=True)
    return frames.tag(out, kind, "csv", origin), skipped


def read_csv(
    path: str | os.PathLike[str],
    *,
    series: str,
    asset: str | None = None,
    currency: str | None = None,
    skip_bad: bool = False,
) -> pd.DataFrame:
    """Read a generic ``date,value`` CSV as one named daily series.

    Parameters
    ----------
    path : str or path-like
        The file.
    series : str
        What the values are: ``price``, ``fx``, ``difficulty``, ``hashrate``
        [H/s], ``blocks``, ``issuance`` [coin/day] or ``fees`` [coin/day].
    asset : str, optional
        Coin ticker for chain and price series (default ``"BTC"``).
    currency : str, optional
        Quote currency of a price series (default ``"USD"``), or the currency
        of an ``fx`` series (units of it per USD; required).
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        A tidy ``price``, ``fx`` or ``chain`` frame (see :mod:`hashwinter.data.frames`).

    """
    text, origin = read_text(path)
    frame, skipped = parse_csv(text, origin, series=series, asset=asset, currency=currency,
                               skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
