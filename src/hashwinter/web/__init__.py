"""The web app: the shutdown board, farm backtests and scenarios in the browser, and a REST API.

``hashwinter serve`` runs :func:`create_app` on uvicorn. Modules, one concept each:

- :mod:`~hashwinter.web.settings` — what a server is started with (store, token, limits);
- :mod:`~hashwinter.web.auth` — bearer tokens off loopback, and who a client is;
- :mod:`~hashwinter.web.problems` — RFC 9457 problem+json errors naming the field;
- :mod:`~hashwinter.web.limits` — the request body size limit (413);
- :mod:`~hashwinter.web.jobs` — background jobs: their database, the one manager that owns
  them, and the tasks that run in its process pool;
- :mod:`~hashwinter.web.routes` — one module per API resource, and the pages.

See docs/web.md.
"""

from hashwinter.web.app import create_app
from hashwinter.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
