"""Importers: ``read_<source>(path)`` parses a file into a tidy DataFrame.

Each source also has a ``parse_<source>(text, origin, ...)`` that works on text
(used by the downloaders in :mod:`hashwinter.data.fetch`), and an entry in
:data:`IMPORTERS` that the store's ``import_file`` and the CLI dispatch on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd

from hashwinter.data.importers._parse import MAX_REPORTED, Skipped, decode_bytes, read_text
from hashwinter.data.importers.blockchain_com import (
    CHARTS,
    parse_blockchain_com,
    read_blockchain_com,
)
from hashwinter.data.importers.coinmetrics import parse_coinmetrics, read_coinmetrics
from hashwinter.data.importers.ecb import parse_ecb, read_ecb
from hashwinter.data.importers.funding import parse_funding, read_funding
from hashwinter.data.importers.futures_prices import parse_futures_prices, read_futures_prices
from hashwinter.data.importers.generic import SERIES, parse_csv, read_csv
from hashwinter.data.importers.machine_prices import (
    CONDITIONS,
    machine_price_frame,
    parse_machine_prices,
    read_machine_prices,
)
from hashwinter.data.importers.mempool import parse_mempool, read_mempool
from hashwinter.errors import InputError

__all__ = [
    "CHARTS",
    "CONDITIONS",
    "IMPORTERS",
    "MAX_REPORTED",
    "SERIES",
    "Importer",
    "Skipped",
    "decode_bytes",
    "machine_price_frame",
    "parse_source",
    "read_blockchain_com",
    "read_coinmetrics",
    "read_csv",
    "read_ecb",
    "read_funding",
    "read_futures_prices",
    "read_machine_prices",
    "read_mempool",
    "read_text",
]

Parsed = tuple[list[pd.DataFrame], list[str]]


@dataclasses.dataclass(frozen=True)
class Importer:
    """One importable source.

    Attributes
    ----------
    name : str
        Name on the command line, e.g. ``"coinmetrics"``.
    parse : callable
        ``parse(text, origin, skip_bad=..., **options) -> (frames, skipped)``.
    options : tuple of str
        Keyword options the source accepts (e.g. ``asset``).
    description : str
        One line for help texts.
    required : tuple of str
        Options that must be given.

    """

    name: str
    parse: Callable[..., Parsed]
    options: tuple[str, ...]
    description: str
    required: tuple[str, ...] = ()


def _one(parse: Callable[..., tuple[pd.DataFrame, list[str]]]) -> Callable[..., Parsed]:
    """Adapt a single-frame parser to the list form."""

    def wrapped(text: str, origin: str, **kwargs: Any) -> Parsed:
        frame, skipped = parse(text, origin, **kwargs)
        return [frame], skipped

    return wrapped


#: Every source ``hashwinter data import`` knows, by CLI name.
IMPORTERS: dict[str, Importer] = {
    imp.name: imp
    for imp in (
        Importer("coinmetrics", _one(parse_coinmetrics), ("asset",),
                 "Coin Metrics community CSV (raw or compact): chain history and USD price"),
        Importer("ecb", _one(parse_ecb), (),
                 "ECB euro reference rates (eurofxref-hist.csv/.zip or compact): FX per USD"),
        Importer("csv", _one(parse_csv), ("series", "asset", "currency"),
                 "generic date,value CSV of one series (--series, --asset, --currency)",
                 required=("series",)),
        Importer("blockchain-com", _one(parse_blockchain_com), ("chart",),
                 "blockchain.com chart JSON (market-price, hash-rate, difficulty, "
                 "transaction-fees)"),
        Importer("mempool", parse_mempool, (),
                 "mempool.space mining JSON (difficulty adjustments, hashrate)"),
        Importer("machine-prices", _one(parse_machine_prices), (),
                 "observed new/used/scrap machine prices CSV"),
        Importer("futures", _one(parse_futures_prices), (),
                 "generic date,symbol,price CSV of daily futures prices"),
        Importer("funding", _one(parse_funding), (),
                 "perpetual funding rates CSV (BitMEX layout: timestamp_utc, symbol, "
                 "funding_interval_hours, funding_rate)"),
    )
}


def parse_source(
    source: str, text: str, origin: str, *, skip_bad: bool = False, **options: Any
) -> Parsed:
    """Parse text with the named importer; return (frames, skipped-row messages).

    Parameters
    ----------
    source : str
        Key of :data:`IMPORTERS`.
    text : str
        File or response content.
    origin : str
        File name or URL for messages.
    skip_bad : bool
        Drop and report bad rows instead of failing.
    **options
        Source options (None values are ignored).

    Returns
    -------
    frames : list of pandas.DataFrame
        Tidy frames (see :mod:`hashwinter.data.frames`).
    skipped : list of str
        Messages for dropped rows.

    """
    importer = IMPORTERS.get(source)
    if importer is None:
        raise InputError(f"unknown source {source!r}; one of {', '.join(IMPORTERS)}",
                         field="source")
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(importer.options))
    if unknown:
        allowed = ", ".join(importer.options) or "none"
        raise InputError(f"option(s) {', '.join(unknown)} do not apply to {source} "
                         f"(its options: {allowed})", field=unknown[0])
    for name in importer.required:
        if name not in given:
            raise InputError(f"required for source {source} (e.g. --{name} ...)", field=name)
    return importer.parse(text, origin, skip_bad=skip_bad, **given)
