"""Coin Metrics community data: daily chain metrics and reference price per asset.

Two layouts are read:

* the raw community CSV (``coinmetrics/data`` → ``csv/btc.csv``), with columns
  ``time, PriceUSD, HashRate, BlkCnt, IssTotNtv, FeeTotNtv`` and, in older
  snapshots, ``DiffMean`` (other columns are ignored);
* the compact form used in ``../shared/data/btc_daily.csv`` and
  ``eth_daily.csv``: ``date, price_usd, difficulty, hashrate_ths, blk_cnt,
  issuance_<asset>, fees_<asset>``.

Coin Metrics' ``HashRate`` is in TH/s and is defined from the mean difficulty
as ``DiffMean·2^32·BlkCnt / 86400``; where ``DiffMean`` is absent the mean
difficulty is recovered as ``HashRate·1e12·86400 / (BlkCnt·2^32)`` (see
../shared/data/SOURCES.md), for SHA-256d assets only (Bitcoin and its forks):
other proof-of-work functions relate hashrate and difficulty differently.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter.chain.coins import coins_of_algorithm
from hashwinter.data import frames
from hashwinter.data.importers._parse import (
    BadRows,
    CsvTable,
    parse_dates,
    parse_numbers,
    read_csv_table,
    read_text,
    reject_duplicates,
)
from hashwinter.errors import InputError
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY, TERA

__all__ = ["SHA256_ASSETS", "parse_coinmetrics", "read_coinmetrics"]

#: Assets whose difficulty means 2^32 expected hashes per block (SHA-256d).
SHA256_ASSETS = coins_of_algorithm("sha256")

# (raw Coin Metrics name, compact name) -> tidy column
_RAW = {"PriceUSD": "price_usd", "HashRate": "hashrate_ths", "BlkCnt": "blocks",
        "IssTotNtv": "issuance", "FeeTotNtv": "fees", "DiffMean": "difficulty"}
_COMPACT = {"price_usd": "price_usd", "hashrate_ths": "hashrate_ths", "blk_cnt": "blocks",
            "difficulty": "difficulty"}
_ASSET = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}$")


def _asset_from(table: CsvTable, origin: str, asset: str | None) -> str:
    """Decide the asset: argument, ``asset`` column, ``issuance_<x>`` column, or file name."""
    if asset:
        if not _ASSET.match(asset.strip()):
            raise InputError(f"not a ticker (2-10 letters and digits): {asset!r}", field="asset")
        return asset.strip().upper()
    for h in table.header:
        m = re.fullmatch(r"(?:issuance|fees)_([a-z0-9]+)", h)
        if m and m.group(1) not in {"usd"}:
            return m.group(1).upper()
    stem = Path(origin.split("!")[-1]).stem.split("_")[0]
    if _ASSET.match(stem) and stem.lower() not in {"data", "export", "coinmetrics"}:
        return stem.upper()
    raise InputError("cannot tell which asset this file holds; pass asset='BTC' (--asset)",
                     source=origin, field="asset")


def parse_coinmetrics(
    text: str, origin: str, *, asset: str | None = None, skip_bad: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    """Parse Coin Metrics CSV text; return the ``chain`` frame and skipped-row messages.

    Parameters
    ----------
    text : str
        CSV content (raw or compact layout).
    origin : str
        File name or URL for messages.
    asset : str, optional
        Ticker; inferred from an ``asset`` column, ``issuance_<asset>`` or the
        file name (``btc.csv``) when omitted.
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    frame : pandas.DataFrame
        Kind ``chain``: asset, date, price_usd [USD/coin], difficulty,
        hashrate_hs [H/s], blocks, issuance [coin/day], fees [coin/day].
    skipped : list of str
        One message per bad cell of dropped rows (empty unless ``skip_bad``).

    Raises
    ------
    InputError, InputErrors
        For an unrecognised layout, or bad rows without ``skip_bad``.

    """
    bad = BadRows(origin)
    table = read_csv_table(text, origin, bad)
    date_col = table.find("time", "date")
    if date_col is None:
        raise InputError("not a Coin Metrics file: no 'time' or 'date' column",
                         source=origin, line=1)
    raw = date_col == "time" or table.find("PriceUSD", "HashRate") is not None
    names = dict(_RAW if raw else _COMPACT)
    if not raw:
        for h in table.header:
            if re.fullmatch(r"issuance_(?!usd)[a-z0-9]+", h):
                names[h] = "issuance"
            elif re.fullmatch(r"fees_(?!usd)[a-z0-9]+", h):
                names[h] = "fees"
    present = {tidy: col for col, tidy in names.items() if col in table.cells}
    if not present:
        wanted = ", ".join(names)
        raise InputError(f"no Coin Metrics metric columns found (looked for {wanted})",
                         source=origin, line=1)
    asset_col = table.find("asset")

    dates = parse_dates(table, date_col, bad)
    values: dict[str, np.ndarray] = {}
    # Every value must also lie in its plausible range (hashwinter.ranges), so that a
    # typo or a unit slip is refused here rather than stored (and overflowing later).
    rules: dict[str, dict[str, object]] = {
        "price_usd": {"minimum": 0.0, "strictly_above": True, "kind": "coin_price"},
        "difficulty": {"minimum": 0.0, "strictly_above": True, "kind": "difficulty"},
        "hashrate_ths": {"minimum": 0.0, "kind": "hashrate", "scale": TERA, "unit": "TH/s"},
        "blocks": {"minimum": 0.0, "integer": True, "kind": "blocks_per_day"},
        "issuance": {"minimum": 0.0, "kind": "coins_per_day"},
        # Fees are kept as published, even negative: `data check` flags them.
        "fees": {"kind": "fees_per_day"},
    }
    for tidy, col in present.items():
        values[tidy] = parse_numbers(table, col, bad, field=col, **rules[tidy])  # type: ignore[arg-type]

    if asset_col is not None and asset is None:
        assets = np.array([a.upper() for a in table.cells[asset_col]], dtype=object)
        not_ticker = np.array([not _ASSET.match(a) for a in assets], dtype=bool)
        bad.add_where(not_ticker, table.lines, table.column_number(asset_col), asset_col,
                      table.cells[asset_col], "not a ticker (2-10 letters and digits): {value!r}")
    else:
        assets = np.full(len(table), _asset_from(table, origin, asset), dtype=object)
    reject_duplicates([assets, dates], table.lines, ~np.isnat(dates), bad,
                      column=table.column_number(date_col), field=date_col)
    skipped = bad.finish(skip_bad)
    keep = bad.good_mask(table.lines)

    n = int(keep.sum())
    nan = np.full(n, np.nan)
    out = pd.DataFrame({"asset": pd.Series(assets[keep], dtype="str"),
                        "date": dates[keep].astype("datetime64[s]")})
    hashrate_ths = values["hashrate_ths"][keep] if "hashrate_ths" in values else nan
    blocks = values["blocks"][keep] if "blocks" in values else nan
    out["price_usd"] = values["price_usd"][keep] if "price_usd" in values else nan
    if "difficulty" in values:
        difficulty = values["difficulty"][keep]
    elif "hashrate_ths" in values and "blocks" in values:
        # Invert Coin Metrics' HashRate = DiffMean·2^32·BlkCnt/86400 (SOURCES.md), only
        # where 2^32 hashes per unit of difficulty holds (SHA-256d assets).
        sha256 = np.isin(assets[keep], list(SHA256_ASSETS))
        num = hashrate_ths * TERA * SECONDS_PER_DAY
        den = blocks * HASHES_PER_DIFFICULTY
        difficulty = np.full(n, np.nan)
        np.divide(num, den, out=difficulty, where=sha256 & np.isfinite(num) & (den > 0))
    else:
        difficulty = nan
    out["difficulty"] = difficulty
    out["hashrate_hs"] = hashrate_ths * TERA
    out["blocks"] = blocks
    out["issuance"] = values["issuance"][keep] if "issuance" in values else nan
    out["fees"] = values["fees"][keep] if "fees" in values else nan
    out = out.sort_values(["asset", "date"], kind="stable").reset_index(drop=True)
    return frames.tag(out, frames.CHAIN, "coinmetrics", origin), skipped


def read_coinmetrics(
    path: str | os.PathLike[str], *, asset: str | None = None, skip_bad: bool = False
) -> pd.DataFrame:
    """Read a Coin Metrics community CSV (raw or compact layout) into a tidy frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file (or a ``.zip`` holding one).
    asset : str, optional
        Ticker, e.g. ``"BTC"``; inferred from the file when omitted.
    skip_bad : bool
        Drop bad rows (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        One row per day: asset, date, price_usd [USD/coin], difficulty
        [dimensionless, mean over the day's blocks], hashrate_hs [H/s], blocks,
        issuance [coin/day], fees [coin/day]; NaN where the file has no value.

    Raises
    ------
    InputErrors
        Listing every bad row as ``file:line:column: field: why`` (unless ``skip_bad``).

    Examples
    --------
    >>> frame = read_coinmetrics("../shared/data/btc_daily.csv")  # doctest: +SKIP
    >>> frame.set_index("date").loc["2018-12-04", "difficulty"]  # doctest: +SKIP
    5646403851534.7

    """
    text, origin = read_text(path)
    frame, skipped = parse_coinmetrics(text, origin, asset=asset, skip_bad=skip_bad)
    frame.attrs["skipped"] = skipped
    return frame
