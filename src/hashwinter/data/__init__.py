"""History: an embedded DuckDB store of chain, price, FX and machine-price history.

Read files with ``read_<source>(path)`` (tidy DataFrames), download with
``get_<source>(..., client=None)``, write with :func:`import_file` (one
transaction, upsert), and read the network of any stored day back with
:func:`network_state` (one day, a :class:`~hashwinter.state.NetworkState`) or
:func:`network_states` (many days, vectorized). See docs/history.md.

Examples
--------
>>> from hashwinter.data import import_file, network_state
>>> import_file("coinmetrics", "btc_daily.csv", store="h.duckdb")  # doctest: +SKIP
>>> import_file("ecb", "usd_cny_daily.csv", store="h.duckdb")  # doctest: +SKIP
>>> network_state("2018-11-25", currency="CNY", store="h.duckdb").price  # doctest: +SKIP
27420.04...

"""

from typing import TYPE_CHECKING, Any

from hashwinter import _lazy

if TYPE_CHECKING:
    from hashwinter.data.check import Finding, check_store
    from hashwinter.data.export import export_store
    from hashwinter.data.fetch import (
        FetchError,
        fetch_source,
        get_blockchain_com,
        get_coinmetrics,
        get_ecb,
        get_mempool,
    )
    from hashwinter.data.importers import (
        IMPORTERS,
        machine_price_frame,
        read_blockchain_com,
        read_coinmetrics,
        read_csv,
        read_ecb,
        read_machine_prices,
        read_mempool,
    )
    from hashwinter.data.importing import ImportReport, import_file, import_frames
    from hashwinter.data.network import load_network_state, network_state, network_states
    from hashwinter.data.paths import STORE_ENV, default_store_path, resolve_store_path
    from hashwinter.data.schema import SCHEMA_VERSION
    from hashwinter.data.status import TableStatus, store_status
    from hashwinter.data.store import HistoryStore

__all__ = [
    "IMPORTERS",
    "SCHEMA_VERSION",
    "STORE_ENV",
    "FetchError",
    "Finding",
    "HistoryStore",
    "ImportReport",
    "TableStatus",
    "check_store",
    "default_store_path",
    "export_store",
    "fetch_source",
    "get_blockchain_com",
    "get_coinmetrics",
    "get_ecb",
    "get_mempool",
    "import_file",
    "import_frames",
    "load_network_state",
    "machine_price_frame",
    "network_state",
    "network_states",
    "read_blockchain_com",
    "read_coinmetrics",
    "read_csv",
    "read_ecb",
    "read_machine_prices",
    "read_mempool",
    "resolve_store_path",
    "store_status",
]

#: Exposed name -> the module defining it (imported on first access: pandas and DuckDB
#: are not loaded by `import hashwinter.data.paths`).
_EXPORTS: dict[str, str] = {
    "Finding": "hashwinter.data.check",
    "check_store": "hashwinter.data.check",
    "export_store": "hashwinter.data.export",
    "FetchError": "hashwinter.data.fetch",
    "fetch_source": "hashwinter.data.fetch",
    "get_blockchain_com": "hashwinter.data.fetch",
    "get_coinmetrics": "hashwinter.data.fetch",
    "get_ecb": "hashwinter.data.fetch",
    "get_mempool": "hashwinter.data.fetch",
    "IMPORTERS": "hashwinter.data.importers",
    "machine_price_frame": "hashwinter.data.importers",
    "read_blockchain_com": "hashwinter.data.importers",
    "read_coinmetrics": "hashwinter.data.importers",
    "read_csv": "hashwinter.data.importers",
    "read_ecb": "hashwinter.data.importers",
    "read_machine_prices": "hashwinter.data.importers",
    "read_mempool": "hashwinter.data.importers",
    "ImportReport": "hashwinter.data.importing",
    "import_file": "hashwinter.data.importing",
    "import_frames": "hashwinter.data.importing",
    "load_network_state": "hashwinter.data.network",
    "network_state": "hashwinter.data.network",
    "network_states": "hashwinter.data.network",
    "STORE_ENV": "hashwinter.data.paths",
    "default_store_path": "hashwinter.data.paths",
    "resolve_store_path": "hashwinter.data.paths",
    "SCHEMA_VERSION": "hashwinter.data.schema",
    "TableStatus": "hashwinter.data.status",
    "store_status": "hashwinter.data.status",
    "HistoryStore": "hashwinter.data.store",
}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _EXPORTS)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _EXPORTS)
