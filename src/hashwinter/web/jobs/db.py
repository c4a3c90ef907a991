"""The jobs database: one SQLite file (WAL) with a row per job, its inputs and its outcome.

Who writes what (so two web workers never split a job's state):

- any web worker *inserts* a job (state ``queued``) with its inputs, after counting
  the client's unfinished jobs in the same ``BEGIN IMMEDIATE`` transaction (the
  per-client limit holds across processes), and may *set* ``cancel_requested``;
- only the job manager (see :mod:`hashwinter.web.jobs.manager`) moves a job from
  ``queued`` to ``running`` to ``done``, ``failed`` or ``cancelled``.

A job's results are files in ``results/<id>/`` beside the database, recorded in its
row (``result``); its inputs are in the row and in ``results/<id>/inputs.json``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["FINISHED", "STATES", "JobDB", "JobRecord", "TooManyJobs"]

#: Every state a job can be in.
STATES = ("queued", "running", "done", "failed", "cancelled")
#: States a job does not leave.
FINISHED = ("done", "failed", "cancelled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    client TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    inputs TEXT NOT NULL,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    note TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created_at);
CREATE INDEX IF NOT EXISTS jobs_client ON jobs (client, state);
"""


class TooManyJobs(Exception):
    """A client has its limit of unfinished jobs."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"at most {limit} jobs may be queued or running per client")


@dataclasses.dataclass(frozen=True)
class JobRecord:
    """One job as stored."""

    id: str
    kind: str
    client: str
    state: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    inputs: dict[str, Any]
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    cancel_requested: bool
    note: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRecord:
        """Build a record from a database row."""
        return cls(
            id=row["id"], kind=row["kind"], client=row["client"], state=row["state"],
            created_at=row["created_at"], started_at=row["started_at"],
            finished_at=row["finished_at"], inputs=json.loads(row["inputs"]),
            result=json.loads(row["result"]) if row["result"] else None,
            error=json.loads(row["error"]) if row["error"] else None,
            attempts=int(row["attempts"]), cancel_requested=bool(row["cancel_requested"]),
            note=row["note"])


class JobDB:
    """The jobs database at ``folder/jobs.sqlite`` (created on first use).

    Connections are opened per call: SQLite connections are cheap, and one per call
    is safe from any thread or process.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "jobs.sqlite"
        self.results = self.folder / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            con.execute("PRAGMA busy_timeout=30000")
            yield con
        finally:
            con.close()

    def result_dir(self, job_id: str) -> Path:
        """Return the folder of a job's files."""
        return self.results / job_id

    # -- any process ---------------------------------------------------------------
    def submit(self, kind: str, client: str, inputs: dict[str, Any], max_queued: int
               ) -> JobRecord:
        """Insert a queued job; raise :class:`TooManyJobs` past the client's limit."""
        job_id = uuid.uuid4().hex
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                (count,) = con.execute(
                    "SELECT count(*) FROM jobs WHERE client = ? AND state IN ('queued', "
                    "'running')", [client]).fetchone()
                if count >= max_queued:
                    raise TooManyJobs(max_queued)
                con.execute(
                    "INSERT INTO jobs (id, kind, client, state, created_at, inputs) "
                    "VALUES (?, ?, ?, 'queued', ?, ?)",
                    [job_id, kind, client, time.time(), json.dumps(inputs)])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        folder = self.result_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "inputs.json").write_text(json.dumps({"kind": kind, **inputs}, indent=2),
                                            encoding="utf-8")
        record = self.get(job_id)
        assert record is not None
        return record

    def get(self, job_id: str) -> JobRecord | None:
        """Return a job, or None."""
        with self._connect() as con:
            row = con.execute("SELECT * FROM jobs WHERE id = ?", [job_id]).fetchone()
        return JobRecord.from_row(row) if row else None

    def list_jobs(self, client: str | None = None, limit: int = 100) -> list[JobRecord]:
        """Return the newest jobs (of one client, or all)."""
        sql = "SELECT * FROM jobs"
        params: list[Any] = []
        if client is not None:
            sql += " WHERE client = ?"
            params.append(client)
        sql += " ORDER BY created_at DESC LIMIT ?"
        params.append(limit)
        with self._connect() as con:
            return [JobRecord.from_row(r) for r in con.execute(sql, params).fetchall()]

    def request_cancel(self, job_id: str) -> None:
        """Ask the manager to cancel a job (a flag; the manager moves the state)."""
        with self._connect() as con:
            con.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN "
                        "('queued', 'running')", [job_id])

    def integrity(self) -> str:
        """Return SQLite's integrity check (``"ok"`` when intact)."""
        with self._connect() as con:
            return str(con.execute("PRAGMA integrity_check").fetchone()[0])

    # -- the manager only ------------------------------------------------------------
    def in_state(self, state: str, limit: int = 1000) -> list[JobRecord]:
        """Return jobs in ``state``, oldest first."""
        with self._connect() as con:
            rows = con.execute("SELECT * FROM jobs WHERE state = ? ORDER BY created_at "
                               "LIMIT ?", [state, limit]).fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def cancel_requested(self) -> list[JobRecord]:
        """Return unfinished jobs whose cancellation was asked."""
        with self._connect() as con:
            rows = con.execute("SELECT * FROM jobs WHERE cancel_requested = 1 AND state IN "
                               "('queued', 'running')").fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def set_state(self, job_id: str, state: str, *, result: dict[str, Any] | None = None,
                  error: dict[str, Any] | None = None, note: str | None = None) -> None:
        """Move a job to ``state`` (stamping start/finish times and counting attempts)."""
        if state not in STATES:
            raise ValueError(f"unknown job state {state!r}")
        now = time.time()
        sets = ["state = ?"]
        params: list[Any] = [state]
        if state == "running":
            sets += ["started_at = ?", "attempts = attempts + 1"]
            params.append(now)
        if state in FINISHED:
            sets.append("finished_at = ?")
            params.append(now)
        if state == "queued":
            sets += ["started_at = NULL"]
        if result is not None:
            sets.append("result = ?")
            params.append(json.dumps(result))
        if error is not None:
            sets.append("error = ?")
            params.append(json.dumps(error))
        if note is not None:
            sets.append("note = ?")
            params.append(note)
        params.append(job_id)
        with self._connect() as con:
            con.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ?", params)
