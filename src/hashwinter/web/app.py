"""The app factory: routes, error handlers, middleware and the job manager of one server.

:func:`create_app` builds the app from :class:`~hashwinter.web.settings.WebSettings`;
:func:`app_from_env` is what uvicorn's worker processes import (``factory=True``),
reading the settings that ``hashwinter serve`` put in the environment.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from hashwinter.web.auth import AuthMiddleware
from hashwinter.web.jobs import JobDB, JobManager
from hashwinter.web.limits import BodyLimitMiddleware
from hashwinter.web.problems import install_problem_handlers
from hashwinter.web.routes import catalog, data, farms, jobs, pages, shutdown
from hashwinter.web.settings import WebSettings
from hashwinter.web.store import StoreReader

__all__ = ["API_PREFIX", "app_from_env", "create_app"]

#: Every API path starts here; a later incompatible API gets /api/v2.
API_PREFIX = "/api/v1"


def create_app(settings: WebSettings, *, run_jobs: bool = True) -> FastAPI:
    """Return the web app.

    Parameters
    ----------
    settings : WebSettings
        Store, jobs folder, token and limits.
    run_jobs : bool, default True
        Start a job manager (it runs jobs only if it wins the jobs folder's lock).

    """
    db = JobDB(settings.jobs_dir)
    manager = JobManager(db, workers=settings.job_workers)
    reader = StoreReader(settings.store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            manager.start()
        try:
            yield
        finally:
            if run_jobs:
                manager.stop()
            reader.close_all()

    app = FastAPI(
        title="hashwinter",
        version="1",
        summary="Proof-of-work mining economics: shutdown prices, farm backtests, scenarios.",
        description="The REST API of `hashwinter serve` (see docs/web.md). Errors are RFC 9457 "
                    "problem details naming the offending field.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = reader
    app.state.jobs = db
    app.state.manager = manager
    install_problem_handlers(app)
    for module in (shutdown, data, catalog, farms, jobs):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    # Outermost first: the token is checked before a body is read.
    app.add_middleware(BodyLimitMiddleware, limit=settings.body_limit)
    app.add_middleware(AuthMiddleware, token=settings.token)
    return app


def app_from_env() -> Any:
    """Build the app from the environment (the entry point of uvicorn's workers)."""
    return create_app(WebSettings.from_env())
