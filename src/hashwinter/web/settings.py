"""What a web server is started with, and how it travels to uvicorn's worker processes.

``hashwinter serve --workers 2`` makes uvicorn start worker processes that each
import the app afresh, so the settings go to them through environment variables
(:meth:`WebSettings.to_env` / :meth:`WebSettings.from_env`). The token travels the
same way (never on a command line another user could read with ``ps``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from pathlib import Path

from hashwinter.data.paths import resolve_store_path
from hashwinter.errors import InputError

__all__ = ["DEFAULT_BODY_LIMIT", "DEFAULT_MAX_QUEUED", "TOKEN_ENV", "WebSettings", "is_loopback"]

#: Largest request body accepted by default. [bytes]
DEFAULT_BODY_LIMIT = 1024 * 1024
#: Jobs a client may have queued or running at once by default.
DEFAULT_MAX_QUEUED = 20
#: Environment variable holding the bearer token.
TOKEN_ENV = "HASHWINTER_TOKEN"
_PREFIX = "HASHWINTER_WEB_"


def is_loopback(host: str) -> bool:
    """Return whether ``host`` only accepts connections from this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)

    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _examples_dir() -> Path | None:
    """Return the repository's examples/ folder (in a source checkout or editable install)."""
    here = Path(__file__).resolve().parents[3] / "examples"
    return here if here.is_dir() else None


@dataclasses.dataclass(frozen=True)
class WebSettings:
    """Settings of one server.

    Attributes
    ----------
    store : Path
        The history store (DuckDB), read-only for the web.
    jobs_dir : Path
        Folder of the jobs database and result files (default: beside the store,
        ``history.duckdb`` -> ``history.jobs/``).
    token : str or None
        Bearer token every request must carry; None on loopback only.
    host : str
        Address the server is bound to (decides whether a token is required).
    body_limit : int
        Largest request body. [bytes]
    max_queued : int
        Jobs a client may have queued or running at once.
    job_workers : int
        Processes of the job manager's pool.
    examples_dir : Path or None
        Example farms and scenarios offered by the pages.

    """

    store: Path
    jobs_dir: Path
    token: str | None = None
    host: str = "127.0.0.1"
    body_limit: int = DEFAULT_BODY_LIMIT
    max_queued: int = DEFAULT_MAX_QUEUED
    job_workers: int = 1
    examples_dir: Path | None = dataclasses.field(default_factory=_examples_dir)

    @classmethod
    def build(
        cls,
        *,
        store: str | os.PathLike[str] | None = None,
        jobs_dir: str | os.PathLike[str] | None = None,
        token: str | None = None,
        host: str = "127.0.0.1",
        body_limit: int = DEFAULT_BODY_LIMIT,
        max_queued: int = DEFAULT_MAX_QUEUED,
        job_workers: int = 1,
    ) -> WebSettings:
        """Check and complete the settings.

        Raises
        ------
        InputError
            A non-loopback host without a token, or a limit below 1.

        """
        token = token or None
        if not is_loopback(host) and token is None:
            raise InputError(
                f"binding to {host} needs a token: pass --token or set {TOKEN_ENV} "
                "(every request must then send 'Authorization: Bearer <token>')",
                field="--token")
        if token is not None and len(token) < 16:
            raise InputError("must be at least 16 characters", field="--token")
        for name, value in (("--max-body", body_limit), ("--max-queued", max_queued),
                            ("--job-workers", job_workers)):
            if value < 1:
                raise InputError(f"must be >= 1 (got {value})", field=name)
        path = resolve_store_path(store)
        jobs = Path(jobs_dir) if jobs_dir is not None else path.with_suffix(".jobs")
        return cls(store=path, jobs_dir=jobs, token=token, host=host, body_limit=body_limit,
                   max_queued=max_queued, job_workers=job_workers)

    def to_env(self) -> dict[str, str]:
        """Return the environment variables that carry these settings to worker processes."""
        env = {
            f"{_PREFIX}STORE": str(self.store),
            f"{_PREFIX}JOBS_DIR": str(self.jobs_dir),
            f"{_PREFIX}HOST": self.host,
            f"{_PREFIX}BODY_LIMIT": str(self.body_limit),
            f"{_PREFIX}MAX_QUEUED": str(self.max_queued),
            f"{_PREFIX}JOB_WORKERS": str(self.job_workers),
        }
        if self.token is not None:
            env[TOKEN_ENV] = self.token
        return env

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WebSettings:
        """Read the settings written by :meth:`to_env` (the worker side)."""
        e = dict(os.environ if env is None else env)
        return cls.build(
            store=e.get(f"{_PREFIX}STORE"),
            jobs_dir=e.get(f"{_PREFIX}JOBS_DIR"),
            token=e.get(TOKEN_ENV),
            host=e.get(f"{_PREFIX}HOST", "127.0.0.1"),
            body_limit=int(e.get(f"{_PREFIX}BODY_LIMIT", DEFAULT_BODY_LIMIT)),
            max_queued=int(e.get(f"{_PREFIX}MAX_QUEUED", DEFAULT_MAX_QUEUED)),
            job_workers=int(e.get(f"{_PREFIX}JOB_WORKERS", 1)),
        )
