"""The job manager: one owner per jobs folder, recovery of interrupted jobs, the database."""

from __future__ import annotations

import threading
import time

from hashwinter.web.jobs import JobDB, JobManager, TooManyJobs
from hashwinter.web.jobs.manager import MAX_ATTEMPTS


def _wait(event: threading.Event, timeout_s: float = 10.0) -> bool:
    return event.wait(timeout_s)


def test_one_owner_and_takeover(tmp_path):
    db = JobDB(tmp_path)
    first, second = JobManager(db), JobManager(db)
    first.start()
    assert _wait(first.owner)
    second.start()
    time.sleep(1.5)  # second tries the lock at least once more
    assert not second.owner.is_set()
    first.stop()
    assert not first.owner.is_set()
    assert _wait(second.owner, 5.0)  # the lock passes on when its owner stops
    second.stop()


def test_recovery_resumes_then_fails(tmp_path):
    db = JobDB(tmp_path)
    job = db.submit("scenario", "loopback", {"x": 1}, max_queued=5)
    db.set_state(job.id, "running")  # an owner that died mid-job
    JobManager(db).recover()
    again = db.get(job.id)
    assert again is not None and again.state == "queued" and "resumed" in (again.note or "")
    for _ in range(MAX_ATTEMPTS - 1):
        db.set_state(job.id, "running")
    assert db.get(job.id).attempts == MAX_ATTEMPTS  # type: ignore[union-attr]
    JobManager(db).recover()
    failed = db.get(job.id)
    assert failed is not None and failed.state == "failed"
    assert "resubmit" in failed.error["detail"]  # type: ignore[index]


def test_recovery_honours_a_cancel(tmp_path):
    db = JobDB(tmp_path)
    job = db.submit("scenario", "loopback", {}, max_queued=5)
    db.set_state(job.id, "running")
    db.request_cancel(job.id)
    JobManager(db).recover()
    assert db.get(job.id).state == "cancelled"  # type: ignore[union-attr]


def test_limit_counts_unfinished_jobs_per_client(tmp_path):
    db = JobDB(tmp_path)
    a = db.submit("scenario", "a", {}, max_queued=2)
    db.submit("scenario", "a", {}, max_queued=2)
    db.submit("scenario", "b", {}, max_queued=2)  # another client has its own limit
    try:
        db.submit("scenario", "a", {}, max_queued=2)
    except TooManyJobs as exc:
        assert exc.limit == 2
    else:
        raise AssertionError("a third job was accepted")
    db.set_state(a.id, "done", result={})
    db.submit("scenario", "a", {}, max_queued=2)  # a finished job frees a place
    assert [j.client for j in db.list_jobs("a")].count("a") == 3
    assert db.integrity() == "ok"


def test_inputs_recorded_beside_the_results(tmp_path):
    db = JobDB(tmp_path)
    job = db.submit("backtest", "loopback", {"start": "2018-11-01"}, max_queued=5)
    text = (db.result_dir(job.id) / "inputs.json").read_text(encoding="utf-8")
    assert '"start": "2018-11-01"' in text and '"kind": "backtest"' in text
    assert db.get(job.id).inputs == {"start": "2018-11-01"}  # type: ignore[union-attr]
