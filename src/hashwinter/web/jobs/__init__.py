"""Background jobs: backtests and scenario runs, owned by one manager per jobs folder.

- :mod:`~hashwinter.web.jobs.db` — the jobs database (SQLite beside the history store);
- :mod:`~hashwinter.web.jobs.manager` — the one job manager (elected by a file lock) that
  runs jobs in a process pool and alone moves their state;
- :mod:`~hashwinter.web.jobs.tasks` — what runs in the pool: a backtest, a farm scenario.

Why SQLite and not the DuckDB store: DuckDB lets one process open a file for
writing and then no other process may even read it, so the history store stays
read-only for every web worker (and free for ``hashwinter data import`` when no
server reads it). SQLite in WAL mode lets every web worker read job state while
one writes; see docs/web.md.
"""

from hashwinter.web.jobs.db import JobDB, JobRecord, TooManyJobs
from hashwinter.web.jobs.manager import JobManager

__all__ = ["JobDB", "JobManager", "JobRecord", "TooManyJobs"]
