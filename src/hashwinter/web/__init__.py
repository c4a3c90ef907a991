"""The web app: the shutdown board, farm backtests and scenarios in the browser, and a REST API.

``hashwinter serve`` runs :func:`create_app` on uvicorn. Modules, one concept each:

- :mod:`~hashwinter.web.settings` — what a server is started with (store, token, limits);
- :mod:`~hashwinter.web.auth` — bearer tokens off loopback, and who a client is;
- :mod:`~hashwinter.web.problems` — RFC 9457 problem+json errors naming the field;
- :mod:`~hashwinter.web.limits` — the request body size limit (413);
- :mod:`~hashwinter.web.jobs` — background jobs: their database, the one manager that owns
  them, and the tasks that run in its process pool;
- :mod:`~hashwinter.web.routes` — one module per API resource, and the pages.

See docs/web.md. The names below are imported on first use: ``hashwinter serve``'s
options read :mod:`~hashwinter.web.settings` without loading FastAPI.
"""

from typing import TYPE_CHECKING, Any

from hashwinter import _lazy

if TYPE_CHECKING:
    from hashwinter.web.app import create_app
    from hashwinter.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]

#: Exposed name -> the module defining it (imported on first access).
_EXPORTS: dict[str, str] = {
    "WebSettings": "hashwinter.web.settings",
    "create_app": "hashwinter.web.app",
}


def __getattr__(name: str) -> Any:
    return _lazy.load(__name__, name, _EXPORTS)


def __dir__() -> list[str]:
    return _lazy.names(__name__, _EXPORTS)
