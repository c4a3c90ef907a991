"""``hashwinter serve``: the web app and its REST API on uvicorn (see docs/web.md).

Bound to 127.0.0.1 by default. Bound to any other address it refuses to start
without a token (``--token`` or ``HASHWINTER_TOKEN``); every request must then send
``Authorization: Bearer <token>``. The token reaches uvicorn's worker processes in
their environment, never on a command line, and is never logged.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from hashwinter.cli.consoles import stderr_console
from hashwinter.errors import InputError
from hashwinter.web.settings import DEFAULT_BODY_LIMIT, DEFAULT_MAX_QUEUED, TOKEN_ENV, WebSettings

__all__ = ["serve_command"]


def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind; off loopback a token is "
                                      "required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=0, max=65535)] = 8000,
    store: Annotated[
        Path | None, typer.Option(envvar="HASHWINTER_STORE", help="History store file (DuckDB).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Web worker processes.", min=1)] = 1,
    token: Annotated[
        str | None,
        typer.Option(envvar=TOKEN_ENV, show_envvar=True, show_default=False,
                     help="Bearer token every request must carry (required off loopback)."),
    ] = None,
    jobs_dir: Annotated[
        Path | None, typer.Option(help="Jobs database and results. Default: beside the "
                                  "store (history.duckdb -> history.jobs/).")
    ] = None,
    job_workers: Annotated[int, typer.Option(help="Processes running jobs.", min=1)] = 1,
    max_body: Annotated[int, typer.Option(help="Largest request body, in bytes.", min=1)
                        ] = DEFAULT_BODY_LIMIT,
    max_queued: Annotated[int, typer.Option(help="Jobs a client may have queued or running.",
                                            min=1)] = DEFAULT_MAX_QUEUED,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                             help="Log every request.")] = False,
) -> None:
    """Serve the shutdown board, farm backtests and scenarios in the browser, and the API."""
    import uvicorn

    from hashwinter.web.jobs.db import JobDB

    settings = WebSettings.build(store=store, jobs_dir=jobs_dir, token=token, host=host,
                                 body_limit=max_body, max_queued=max_queued,
                                 job_workers=job_workers)
    try:
        JobDB(settings.jobs_dir)  # create it here: a folder we cannot write is a usage error
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot use the jobs folder: {exc}", field="--jobs-dir",
                         source=str(settings.jobs_dir)) from None
    os.environ.update(settings.to_env())
    err = stderr_console()
    shown = f"[{host}]" if ":" in host else host
    err.print(f"hashwinter: serving http://{shown}:{port}/ (store {settings.store}, jobs "
              f"{settings.jobs_dir}, {workers} worker(s)"
              + (", token required)" if settings.token else ", no token: loopback only)"),
              markup=False)
    uvicorn.run("hashwinter.web.app:app_from_env", factory=True, host=host, port=port,
                workers=workers, access_log=access_log, log_level="warning")
