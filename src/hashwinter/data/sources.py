"""The names of the sources ``hashwinter data import`` and ``data fetch`` know.

Only the names, for the command line's help: the importers
(:data:`hashwinter.data.importers.IMPORTERS`) and downloaders
(:data:`hashwinter.data.fetch.FETCHERS`) need pandas and httpx, which ``hashwinter
--help`` does not load. A test checks that both lists match those tables.
"""

from __future__ import annotations

__all__ = ["FETCH_SOURCES", "IMPORT_SOURCES"]

#: Keys of :data:`hashwinter.data.importers.IMPORTERS`, in its order.
IMPORT_SOURCES: tuple[str, ...] = (
    "coinmetrics", "ecb", "csv", "blockchain-com", "mempool", "machine-prices", "futures",
    "funding",
)  # fmt: skip

#: Keys of :data:`hashwinter.data.fetch.FETCHERS`, in its order.
FETCH_SOURCES: tuple[str, ...] = ("coinmetrics", "ecb", "blockchain-com", "mempool")
