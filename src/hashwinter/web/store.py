"""Read access to the history store from the web: one read-only DuckDB connection per thread.

DuckDB lets many processes read a file at once (read-only), never while one of them
writes it. The web only reads the store, so every web worker and the job tasks can
read it together; ``hashwinter data import`` must wait until the server stops.
Connections are opened once per thread and kept: opening one costs milliseconds,
which the shutdown board would pay on every request otherwise.
"""

from __future__ import annotations

import threading
from pathlib import Path

from hashwinter.data import HistoryStore
from hashwinter.errors import InputError
from hashwinter.web.problems import ErrorItem, ProblemError

__all__ = ["StoreReader"]


class StoreReader:
    """Per-thread read-only connections to the store at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[HistoryStore] = []
        self._lock = threading.Lock()

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
            store = HistoryStore.open(self.path)
        except InputError as exc:
            raise ProblemError(503, str(exc)) from None
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
