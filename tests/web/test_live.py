"""``hashwinter serve`` for real: uvicorn on 127.0.0.1, two workers, and a crash mid-job."""

from __future__ import annotations

import time

import httpx
import pytest

from hashwinter.data import check_store, store_status
from hashwinter.web.jobs import JobDB
from web.helpers import TOKEN, LiveServer, wait_job

pytestmark = pytest.mark.slow

BACKTEST = {"example": "lao_luo_a741", "start": "2018-11-01", "end": "2018-11-15"}


def test_two_workers_share_one_job_manager(winter_store, tmp_path):
    server = LiveServer(winter_store, tmp_path / "jobs", "--job-workers", "2", token=TOKEN,
                        workers=2)
    auth = server.headers()
    try:
        assert httpx.get(f"{server.url}/api/v1/catalog").status_code == 401
        # New connections spread over both workers; every job gets done once.
        ids = []
        for _ in range(4):
            r = httpx.post(f"{server.url}/api/v1/backtests", json=BACKTEST, headers=auth,
                           timeout=30)
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        get = lambda path: httpx.get(server.url + path, headers=auth, timeout=30)  # noqa: E731
        jobs = [wait_job(get, i, timeout_s=90) for i in ids]
        assert [j["state"] for j in jobs] == ["done"] * 4
        assert all(j["attempts"] == 1 for j in jobs)
        coins = {get(f"/api/v1/jobs/{i}/result").json()["summary"]["coins_mined"] for i in ids}
        assert len(coins) == 1  # the same job gives the same numbers
    finally:
        server.stop()
    # The manager that owned the jobs wrote its pid in the lock file: one of the workers.
    assert (tmp_path / "jobs" / "manager.lock").read_text().strip().isdigit()
    assert TOKEN not in server.log.read_text()


def test_restart_mid_job_resumes_it(winter_store, tmp_path):
    jobs_dir = tmp_path / "jobs"
    before = [(s.table, s.series, s.rows) for s in store_status(winter_store)]
    server = LiveServer(winter_store, jobs_dir)
    long_job = {"example": "winter_farms", "paths": 600, "chunk_paths": 50, "horizon_days": 365}
    r = httpx.post(f"{server.url}/api/v1/scenarios", json=long_job, timeout=30)
    job_id = r.json()["id"]
    queued = httpx.post(f"{server.url}/api/v1/backtests", json=BACKTEST, timeout=30).json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.url}/api/v1/jobs/{job_id}", timeout=30).json()
        if job["progress"] and job["progress"]["done"] >= 1:
            break
        time.sleep(0.1)
    assert job["state"] == "running" and job["progress"]["done"] < job["progress"]["total"]
    server.kill()  # a crash: SIGKILL to the server and its pool
    db = JobDB(jobs_dir)
    assert db.get(job_id).state == "running"  # type: ignore[union-attr]  # nobody left to say
    assert db.integrity() == "ok"

    server = LiveServer(winter_store, jobs_dir)
    try:
        get = lambda path: httpx.get(server.url + path, timeout=30)  # noqa: E731
        done = wait_job(get, job_id, timeout_s=90)
        assert done["state"] == "done" and done["attempts"] == 2
        assert "resumed" in done["note"]
        result = get(f"/api/v1/jobs/{job_id}/result").json()
        assert [f["paths"] for f in result["summary"]["farms"]] == [600, 600]
        assert wait_job(get, queued)["state"] == "done"  # the queued job was kept too
    finally:
        server.stop()
    assert db.integrity() == "ok"
    assert [(s.table, s.series, s.rows) for s in store_status(winter_store)] == before
    assert not [f for f in check_store(winter_store) if f.kind == "error"]
