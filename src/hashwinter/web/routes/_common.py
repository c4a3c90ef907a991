"""What every route needs from the request: the app's settings, store, jobs and client."""

from __future__ import annotations

import datetime as dt

from fastapi import Request

from hashwinter.web.auth import LOOPBACK_CLIENT
from hashwinter.web.jobs import JobDB
from hashwinter.web.problems import ErrorItem, ProblemError
from hashwinter.web.settings import WebSettings
from hashwinter.web.store import StoreReader

__all__ = ["client_of", "jobs_of", "parse_day", "settings_of", "store_of"]


def settings_of(request: Request) -> WebSettings:
    """Return the server's settings."""
    settings: WebSettings = request.app.state.settings
    return settings


def store_of(request: Request) -> StoreReader:
    """Return the server's store reader."""
    store: StoreReader = request.app.state.store
    return store


def jobs_of(request: Request) -> JobDB:
    """Return the server's jobs database."""
    db: JobDB = request.app.state.jobs
    return db


def client_of(request: Request) -> str:
    """Return the client's key (set by the auth middleware)."""
    return str(request.scope.get("state", {}).get("client", LOOPBACK_CLIENT))


def parse_day(value: str | None, *, parameter: str | None = None, pointer: str | None = None
              ) -> dt.date | None:
    """Parse ``YYYY-MM-DD``; a bad value is a 422 naming the parameter or pointer."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ProblemError(422, f"not a date YYYY-MM-DD: {value!r}", [ErrorItem(
            detail=f"not a date YYYY-MM-DD: {value!r}", parameter=parameter,
            pointer=pointer)]) from None
