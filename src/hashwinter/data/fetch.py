"""Download history when online: ``get_<source>(...)`` with the same parsers as the files.

Every downloader takes an optional ``client: httpx.Client``; tests pass one
built on ``httpx.MockTransport`` with recorded responses, so no test touches
the network. Without a client a short-lived one is made (60 s timeout,
redirects followed). Nothing is ever downloaded implicitly: only these
functions and ``hashwinter data fetch`` go online.

Sources and URLs:

* ``coinmetrics``: ``https://raw.githubusercontent.com/coinmetrics/data/master/csv/<asset>.csv``
  (the community CSV; CC BY-NC 4.0, attribute "Coin Metrics Community Data");
* ``ecb``: ``https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip``;
* ``blockchain-com``: ``https://api.blockchain.info/charts/<chart>?timespan=...&format=json&sampled=false``;
* ``mempool``: ``https://mempool.space/api/v1/mining/difficulty-adjustments`` or
  ``.../mining/hashrate/<period>``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd

from hashwinter.data.importers import CHARTS, decode_bytes, parse_source
from hashwinter.data.importing import ImportReport, StageProgress, import_text
from hashwinter.data.store import HistoryStore
from hashwinter.errors import HashwinterError, InputError

__all__ = [
    "BLOCKCHAIN_COM_URL",
    "COINMETRICS_URL",
    "ECB_URL",
    "FETCHERS",
    "MEMPOOL_URL",
    "FetchError",
    "download",
    "fetch_source",
    "get_blockchain_com",
    "get_coinmetrics",
    "get_ecb",
    "get_mempool",
]

COINMETRICS_URL = "https://raw.githubusercontent.com/coinmetrics/data/master/csv/{asset}.csv"
ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
BLOCKCHAIN_COM_URL = "https://api.blockchain.info/charts/{chart}"
MEMPOOL_URL = "https://mempool.space/api/v1/mining/"
#: mempool.space mining endpoints hashwinter reads.
MEMPOOL_ENDPOINTS = ("difficulty-adjustments", "hashrate")

#: Download progress: ``progress(done_bytes, total_bytes or 0)``.
ByteProgress = Callable[[int, int], None]


class FetchError(HashwinterError):
    """A download failed (network error or an HTTP error status)."""


def download(
    url: str,
    *,
    client: httpx.Client | None = None,
    params: dict[str, str] | None = None,
    progress: ByteProgress | None = None,
) -> tuple[bytes, str]:
    """GET ``url`` and return (body, final URL), raising FetchError on failure.

    Parameters
    ----------
    url : str
        Address to fetch.
    client : httpx.Client, optional
        Client to use (tests inject one with a mock transport).
    params : dict, optional
        Query parameters.
    progress : callable, optional
        ``progress(done_bytes, total_bytes)`` while the body arrives (total 0
        when the server does not say).

    Returns
    -------
    body : bytes
        The response body.
    url : str
        The URL actually fetched (with the query string), for messages.

    """
    own = client is None
    http = client or httpx.Client(timeout=60.0, follow_redirects=True,
                                  headers={"User-Agent": "hashwinter"})
    try:
        with http.stream("GET", url, params=params) as response:
            where = str(response.request.url)
            if response.status_code >= 400:
                raise FetchError(f"{where}: HTTP {response.status_code} "
                                 f"{response.reason_phrase}".rstrip())
            total = int(response.headers.get("content-length") or 0)
            chunks: list[bytes] = []
            done = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            return b"".join(chunks), where
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
    finally:
        if own:
            http.close()


def _coinmetrics(asset: str = "btc", url: str | None = None) -> tuple[str, dict[str, str]]:
    """Build the Coin Metrics CSV request."""
    if not asset or not asset.isalnum():
        raise InputError(f"not a ticker: {asset!r}", field="asset")
    return (url or COINMETRICS_URL).format(asset=asset.lower()), {}


def _ecb(url: str | None = None) -> tuple[str, dict[str, str]]:
    """Build the ECB history request."""
    return url or ECB_URL, {}


def _blockchain_com(
    chart: str = "market-price", timespan: str = "all", url: str | None = None
) -> tuple[str, dict[str, str]]:
    """Build a blockchain.com chart request."""
    if chart not in CHARTS:
        raise InputError(f"unsupported chart {chart!r}; one of {', '.join(CHARTS)}",
                         field="chart")
    return ((url or BLOCKCHAIN_COM_URL).format(chart=chart),
            {"timespan": timespan, "format": "json", "sampled": "false"})


def _mempool(
    endpoint: str = "difficulty-adjustments", period: str = "all", url: str | None = None
) -> tuple[str, dict[str, str]]:
    """Build a mempool.space mining request."""
    if endpoint not in MEMPOOL_ENDPOINTS:
        raise InputError(f"must be one of {', '.join(MEMPOOL_ENDPOINTS)} (got {endpoint!r})",
                         field="endpoint")
    base = (url or MEMPOOL_URL).rstrip("/") + "/"
    tail = "difficulty-adjustments" if endpoint == "difficulty-adjustments" else "hashrate"
    return f"{base}{tail}/{period}", {}


#: source -> (builder of (url, params), its options, options passed on to the parser)
FETCHERS: dict[
    str, tuple[Callable[..., tuple[str, dict[str, str]]], tuple[str, ...], tuple[str, ...]]
] = {
    "coinmetrics": (_coinmetrics, ("asset", "url"), ("asset",)),
    "ecb": (_ecb, ("url",), ()),
    "blockchain-com": (_blockchain_com, ("chart", "timespan", "url"), ("chart",)),
    "mempool": (_mempool, ("endpoint", "period", "url"), ()),
}


def _request(source: str, options: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Build (url, params, parse options) for a source from user options."""
    if source not in FETCHERS:
        online = ", ".join(FETCHERS)
        raise InputError(f"{source!r} cannot be fetched; sources with a download: {online} "
                         "(import local files with `hashwinter data import`)", field="source")
    build, allowed, passed = FETCHERS[source]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise InputError(f"option(s) {', '.join(unknown)} do not apply to {source} "
                         f"(its options: {', '.join(allowed)})", field=unknown[0])
    url, params = build(**given)
    parse_options = {k: v for k, v in given.items() if k in passed}
    if source == "coinmetrics":
        parse_options["asset"] = str(given.get("asset", "btc")).upper()
    return url, params, parse_options


