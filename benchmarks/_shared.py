"""Helpers for benchmark scripts: locating the real data, timing, machine description."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

SHARED_DATA = Path(
    os.environ.get(
        "HASHWINTER_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)


def shared_data_file(name: str) -> Path:
    """Return the path of a real data file, failing loudly if it is missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        raise SystemExit(f"real data file missing: {path} (set HASHWINTER_SHARED_DATA)")
    return path


def best_of(repeats: int, func: Callable[[], object]) -> tuple[float, object]:
    """Return the best wall time of ``repeats`` calls [s] and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def machine() -> str:
    """Return a short description of this machine."""
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} CPUs, {cpu}, Python {platform.python_version()}"
