"""Where the history store lives: the user's data directory, or an override.

The store is one DuckDB file. By default it sits in the platform's user data
directory (``~/.local/share/hashwinter/history.duckdb`` on Linux, following
XDG through :mod:`platformdirs`); the ``HASHWINTER_STORE`` environment variable
or an explicit path (the CLI's ``--store``) overrides it.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["STORE_ENV", "STORE_FILENAME", "default_store_path", "resolve_store_path"]

#: Environment variable naming the store file (overrides the user data dir).
STORE_ENV = "HASHWINTER_STORE"
#: File name of the store inside the user data directory.
STORE_FILENAME = "history.duckdb"


def default_store_path() -> Path:
    """Return the store path in the user's data directory (not created here).

    Returns
    -------
    pathlib.Path
        ``<user data dir>/hashwinter/history.duckdb``.

    """
    return platformdirs.user_data_path("hashwinter", appauthor=False) / STORE_FILENAME


def resolve_store_path(store: str | os.PathLike[str] | None = None) -> Path:
    """Return the store file to use: ``store``, else ``$HASHWINTER_STORE``, else the default.

    Parameters
    ----------
    store : str or path-like, optional
        Explicit path (e.g. from ``--store``); ``~`` is expanded.

    Returns
    -------
    pathlib.Path
        Absolute path of the DuckDB file (which may not exist yet).

    """
    if store is not None and str(store) != "":
        return Path(store).expanduser().resolve()
    env = os.environ.get(STORE_ENV, "")
    if env:
        return Path(env).expanduser().resolve()
    return default_store_path()