def _get(source: str, client: httpx.Client | None, skip_bad: bool,
         options: dict[str, Any]) -> list[pd.DataFrame]:
    """Download and parse; every frame's attrs name the URL."""
    url, params, parse_options = _request(source, options)
    body, where = download(url, client=client, params=params)
    text, origin = decode_bytes(body, where)
    frames, skipped = parse_source(source, text, origin, skip_bad=skip_bad, **parse_options)
    for frame in frames:
        frame.attrs["skipped"] = list(skipped)
    return frames


def get_coinmetrics(
    asset: str = "btc",
    *,
    client: httpx.Client | None = None,
    url: str | None = None,
    skip_bad: bool = False,
) -> pd.DataFrame:
    """Download a Coin Metrics community CSV and parse it like :func:`read_coinmetrics`.

    Parameters
    ----------
    asset : str
        Ticker as in the repository's file names (``btc``, ``eth``...).
    client : httpx.Client, optional
        HTTP client (tests pass a mock transport).
    url : str, optional
        Template overriding :data:`COINMETRICS_URL` (``{asset}`` is filled in).
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    pandas.DataFrame
        The ``chain`` frame (see :func:`hashwinter.data.read_coinmetrics`).

    """
    return _get("coinmetrics", client, skip_bad, {"asset": asset, "url": url})[0]


