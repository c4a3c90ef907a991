"""Observed machine prices: new, second-hand and scrap quotes with their source.

A CSV with at least ``date, model, price, currency, condition`` (the layout of
``../shared/data/used_asic_prices.csv``, and of ``gpu_prices.csv`` whose ``gpu_model`` and
``price_type`` columns are read as ``model`` and ``price_kind``; optional ``date_precision,
price_kind, market, source_url`` or ``source``, ``quote, note``). Dates may be
``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``: month and year dates are stored as the
first day of the period with ``date_precision`` ``month`` or ``year``, so a
quote is never placed more exactly than its source. ``condition`` is reduced to
``new``, ``used`` or ``scrap`` (the file's wording is kept in
``condition_detail``); a row is keyed by (model, date, condition, price_kind,
source), so re-importing updates rather than duplicates it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter import ranges
from hashwinter.data import frames
from hashwinter.data.importers._parse import (
    BadRows,
    day_out_of_range,
    day_range_text,
    missing_mask,
    parse_numbers,
    read_csv_table,
    read_text,
    reject_duplicates,
)
from hashwinter.errors import InputError

__all__ = ["CONDITIONS", "machine_price_frame", "normalize_condition", "parse_machine_prices",
           "parse_partial_date", "read_machine_prices"]

#: Conditions a machine price may have.
CONDITIONS = ("new", "used", "scrap")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_CODE = re.compile(r"^[A-Z]{3}$")
#: Plausible range kind of a machine's price (:mod:`hashwinter.ranges`).
PRICE_KIND = "machine_price"


def normalize_condition(text: str) -> str | None:
    """Reduce a condition wording to ``new``, ``used`` or ``scrap`` (None if unclear).

    Parameters
    ----------
    text : str
        E.g. ``"used (scrap)"``, ``"new (spot)"``, ``"second-hand"``.

    Returns
    -------
    str or None
        ``"scrap"`` if the wording mentions scrap, ``"used"`` for used or
        second-hand, ``"new"`` for wordings that start with new; None otherwise.

    """
    t = text.strip().lower()
    if "scrap" in t:
        return "scrap"
    if t.startswith(("used", "second", "resale")):
        return "used"
    if t.startswith("new"):
        return "new"
    return None


def parse_partial_date(text: str) -> tuple[dt.date, str] | None:
    """Parse ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` into (first day, precision), or None.

    Examples
    --------
    >>> parse_partial_date("2018-11")
    (datetime.date(2018, 11, 1), 'month')

    """
    m = _PARTIAL.match(text.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        value = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return value, ("day" if day else "month" if month else "year")


def parse_machine_prices(
    text: str, origin: str, *, skip_bad: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse a machine-price CSV; return the ``machine_prices`` frame and skipped-row messages.

    Parameters
    ----------
    text : str
        CSV content.
    origin : str
        File name for messages (and the default ``source``).
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        Kind ``machine_prices`` (see :mod:`hashwinter.data.frames`).
    skipped : list of str
        Messages for dropped rows.

    """
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad)
    required = ("date", "model", "price", "currency", "condition")
    # gpu_prices.csv names the model column gpu_model (a card's quotes, same layout).
    names = {c: (c, "gpu_model") if c == "model" else (c,) for c in required}
    missing = [c for c in required if table.find(*names[c]) is None]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)} (needs {', '.join(required)})",
                         source=origin, line=1)
    col: dict[str, str] = {c: table.find(*names[c]) or c for c in required}
    n = len(table)
    lines = table.lines

    dates = np.empty(n, dtype="datetime64[D]")
    precision = np.empty(n, dtype=object)
    date_texts = table.cells[col["date"]]
    for i, t in enumerate(date_texts):
        parsed = parse_partial_date(t)
        if parsed is None or day_out_of_range(np.array([parsed[0]], dtype="datetime64[D]"))[0]:
            why = (f"not a date YYYY-MM-DD, YYYY-MM or YYYY: {t!r}" if parsed is None
                   else f"implausible date {t!r}: {day_range_text()}")
            bad.add(int(lines[i]), table.column_number(col["date"]), col["date"], why)
            dates[i] = np.datetime64("NaT")
            precision[i] = ""
        else:
            dates[i] = np.datetime64(parsed[0], "D")
            precision[i] = parsed[1]

    models = table.cells[col["model"]]
    bad.add_where(models == "", lines, table.column_number(col["model"]), col["model"],
                  None, "empty model")
    prices = parse_numbers(table, col["price"], bad, minimum=0.0, kind=PRICE_KIND)
    # "NA", "null", "nan"... parse as no value, but a quote without a price is no quote.
    no_price = missing_mask(table.cells[col["price"]])
    bad.add_where(no_price, lines, table.column_number(col["price"]), col["price"],
                  table.cells[col["price"]], "no price (got {value!r})")
    currencies = np.array([c.upper() for c in table.cells[col["currency"]]], dtype=object)
    bad_ccy = np.array([not _CODE.match(c) for c in currencies], dtype=bool)
    bad.add_where(bad_ccy, lines, table.column_number(col["currency"]), col["currency"],
                  table.cells[col["currency"]], "not a 3-letter currency code: {value!r}")
    wording = table.cells[col["condition"]]
    conditions = np.array([normalize_condition(w) or "" for w in wording], dtype=object)
    bad.add_where(conditions == "", lines, table.column_number(col["condition"]),
                  col["condition"], wording, "condition must be new, used or scrap: {value!r}")

    def optional(*names: str) -> np.ndarray:
        name = table.find(*names)
        return table.cells[name] if name else np.full(n, "", dtype=object)

    default_source = Path(origin.split("!")[0]).name
    sources = optional("source_url", "source", "url")
    sources = np.where(sources == "", default_source, sources)
    kinds = optional("price_kind", "kind", "price_type")
    reject_duplicates([models, dates, conditions, kinds, sources], lines, ~np.isnat(dates), bad,
                      column=table.column_number(col["date"]), field=col["date"],
                      describe="quote (model, date, condition, price_kind, source):",
                      whole_key=True)
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(lines)
    detail = np.where(wording == conditions, "", wording)
    out = pd.DataFrame({
        "model": models[keep],
        "date": dates[keep].astype("datetime64[s]"),
        "date_precision": precision[keep],
        "price": prices[keep],
        "currency": currencies[keep],
        "condition": conditions[keep],
        "condition_detail": detail[keep],
        "price_kind": kinds[keep],
        "market": optional("market")[keep],
        "source": sources[keep],
        "note": optional("note")[keep],
        "date_detail": optional("date_precision")[keep],
        "quote": optional("quote")[keep],
    })
    for c in out.columns:
        if c not in ("date", "price"):
            out[c] = out[c].astype("str")
    return frames.tag(out, frames.MACHINE_PRICES, "machine-prices", origin), skipped


def read_machine_prices(path: str | os.PathLike[str], *, skip_bad: bool = False) -> pd.DataFrame:
    """Read observed machine prices (e.g. ``../shared/data/used_asic_prices.csv``).

    Parameters
    ----------
    path : str or path-like
        CSV with ``date, model, price, currency, condition`` and optional
        ``date_precision, price_kind, market, source_url, quote, note``.
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        model, date (first day of the period), date_precision (day/month/year),
        price [currency per unit], currency, condition (new/used/scrap),
        condition_detail, price_kind, market, source, note, date_detail, quote.

    """
    text, origin = read_text(path)
    frame, skipped = parse_machine_prices(text, origin, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame


def machine_price_frame(
    model: str,
    date: str | dt.date,
    price: float,
    currency: str,
    condition: str,
    *,
    source: str = "user",
    price_kind: str = "",
    market: str = "",
    note: str = "",
) -> pd.DataFrame:
    """Build a one-row ``machine_prices`` frame for a quote typed in by a user.

    Parameters
    ----------
    model : str
        Machine model, e.g. ``"Antminer S9"``.
    date : str or datetime.date
        ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.
    price : float
        Price per unit. [``currency``]
    currency : str
        ISO code, e.g. ``"CNY"``.
    condition : str
        ``new``, ``used`` or ``scrap``.
    source, price_kind, market, note : str
        Where the quote comes from and what it is.

    Returns
    -------
    pandas.DataFrame
        Ready for :func:`hashwinter.data.import_frames`.

    Examples
    --------
    >>> float(machine_price_frame("Antminer S9", "2018-11-21", 1200, "CNY", "used").loc[0, "price"])
    1200.0

    """
    text = date.isoformat() if isinstance(date, dt.date) else str(date)
    parsed = parse_partial_date(text)
    if parsed is None:
        raise InputError(f"not a date YYYY-MM-DD, YYYY-MM or YYYY: {text!r}", field="date")
    if day_out_of_range(np.array([parsed[0]], dtype="datetime64[D]"))[0]:
        raise InputError(f"implausible date {text!r}: {day_range_text()}", field="date")
    if not model.strip():
        raise InputError("must not be empty", field="model")
    ranges.check(PRICE_KIND, price, field="price")
    code = currency.strip().upper()
    if not _CODE.match(code):
        raise InputError(f"must be a 3-letter currency code (got {currency!r})", field="currency")
    cond = normalize_condition(condition)
    if cond is None:
        raise InputError(f"must be new, used or scrap (got {condition!r})", field="condition")
    out = pd.DataFrame({
        "model": [model.strip()], "date": [np.datetime64(parsed[0], "s")],
        "date_precision": [parsed[1]], "price": [float(price)], "currency": [code],
        "condition": [cond], "condition_detail": ["" if cond == condition.strip().lower()
                                                  else condition.strip()],
        "price_kind": [price_kind], "market": [market], "source": [source or "user"],
        "note": [note], "date_detail": [""], "quote": [""],
    })
    return frames.tag(out, frames.MACHINE_PRICES, "machine-prices", "command line")
