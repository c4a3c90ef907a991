"""Helpers of the web tests: apps on TestClient, live servers on loopback, waiting for jobs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from hashwinter.web import WebSettings, create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

SRC = Path(__file__).resolve().parents[2] / "src"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: A token long enough for the server (>= 16 characters).
TOKEN = "test-token-0123456789abcdef"


def make_client(store: Path, jobs_dir: Path, *, run_jobs: bool = False, **kw: object
                ) -> TestClient:
    """A TestClient of an app on ``store`` (entered by the caller with ``with``)."""
    settings = WebSettings.build(store=store, jobs_dir=jobs_dir, **kw)  # type: ignore[arg-type]
    return TestClient(create_app(settings, run_jobs=run_jobs), raise_server_exceptions=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``hashwinter serve`` in a subprocess (its own process group), on 127.0.0.1."""

    def __init__(self, store: Path, jobs_dir: Path, *extra: str, token: str | None = None,
                 workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        env.pop("HASHWINTER_TOKEN", None)
        if token is not None:
            env["HASHWINTER_TOKEN"] = token
        self.log = jobs_dir.parent / f"server-{self.port}.log"
        self._log = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hashwinter.cli.app", "serve", "--port", str(self.port),
             "--store", str(store), "--jobs-dir", str(jobs_dir), "--workers", str(workers),
             *extra],
            env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _wait(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/openapi.json", headers=self.headers(),
                             timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: nothing gets to clean up)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()

    def stop(self) -> None:
        """SIGTERM (a clean stop), then SIGKILL what is left of the group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()


def wait_job(get: object, job_id: str, timeout_s: float = 60.0) -> dict[str, object]:
    """Poll a job (``get(path) -> response``) until it is finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = get(f"/api/v1/jobs/{job_id}").json()  # type: ignore[operator]
        if job["state"] in ("done", "failed", "cancelled"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")
