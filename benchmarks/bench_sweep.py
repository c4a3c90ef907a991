"""Benchmark: a sweep of 64 scenarios on a local Dask cluster, 2 workers against 1.

Goal (issue 5): >= 1.7x speed-up from 1 to 2 workers, with identical results. The
64 scenarios are Noda et al.'s set-up (examples/scenarios/noda2019.toml, both rules,
12,096 blocks) over an 8 x 8 grid of price volatility and hash-supply steepness,
100 paths each (one chunk per scenario). Each cluster is a real
``distributed.LocalCluster`` of worker processes on 127.0.0.1 (one thread each);
start-up is not timed, and each is warmed up by one scenario first.

Run: python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from distributed import LocalCluster

from _shared import machine
from hashwinter.parallel import open_executor
from hashwinter.scenario import grid_overrides, load_scenario, run_blockclock

GOAL = 1.7
SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "noda2019.toml"
SIGMAS = [0.01, 0.02, 0.03, 0.042415, 0.05, 0.06, 0.08, 0.1]
SLOPES = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]


def run(n_workers: int, scenarios: list) -> tuple[float, list]:
    with LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # not None: that still serves HTTP on port 8787
        silence_logs=40,
    ) as cluster:
        with open_executor(cluster.scheduler_address) as ex:
            run_blockclock(scenarios[:n_workers], ex, progress=False)  # warm-up
            start = time.perf_counter()
            results = run_blockclock(scenarios, ex, progress=False)
            return time.perf_counter() - start, results


def main() -> int:
    grid = [("price.sigma_per_day", SIGMAS), ("network.supply.k_per_usd_per_eh", SLOPES)]
    base = {"paths": 100, "chunk_paths": 100, "network.trace_every": 1008}
    scenarios = [load_scenario(SCENARIO, overrides={**base, **p}) for p in grid_overrides(grid)]
    assert len(scenarios) == 64
    t1, r1 = run(1, scenarios)
    t2, r2 = run(2, scenarios)
    for a, b in zip(r1, r2, strict=True):
        for name in ("total_s", "sumsq_s2", "max_interval_s", "end_difficulty", "end_price"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    speedup = t1 / t2
    print(f"machine: {machine()}")
    print("64 scenarios x 100 paths x 12,096 blocks x 2 rules")
    print(f"1 worker:  {t1:.1f} s")
    print(f"2 workers: {t2:.1f} s")
    print(f"speed-up: {speedup:.2f}x (goal >= {GOAL}x: {'met' if speedup >= GOAL else 'NOT met'});"
          " results identical (asserted)")  # fmt: skip
    return 0 if speedup >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
