"""The job manager: the one owner of a jobs folder, running its jobs in a process pool.

Every web worker starts a :class:`JobManager`, but only one of them *owns* the jobs
folder at a time: the one holding an exclusive ``flock`` on ``manager.lock``. The
others keep trying once a second, so when the owner's process ends (a crash, a
restart by uvicorn) another worker takes over; the kernel drops the lock of a dead
process, so there is never a stale lock to clean up. Only the owner moves job state
(see :mod:`hashwinter.web.jobs.db`), so two workers never split a job.

On taking ownership the manager looks for jobs a previous owner left ``running``
(it was killed mid-job): each is queued again to be resumed (jobs are deterministic:
same inputs, same seeds, same results), with a note saying so, unless it was already
interrupted :data:`MAX_ATTEMPTS` times, in which case it is marked failed. A job is
never lost silently. On a clean stop, running jobs are asked to stop and are queued
again for the next start.

Jobs run in a pool from :func:`hashwinter.parallel.open_executor` (spawned processes).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import traceback
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from hashwinter.parallel import open_executor
from hashwinter.web.jobs.db import JobDB
from hashwinter.web.jobs.tasks import CANCEL_FILE, run_job

__all__ = ["MAX_ATTEMPTS", "JobManager"]

#: Times a job may be interrupted by a stopping server before it is marked failed.
MAX_ATTEMPTS = 3
_TICK_S = 0.1
_ELECT_EVERY_S = 1.0

_log = logging.getLogger("hashwinter.web.jobs")


class JobManager:
    """Run the jobs of ``db`` in ``workers`` processes, when this process owns the folder.

    Parameters
    ----------
    db : JobDB
        The jobs database.
    workers : int
        Processes of the pool.

    """

    def __init__(self, db: JobDB, workers: int = 1) -> None:
        self.db = db
        self.workers = workers
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self._running: dict[str, Future[dict[str, Any]]] = {}
        self.owner = threading.Event()

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start electing (and, once owner, running jobs) in a background thread."""
        self._thread = threading.Thread(target=self._main, name="hashwinter-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop: running jobs are asked to stop and queued again; release ownership."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _try_lock(self) -> bool:
        fd = os.open(self.db.folder / "manager.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        return True

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
        self.owner.clear()

    def _main(self) -> None:
        while not self._stop.is_set():
            if self._try_lock():
                break
            self._stop.wait(_ELECT_EVERY_S)
        else:
            return
        self.owner.set()
        try:
            self.recover()
            # Processes even for one job at a time: a job must not run in this thread.
            with open_executor(workers=self.workers, spawn_single=True) as pool:
                while not self._stop.is_set():
                    try:
                        self._tick(pool)
                    except Exception:  # keep serving; the job concerned is marked failed
                        _log.exception("job manager tick failed")
                    self._stop.wait(_TICK_S)
                self._interrupt_running()
        finally:
            self._release()

    # -- state moves (owner only) ------------------------------------------------------
    def recover(self) -> None:
        """Queue again (or fail) the jobs a previous owner left running."""
        for job in self.db.in_state("running"):
            folder = self.db.result_dir(job.id)
            with contextlib.suppress(FileNotFoundError):
                (folder / CANCEL_FILE).unlink()
            if job.cancel_requested:
                self.db.set_state(job.id, "cancelled", note="cancelled while the server stopped")
            elif job.attempts >= MAX_ATTEMPTS:
                self.db.set_state(job.id, "failed", error={
                    "detail": f"interrupted {job.attempts} times: the server stopped while "
                              "the job ran; resubmit it", "errors": []},
                    note="interrupted")
            else:
                self.db.set_state(job.id, "queued",
                                  note=f"resumed: the server stopped during attempt "
                                       f"{job.attempts}")

    def _interrupt_running(self) -> None:
        for job_id, future in list(self._running.items()):
            (self.db.result_dir(job_id) / CANCEL_FILE).touch()
            future.cancel()
        for job_id, future in list(self._running.items()):
            with contextlib.suppress(Exception):
                future.result(timeout=30)
            with contextlib.suppress(FileNotFoundError):
                (self.db.result_dir(job_id) / CANCEL_FILE).unlink()
            job = self.db.get(job_id)
            if job is not None and job.state == "running":
                self.db.set_state(job_id, "queued",
                                  note="resumed: the server stopped while it ran")
        self._running.clear()

    def _tick(self, pool: Any) -> None:
        # Finished futures first: they free pool slots.
        for job_id, future in list(self._running.items()):
            if not future.done():
                continue
            del self._running[job_id]
            self._finish(job_id, future)
        for job in self.db.cancel_requested():
            if job.state == "queued":
                self.db.set_state(job.id, "cancelled", note="cancelled before it started")
            elif job.id in self._running:
                (self.db.result_dir(job.id) / CANCEL_FILE).touch()
        free = self.workers - len(self._running)
        if free <= 0:
            return
        for job in self.db.in_state("queued", limit=free):
            folder = self.db.result_dir(job.id)
            folder.mkdir(parents=True, exist_ok=True)
            self.db.set_state(job.id, "running")
            self._running[job.id] = pool.submit(run_job, job.kind, job.inputs, str(folder))

    def _finish(self, job_id: str, future: Future[dict[str, Any]]) -> None:
        folder: Path = self.db.result_dir(job_id)
        with contextlib.suppress(FileNotFoundError):
            (folder / CANCEL_FILE).unlink()
        try:
            outcome = future.result()
        except Exception as exc:  # a bug or a dead worker: say so, never lose the job
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            _log.error("job %s failed: %s", job_id, detail)
            self.db.set_state(job_id, "failed", error={
                "detail": f"internal error: {detail}", "errors": []})
            return
        if outcome["outcome"] == "done":
            self.db.set_state(job_id, "done", result=outcome["result"])
        elif outcome["outcome"] == "cancelled":
            self.db.set_state(job_id, "cancelled", note="cancelled while it ran")
        else:
            self.db.set_state(job_id, "failed", error=outcome["error"])