def get_ecb(
    *, client: httpx.Client | None = None, url: str | None = None, skip_bad: bool = False
) -> pd.DataFrame:
    """Download the ECB reference-rate history (zip) and parse it like :func:`read_ecb`.

    Parameters
    ----------
    client : httpx.Client, optional
        HTTP client (tests pass a mock transport).
    url : str, optional
        Overrides :data:`ECB_URL`.
    skip_bad : bool
        Drop and report bad rows instead of failing.

    Returns
    -------
    pandas.DataFrame
        currency, date, per_usd [units of currency per USD].

    """
    return _get("ecb", client, skip_bad, {"url": url})[0]


def get_blockchain_com(
    chart: str = "market-price",
    *,
    timespan: str = "all",
    client: httpx.Client | None = None,
    url: str | None = None,
    skip_bad: bool = False,
) -> pd.DataFrame:
    """Download a blockchain.com chart and parse it like :func:`read_blockchain_com`.

    Parameters
    ----------
    chart : str
        ``market-price``, ``hash-rate``, ``difficulty`` or ``transaction-fees``.
    timespan : str
        blockchain.com duration, e.g. ``"all"``, ``"5years"``.
    client : httpx.Client, optional
        HTTP client (tests pass a mock transport).
    url : str, optional
        Template overriding :data:`BLOCKCHAIN_COM_URL` (``{chart}`` is filled in).
    skip_bad : bool
        Drop and report bad samples instead of failing.

    Returns
    -------
    pandas.DataFrame
        Daily ``price`` (BTC/USD) or ``chain`` frame.

    """
    return _get("blockchain-com", client, skip_bad,
                {"chart": chart, "timespan": timespan, "url": url})[0]


def get_mempool(
    endpoint: str = "difficulty-adjustments",
    *,
    period: str = "all",
    client: httpx.Client | None = None,
    url: str | None = None,
    skip_bad: bool = False,
) -> list[pd.DataFrame]:
    """Download mempool.space mining data and parse it like :func:`read_mempool`.

    Parameters
    ----------
    endpoint : {"difficulty-adjustments", "hashrate"}
        Which response.
    period : str
        mempool.space interval: ``all``, ``3y``, ``1y``, ``3m``...
    client : httpx.Client, optional
        HTTP client (tests pass a mock transport).
    url : str, optional
        Base overriding :data:`MEMPOOL_URL` (e.g. a self-hosted mempool).
    skip_bad : bool
        Drop and report bad entries instead of failing.

    Returns
    -------
    list of pandas.DataFrame
        ``[retargets]`` for difficulty adjustments; ``[chain, retargets]`` for
        hashrate (daily ``hashrate_hs`` [H/s] and the adjustments it lists).

    """
    return _get("mempool", client, skip_bad, {"endpoint": endpoint, "period": period, "url": url})


def fetch_source(
    source: str,
    *,
    store: str | os.PathLike[str] | HistoryStore | None = None,
    client: httpx.Client | None = None,
    skip_bad: bool = False,
    progress: StageProgress | None = None,
    **options: Any,
) -> ImportReport:
    """Download a source and import it into the store (``hashwinter data fetch``).

    Parameters
    ----------
    source : str
        ``coinmetrics``, ``ecb``, ``blockchain-com`` or ``mempool``.
    store : path or HistoryStore, optional
        Where to write.
    client : httpx.Client, optional
        HTTP client.
    skip_bad : bool
        Drop and report bad rows instead of importing nothing.
    progress : callable, optional
        ``progress(stage, done, total)``: ``"download"`` (bytes), ``"parse"``, ``"write"``.
    **options
        ``asset`` (coinmetrics), ``chart``/``timespan`` (blockchain-com),
        ``endpoint``/``period`` (mempool), ``url`` (any).

    Returns
    -------
    ImportReport
        What was written; its origin is the URL.

    """
    url, params, parse_options = _request(source, options)
    cb = (lambda done, total: progress("download", done, total)) if progress else None
    body, where = download(url, client=client, params=params, progress=cb)
    text, origin = decode_bytes(body, where)
    return import_text(source, text, origin, store=store, skip_bad=skip_bad, progress=progress,
                       **parse_options)
