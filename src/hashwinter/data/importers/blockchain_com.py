"""blockchain.com chart JSON (``https://api.blockchain.info/charts/<chart>?format=json``).

A response looks like ``{"status": "ok", "name": "Market Price (USD)", "unit":
"USD", "period": "day", "description": "...", "values": [{"x": 1442534400,
"y": 232.4}, ...]}`` with ``x`` in Unix seconds (UTC). Supported charts:

==================== ========================================== =============
chart                value                                      stored as
==================== ========================================== =============
``market-price``     BTC price [USD]                            price BTC/USD
``hash-rate``        network hashrate (unit from ``unit``,      hashrate_hs
                     TH/s when absent) → [H/s]
``difficulty``       difficulty                                 difficulty
``transaction-fees`` total fees per day [BTC]                   fees
==================== ========================================== =============

Samples are bucketed by UTC day; several samples on one day are averaged (the
charts are daily unless ``sampled`` thinned them or a rolling average was asked).
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.data import frames
from hashwinter.data.importers._json import (
    element_positions,
    load_json,
    number_problem,
    shown,
    unix_time_problem,
)
from hashwinter.data.importers._parse import BadRows, read_text
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["CHARTS", "parse_blockchain_com", "read_blockchain_com"]

#: chart slug -> (frame kind, tidy column, words of the chart's ``name`` that identify it)
CHARTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "market-price": (frames.PRICE, "price", ("market price",)),
    "hash-rate": (frames.CHAIN, "hashrate_hs", ("hash rate",)),
    "difficulty": (frames.CHAIN, "difficulty", ("difficulty",)),
    "transaction-fees": (frames.CHAIN, "fees", ("transaction fees", "fees")),
}
_HASH_UNITS = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
#: Tidy column -> plausible range kind of its values (:mod:`hashwinter.ranges`).
_KINDS = {"price": "coin_price", "hashrate_hs": "hashrate", "difficulty": "difficulty",
          "fees": "fees_per_day"}


def _chart_of(doc: dict[str, Any], chart: str | None, origin: str) -> str:
    """Find the chart slug from the argument, the document's name, or the file name."""
    if chart:
        if chart not in CHARTS:
            raise InputError(f"unsupported chart {chart!r}; one of {', '.join(CHARTS)}",
                             field="chart")
        return chart
    name = str(doc.get("name", "")).lower()
    for slug, (_, _, words) in CHARTS.items():
        if any(w in name for w in words):
            return slug
    stem = re.split(r"[\\/]", origin)[-1].lower()
    for slug in CHARTS:
        if slug in stem:
            return slug
    raise InputError(f"cannot tell which chart this is (name {shown(doc.get('name'))}); pass "
                     f"chart= (--chart), one of {', '.join(CHARTS)}", source=origin,
                     field="name")


def _scale(doc: dict[str, Any], slug: str, origin: str) -> float:
    """Factor from the chart's unit to hashwinter's base unit."""
    unit = str(doc.get("unit", "") or "")
    if slug == "hash-rate":
        m = re.search(r"\b([KMGTPE]?)H/s", unit, flags=re.IGNORECASE)
        return _HASH_UNITS[m.group(1).upper()] if m else 1e12
    if slug == "transaction-fees" and unit and "usd" in unit.lower():
        raise InputError("fees are in USD; import the 'transaction-fees' chart (BTC) instead",
                         source=origin, field="unit")
    if slug == "market-price" and unit and unit.upper() not in {"USD", "$"}:
        raise InputError(f"market price unit {unit!r} is not USD", source=origin, field="unit")
    return 1.0


def parse_blockchain_com(
    text: str, origin: str, *, chart: str | None = None, skip_bad: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse a blockchain.com chart response; return a tidy frame and skipped-row messages.

    Parameters
    ----------
    text : str
        The JSON response.
    origin : str
        File name or URL for messages.
    chart : str, optional
        Chart slug (:data:`CHARTS`); recognised from the response's ``name`` when omitted.
    skip_bad : bool
        Drop and report bad samples instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        ``price`` (BTC/USD) or ``chain`` (BTC) frame, one row per UTC day.
    skipped : list of str
        Messages for dropped samples.

    """
    doc = load_json(text, origin)
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise InputError("not a blockchain.com chart: expected an object with a 'values' list",
                         source=origin, field="values")
    if str(doc.get("status", "ok")).lower() != "ok":
        raise InputError(f"chart status is {shown(doc.get('status'))}, not 'ok'", source=origin,
                         field="status")
    slug = _chart_of(doc, chart, origin)
    kind, column, _ = CHARTS[slug]
    scale = _scale(doc, slug, origin)
    unit = {"price": "USD", "fees": "BTC"}.get(column, "")
    if column == "hashrate_hs":
        unit = {v: k for k, v in _HASH_UNITS.items()}.get(scale, "") + "H/s"
    values: list[Any] = doc["values"]
    positions = element_positions(text, "values")
    bad = BadRows(origin)
    xs = np.zeros(len(values), dtype=np.int64)
    ys = np.full(len(values), np.nan)
    for i, item in enumerate(values):
        line, col = positions[i] if i < len(positions) else (None, None)
        field = f"values[{i}]"
        if not isinstance(item, dict):
            bad.add(line, col, field, "expected an object with x and y", row=i)
            continue
        x: Any = item.get("x")
        y: Any = item.get("y")
        x_problem = unix_time_problem(x)
        if x_problem is not None:
            bad.add(line, col, f"{field}.x", x_problem, row=i)
        else:
            xs[i] = int(x)
        # Fees are kept as published, even negative: `data check` flags them.
        y_problem = number_problem(y, _KINDS[column], scale=scale, unit=unit)
        if y_problem is not None:
            bad.add(line, col, f"{field}.y", y_problem, row=i)
        else:
            ys[i] = float(y) * scale
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(np.arange(len(values)))
    day = (xs[keep] // SECONDS_PER_DAY).astype("datetime64[D]")
    daily = pd.DataFrame({"date": day.astype("datetime64[s]"), column: ys[keep]})
    daily = daily.groupby("date", sort=True)[column].mean().reset_index()
    if kind == frames.PRICE:
        daily.insert(0, "quote", pd.Series(["USD"] * len(daily), dtype="str"))
    daily.insert(0, "asset", pd.Series(["BTC"] * len(daily), dtype="str"))
    if kind == frames.PRICE:
        daily = daily[["asset", "quote", "date", "price"]]
    out = frames.tag(daily, kind, "blockchain-com", origin)
    out.attrs["chart"] = slug
    return out, skipped


def read_blockchain_com(
    path: str | os.PathLike[str], *, chart: str | None = None, skip_bad: bool = False
) -> pd.DataFrame:
    """Read a saved blockchain.com chart JSON file.

    Parameters
    ----------
    path : str or path-like
        The JSON file (``{"values": [{"x": unix_s, "y": value}, ...], ...}``).
    chart : str, optional
        ``market-price``, ``hash-rate``, ``difficulty`` or ``transaction-fees``;
        recognised from the file's ``name`` when omitted.
    skip_bad : bool
        Drop bad samples (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        Daily ``price`` frame (asset BTC, quote USD) or ``chain`` frame with one
        of difficulty, hashrate_hs [H/s], fees [BTC/day].

    """
    text, origin = read_text(path)
    frame, skipped = parse_blockchain_com(text, origin, chart=chart, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
