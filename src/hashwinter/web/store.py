"""Read access to the history store from the web: one read-only DuckDB connection per thread.

DuckDB lets many processes read a file at once (read-only), never while one of them
writes it. The web only reads the store, so every web worker and the job tasks can
read it together; ``hashwinter data import`` must wait until the server stops.
Connections are opened once per thread and kept: opening one costs milliseconds,
which the shutdown board would pay on every request otherwise.

Query results of :meth:`HistoryStore.arrays` are memoized per process
(:class:`MemoStore`): while any process holds the store open read-only, DuckDB lets
no process write it, so a result read once stays the stored truth for as long as the
server runs. This is not a response cache: every request still computes its network
state and table; it only skips re-reading the same few thousand stored rows
(4 queries, ~6 ms of a shutdown-table request).

The shutdown table's hot path goes one step further: :meth:`StoreReader.series` keeps,
per process, one :class:`~hashwinter.data.network.StoredSeries` per currency — the
stored difficulty, subsidy, fees, prices and FX as numpy arrays, with what does not
depend on the day precomputed — so a request computes its day's network state with
numpy on those arrays (the same code as ``network_state``). For the same reason as the
memo, this is right only because the store cannot change while the server holds it
open; restart the server after ``hashwinter data import``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from hashwinter.data import HistoryStore
from hashwinter.data.network import StoredSeries
from hashwinter.errors import InputError
from hashwinter.web.problems import ErrorItem, ProblemError

__all__ = ["MemoStore", "StoreReader"]


class MemoStore(HistoryStore):
    """A read-only store whose :meth:`arrays` and :meth:`currencies` results are memoized.

    ``memo`` is shared by every thread's instance of one process; callers get copies.
    """

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection,
                 memo: dict[tuple[Any, ...], Any], lock: threading.Lock) -> None:
        super().__init__(path, connection, read_only=True)
        self._memo = memo
        self._memo_lock = lock

    def arrays(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, np.ndarray]:
        """Return :meth:`HistoryStore.arrays` of the query, read once per process."""
        key = ("arrays", sql, tuple(params or ()))
        found = self._memo.get(key)
        if found is None:
            found = super().arrays(sql, params)
            with self._memo_lock:
                self._memo[key] = found
        return {name: values.copy() for name, values in found.items()}

    def currencies(self) -> list[str]:
        """Return :meth:`HistoryStore.currencies`, read once per process."""
        key = ("currencies",)
        if key not in self._memo:
            with self._memo_lock:
                self._memo[key] = super().currencies()
        return list(self._memo[key])


class StoreReader:
    """Per-thread read-only connections to the store at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[HistoryStore] = []
        self._lock = threading.Lock()
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._memo_lock = threading.Lock()
        self._series: dict[tuple[str, str], StoredSeries] = {}

    def series(self, asset: str, currency: str, parameter: str | None = None) -> StoredSeries:
        """Return this process's :class:`StoredSeries` of ``asset`` in ``currency``.

        Built once per (asset, currency) that has data; a currency without stored FX is
        not kept (its error is raised by :meth:`StoredSeries.columns` on every request,
        and arbitrary codes must not grow the process).

        Raises
        ------
        ProblemError
            404 when there is no store (see :meth:`get`).
        InputError
            No chain history of ``asset`` in the store.

        """
        key = (asset.strip().upper(), currency.strip().upper())
        found = self._series.get(key)
        if found is not None:
            return found
        made = StoredSeries(self.get(parameter), asset=key[0], currency=key[1])
        if made.fx is None or made.fx["date"].size:
            with self._memo_lock:
                self._series.setdefault(key, made)
        return made

    def get(self, parameter: str | None = None) -> HistoryStore:
        """Return this thread's open store.

        Raises
        ------
        ProblemError
            404 when there is no store (naming ``parameter``, the input that needs it).

        """
        store: HistoryStore | None = getattr(self._local, "store", None)
        if store is not None:
            return store
        if not self.path.is_file():
            raise ProblemError(404, f"no history store at {self.path}; import data first "
                               "(hashwinter data import ...) or start with --store",
                               [ErrorItem(detail="needs the history store",
                                          parameter=parameter)] if parameter else [])
        try:
            opened = HistoryStore.open(self.path)  # checks and, if old, migrates the schema
        except InputError as exc:
            raise ProblemError(503, str(exc)) from None
        store = MemoStore(opened.path, opened.con, self._memo, self._memo_lock)
        self._local.store = store
        with self._lock:
            self._opened.append(store)
        return store

    def close_all(self) -> None:
        """Close every thread's connection (at shutdown: DuckDB must not outlive the app)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            store.close()
        self._local = threading.local()

    def exists(self) -> bool:
        """Return whether the store file exists."""
        return self.path.is_file()
