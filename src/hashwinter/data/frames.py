"""The tidy DataFrames importers return, one kind per store table.

Every ``read_<source>`` returns a DataFrame of one *kind*; ``frame.attrs``
holds ``kind``, ``source`` (importer name), ``origin`` (file or URL) and
``units`` (column -> unit). Dates are ``datetime64`` at midnight UTC (one row
per calendar day); hashrate is in H/s and coin amounts in whole coins, as
everywhere in hashwinter.

Kinds and columns
-----------------
``chain``
    asset, date, and any of difficulty, hashrate_hs, blocks, issuance, fees,
    price_usd (the Coin Metrics reference price; stored as a USD price).
``price``
    asset, quote, date, price.
``fx``
    currency, date, per_usd (units of currency per USD).
``retargets``
    asset, height, time, difficulty, change (ratio new / previous).
``machine_prices``
    model, date, date_precision, price, currency, condition, condition_detail,
    price_kind, market, source, note, date_detail, quote.
``futures``
    symbol, date, price (a futures contract's daily price, USD per coin).
``funding``
    symbol, time (UTC, to the second), interval_hours, rate (fraction of
    notional per interval, > 0: longs pay shorts), mark (USD per coin or NaN).
"""

from __future__ import annotations

from typing import Final

import pandas as pd

__all__ = [
    "CHAIN",
    "CHAIN_VALUES",
    "COLUMNS",
    "FUNDING",
    "FUTURES",
    "FX",
    "KINDS",
    "MACHINE_PRICES",
    "PRICE",
    "RETARGETS",
    "UNITS",
    "tag",
]

CHAIN: Final = "chain"
PRICE: Final = "price"
FX: Final = "fx"
RETARGETS: Final = "retargets"
MACHINE_PRICES: Final = "machine_prices"
FUTURES: Final = "futures"
FUNDING: Final = "funding"
KINDS: Final = (CHAIN, PRICE, FX, RETARGETS, MACHINE_PRICES, FUTURES, FUNDING)

#: Value columns a ``chain`` frame may carry (besides asset and date).
CHAIN_VALUES: Final = ("difficulty", "hashrate_hs", "blocks", "issuance", "fees", "price_usd")

#: Key and value columns of each kind (chain frames carry a subset of CHAIN_VALUES).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    CHAIN: ("asset", "date", *CHAIN_VALUES),
    PRICE: ("asset", "quote", "date", "price"),
    FX: ("currency", "date", "per_usd"),
    RETARGETS: ("asset", "height", "time", "difficulty", "change"),
    MACHINE_PRICES: (
        "model",
        "date",
        "date_precision",
        "price",
        "currency",
        "condition",
        "condition_detail",
        "price_kind",
        "market",
        "source",
        "note",
        "date_detail",
        "quote",
    ),
    FUTURES: ("symbol", "date", "price"),
    FUNDING: ("symbol", "time", "interval_hours", "rate", "mark"),
}

#: Units of the numeric columns.
UNITS: Final[dict[str, str]] = {
    "difficulty": "1",
    "hashrate_hs": "H/s",
    "blocks": "blocks/day",
    "issuance": "coin/day",
    "fees": "coin/day",
    "price_usd": "USD/coin",
    "price": "quote currency per coin (machine prices: currency per unit)",
    "per_usd": "currency per USD",
    "change": "ratio new/previous difficulty",
    "interval_hours": "h",
    "rate": "fraction of notional per interval (> 0: longs pay shorts)",
    "mark": "USD/coin",
}


def tag(frame: pd.DataFrame, kind: str, source: str, origin: str) -> pd.DataFrame:
    """Attach ``kind``, ``source``, ``origin`` and ``units`` to ``frame.attrs``; return it.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy frame whose columns follow :data:`COLUMNS` for ``kind``.
    kind : str
        One of :data:`KINDS`.
    source : str
        Importer name, e.g. ``"coinmetrics"``.
    origin : str
        File path or URL the rows came from.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    """
    if kind not in KINDS:
        raise ValueError(f"unknown frame kind {kind!r}")
    frame.attrs["kind"] = kind
    frame.attrs["source"] = source
    frame.attrs["origin"] = origin
    frame.attrs["units"] = {c: UNITS[c] for c in frame.columns if c in UNITS}
    return frame
