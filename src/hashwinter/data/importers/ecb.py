"""ECB euro foreign-exchange reference rates, stored as units of currency per USD.

Two layouts are read:

* the ECB's own history, ``eurofxref-hist.csv`` (or the ``eurofxref-hist.zip``
  that holds it): ``Date,USD,JPY,...,`` with units of each currency per EUR and
  ``N/A`` where a currency was not quoted;
* the compact form of ``../shared/data/usd_cny_daily.csv``: ``date,
  usd_per_eur, cny_per_eur, cny_per_usd`` (any ``<ccy>_per_eur`` and
  ``<ccy>_per_usd`` columns).

hashwinter's FX convention is units per USD, so every currency X is stored as
the cross rate ``X_per_EUR / USD_per_EUR`` (a given ``x_per_usd`` column is
taken as is), and EUR as ``1 / USD_per_EUR``. Rates exist on TARGET business
days only; weekends and holidays are forward-filled when read back.
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

__all__ = ["parse_ecb", "read_ecb"]

_CODE = re.compile(r"^[A-Z]{3}$")


#: Plausible range kind of every stored rate and of the file's own rates.
FX_KIND = "fx_history_per_usd"


def _check_cross(
    rates: np.ndarray, lines: np.ndarray, column: int, what: str, bad: BadRows
) -> None:
    """Record rows whose derived per-USD rate lies outside the plausible range."""
    rng = get_range(FX_KIND)
    with np.errstate(invalid="ignore"):
        implausible = np.isinf(rates) | (np.isfinite(rates) & (
            (rates <= rng.low) | (rates > rng.high)))
    for i in np.flatnonzero(implausible):
        bad.add(int(lines[i]), column, what,
                f"implausible cross rate: {rng.problem(float(rates[i]))}")


def parse_ecb(text: str, origin: str, *, skip_bad: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Parse ECB reference-rate CSV text; return the ``fx`` frame and skipped-row messages.

    Parameters
    ----------
    text : str
        CSV content (ECB history or compact layout).
    origin : str
        File name or URL for messages.
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        Kind ``fx``: currency, date, per_usd [currency per USD], one row per
        quoted (currency, day), EUR included.
    skipped : list of str
        Messages for dropped rows.

    """
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad)
    date_col = table.find("Date")
    usd_col = table.find("USD", "usd_per_eur")
    if date_col is None or usd_col is None:
        raise InputError("not an ECB reference-rate file: needs a Date and a USD "
                         "(or usd_per_eur) column", source=origin, line=1)
    dates = parse_dates(table, date_col, bad)
    reject_duplicates([dates], table.lines, ~np.isnat(dates), bad,
                      column=table.column_number(date_col), field=date_col)
    usd_per_eur = parse_numbers(table, usd_col, bad, minimum=0.0, strictly_above=True,
                                kind=FX_KIND)

    # currency -> (column, already per USD?)
    columns: dict[str, tuple[str, bool]] = {}
    for h in table.header:
        if h in (date_col, usd_col) or not h:
            continue
        if _CODE.match(h):
            columns[h] = (h, False)
            continue
        m = re.fullmatch(r"([a-z]{3})_per_(eur|usd)", h)
        if m and m.group(1) != "usd":
            code = m.group(1).upper()
            if m.group(2) == "usd" or code not in columns:
                columns[code] = (h, m.group(2) == "usd")
    rates: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        eur = 1.0 / usd_per_eur
        _check_cross(eur, table.lines, table.column_number(usd_col), "EUR per USD "
                     f"(1 / {usd_col})", bad)
        for code, (col, per_usd) in columns.items():
            values = parse_numbers(table, col, bad, minimum=0.0, strictly_above=True,
                                   kind=FX_KIND)
            cross = values if per_usd else values / usd_per_eur
            if not per_usd:
                _check_cross(cross, table.lines, table.column_number(col),
                             f"{code} per USD ({col} / {usd_col})", bad)
            rates[code] = cross
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(table.lines)

    day = dates[keep].astype("datetime64[s]")
    parts = [pd.DataFrame({"currency": "EUR", "date": day, "per_usd": eur[keep]})]
    parts.extend(pd.DataFrame({"currency": code, "date": day, "per_usd": v[keep]})
                 for code, v in rates.items())
    out = pd.concat(parts, ignore_index=True)
    # A day without a USD rate (or a currency without a quote) has no cross rate.
    out = out[np.isfinite(out["per_usd"].to_numpy())]
    out["currency"] = out["currency"].astype("str")
    out = out.sort_values(["currency", "date"], kind="stable").reset_index(drop=True)
    return frames.tag(out, frames.FX, "ecb", origin), skipped


def read_ecb(path: str | os.PathLike[str], *, skip_bad: bool = False) -> pd.DataFrame:
    """Read ECB reference rates (``eurofxref-hist.csv``/``.zip`` or compact CSV).

    Parameters
    ----------
    path : str or path-like
        The file.
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        currency, date, per_usd [units of currency per USD]; CNY per USD is
        the ECB cross rate (CNY per EUR / USD per EUR).

    Raises
    ------
    InputErrors
        Listing every bad row as ``file:line:column: field: why`` (unless ``skip_bad``).

    """
    text, origin = read_text(path)
    frame, skipped = parse_ecb(text, origin, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
