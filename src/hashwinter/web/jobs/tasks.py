"""What runs in the job manager's process pool: a farm backtest, a farm scenario.

Each task is a module-level function (it is pickled to a worker process) taking the
job's kind, its inputs (plain JSON) and its folder. It reports progress by writing
``progress.json`` in that folder (any web worker reads it), stops when a ``cancel``
file appears there, and writes its results into ``result/`` all at once (a
temporary folder renamed into place), returning the list of files and a summary.

The calls are those of the CLI (``hashwinter backtest`` and ``hashwinter simulate``):
the same loading, market, engine and report functions, so the web shows the CLI's
numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashwinter.errors import HashwinterError, InputError, InputErrors

__all__ = [
    "CANCEL_FILE",
    "PROGRESS_FILE",
    "RESULT_DIR",
    "JobCancelled",
    "error_dict",
    "read_progress",
    "run_job",
]

PROGRESS_FILE = "progress.json"
CANCEL_FILE = "cancel"
RESULT_DIR = "result"
#: Least time between two progress writes. [s]
_PROGRESS_EVERY_S = 0.2


class JobCancelled(HashwinterError):
    """The job's cancellation was asked while it ran."""


def read_progress(folder: Path) -> dict[str, Any] | None:
    """Return a running job's last progress ``{"done", "total", "stage"}``, or None."""
    try:
        data = json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class _Reporter:
    """Write progress (throttled, atomically) and check for cancellation."""

    def __init__(self, folder: Path, total: int, stage: str) -> None:
        self.folder = folder
        self.total = total
        self.stage = stage
        self.last = 0.0
        self.write(0, force=True)

    def write(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if (self.folder / CANCEL_FILE).exists():
            raise JobCancelled("cancelled")
        if not force and now - self.last < _PROGRESS_EVERY_S and done < self.total:
            return
        self.last = now
        tmp = self.folder / f".{PROGRESS_FILE}.tmp"
        tmp.write_text(json.dumps({"done": done, "total": self.total, "stage": self.stage}),
                       encoding="utf-8")
        os.replace(tmp, self.folder / PROGRESS_FILE)


def _staged(folder: Path) -> Path:
    staging = folder / ".result.partial"
    if staging.exists():
        for item in staging.iterdir():
            item.unlink()
    staging.mkdir(exist_ok=True)
    return staging


def _publish(folder: Path, staging: Path) -> list[str]:
    final = folder / RESULT_DIR
    if final.exists():  # a rerun after an interruption replaces the old files
        for item in final.iterdir():
            item.unlink()
        final.rmdir()
    staging.rename(final)
    return sorted(p.name for p in final.iterdir())


def _backtest(inputs: dict[str, Any], folder: Path) -> dict[str, Any]:
    from hashwinter.engine.history import market_from_store
    from hashwinter.farm import backtest, build_farm_run, farm_from_dict
    from hashwinter.farm.backtest import coin_history, hedge_history
    from hashwinter.reports.backtest_report import write_backtest_outputs

    text = inputs["toml"]
    loaded = farm_from_dict(tomllib.loads(text), source="farm.toml", text=text,
                            read_files=False)
    config = loaded.config
    first = dt.date.fromisoformat(inputs["start"])
    last = dt.date.fromisoformat(inputs["end"])
    report = inputs.get("currency") or config.currency
    needed = {report, "USD", *(s.tariff.currency for s in config.sites)}
    market = market_from_store(inputs["store"], start=first, end=last, currency=config.currency,
                               extra_currencies=needed, asset=config.coin,
                               start_field="start", end_field="end")
    funding, futures = hedge_history(config, inputs["store"])
    others = coin_history(config, inputs["store"], start=first, end=last, currency=report)
    farm_run = build_farm_run(loaded, market, start=first, end=last, funding=funding,
                              futures=futures, other_coins=others)
    reporter = _Reporter(folder, farm_run.spec.clock.n_steps, "steps")
    result = backtest(loaded, market, currency=report, farm_run=farm_run,
                      progress=reporter.write, funding=funding, futures=futures,
                      other_coins=others)
    reporter.write(reporter.total, force=True)
    staging = _staged(folder)
    write_backtest_outputs(result, staging, ledger_format="both", html_report=True)
    files = _publish(folder, staging)
    summary = json.loads((folder / RESULT_DIR / "summary.json").read_text(encoding="utf-8"))
    return {"files": files, "summary": summary, "tables": ["cohorts", "treasury"]}


def _scenario(inputs: dict[str, Any], folder: Path) -> dict[str, Any]:
    from hashwinter.parallel import child_seeds, chunk_sizes
    from hashwinter.scenario import load_scenario
    from hashwinter.scenario.farmreport import (
        farm_fan,
        farm_paths_frame,
        farm_paybacks,
        farm_summary,
    )
    from hashwinter.scenario.farmrun import FarmChunk, FarmPaths, farm_jobs, simulate_farm_chunk

    loaded = load_scenario(inputs["path"], overrides=inputs.get("overrides") or {})
    c = loaded.config
    jobs = farm_jobs(loaded)
    sizes = chunk_sizes(c.paths, c.chunk_paths)
    seeds = child_seeds(c.seed, len(sizes))
    reporter = _Reporter(folder, len(jobs) * len(sizes), "chunks")
    farms = []
    done = 0
    # The chunks of `hashwinter simulate` (same layout, same seeds), run one after
    # another in this worker so that progress and cancellation are per chunk.
    for job in jobs:
        parts = []
        for size, seed in zip(sizes, seeds, strict=True):
            parts.append(simulate_farm_chunk(FarmChunk(job=job, n_paths=size, seed=seed)))
            done += 1
            reporter.write(done)
        farms.append(FarmPaths.concat(parts))
    levels = c.report.var_levels
    tables = {
        "summary": farm_summary(farms, levels),
        "fan": farm_fan(farms),
        "paths": farm_paths_frame(farms),
        "paybacks": farm_paybacks(farms),
    }
    staging = _staged(folder)
    for name, frame in tables.items():
        frame.to_parquet(staging / f"{name}.parquet", index=False)
        frame.to_csv(staging / f"{name}.csv", index=False, float_format="%.10g")
    summary = json.loads(tables["summary"].to_json(orient="records"))
    meta = {"scenario": c.name, "paths": c.paths, "seed": c.seed, "start": str(c.start),
            "horizon_days": c.horizon_days, "overrides": dict(loaded.overrides),
            "var_levels": list(levels)}
    (staging / "summary.json").write_text(json.dumps({"meta": meta, "farms": summary},
                                                     indent=2), encoding="utf-8")
    files = _publish(folder, staging)
    return {"files": files, "summary": {"meta": meta, "farms": summary},
            "tables": list(tables)}


_TASKS: dict[str, Callable[[dict[str, Any], Path], dict[str, Any]]] = {
    "backtest": _backtest,
    "scenario": _scenario,
}


def error_dict(exc: InputError | InputErrors) -> dict[str, Any]:
    """Return input errors as plain data (exceptions with fields do not survive pickling)."""
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    return {"detail": str(exc),
            "errors": [{"detail": e.message, "field": e.field, "line": e.line} for e in errors]}


def run_job(kind: str, inputs: dict[str, Any], folder: str) -> dict[str, Any]:
    """Run one job in this process.

    Returns
    -------
    dict
        ``{"outcome": "done", "result": {"files", "summary", "tables"}}``;
        ``{"outcome": "failed", "error": {...}}`` for inputs valid in form but not in
        substance (e.g. days the store does not hold), each error with its field;
        ``{"outcome": "cancelled"}`` when the job's ``cancel`` file appeared.
        Any other exception is a bug and propagates.

    """
    try:
        return {"outcome": "done", "result": _TASKS[kind](inputs, Path(folder))}
    except JobCancelled:
        return {"outcome": "cancelled"}
    except (InputError, InputErrors) as exc:
        return {"outcome": "failed", "error": error_dict(exc)}
