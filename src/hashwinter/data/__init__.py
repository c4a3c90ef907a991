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
