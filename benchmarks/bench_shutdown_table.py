"""Benchmark: the shutdown table for 100 models x 1,000 tariffs x 5,000 dates.

Goal (issue 2): the vectorized cube in < 1 s on a 2-core machine, and its ratio to a
fair plain Python loop over the same inputs (issue 10: Python floats, the per-model and
per-date constants hoisted, so the inner loop is one multiplication per cell). The
loop runs on a 10 x 100 x 5,000 subset (1/100 of the cells) and is scaled up; the
cube's cells on that subset must equal the loop's numbers (asserted).

Run: python benchmarks/bench_shutdown_table.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import numpy as np
import pandas as pd

from _shared import machine, shared_data_file
from hashwinter.economics import shutdown_cube
from hashwinter.hardware import default_catalog

N_MODELS, N_TARIFFS, N_DATES = 100, 1_000, 5_000
SUB_MODELS, SUB_TARIFFS, SUB_DATES = 10, 100, 5_000
POOL_FEE = 0.02


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    asics = default_catalog().machines(algorithm="sha256")
    picked = [asics[i % len(asics)] for i in range(N_MODELS)]
    hashrate = np.array([m.hashrate for m in picked])
    power = np.array([m.power for m in picked])
    tariffs = np.linspace(0.005, 1.0, N_TARIFFS)
    history = pd.read_csv(shared_data_file("btc_daily.csv")).tail(N_DATES)
    difficulty = history["difficulty"].to_numpy()
    reward = (history["mean_subsidy_btc"] + history["fees_btc"] / history["blk_cnt"]).to_numpy()
    return hashrate, power, tariffs, difficulty, reward


def python_loop(hashrate, power, tariffs, difficulty, reward) -> list[list[list[float]]]:
    """A fair plain loop: Python floats, every per-model and per-date constant hoisted.

    shutdown = cost per day / coins per day = (p/1000*24*t) / (h*86400/2^32*(1-fee) * r/d),
    so per model ``cost_k = p/1000*24 / (h*86400/2^32*(1-fee))`` and per date ``d/r``
    are computed once; the inner loop is one multiplication per cell.
    """
    per_date = [d / r for d, r in zip(difficulty.tolist(), reward.tolist(), strict=True)]
    cube = []
    for h, p in zip(hashrate.tolist(), power.tolist(), strict=True):
        per_model = p / 1000.0 * 24.0 / (h * 86400.0 / 4294967296.0 * (1.0 - POOL_FEE))
        per_tariff = []
        for t in tariffs.tolist():
            k = per_model * t
            per_tariff.append([k * x for x in per_date])
        cube.append(per_tariff)
    return cube


def main() -> None:
    hashrate, power, tariffs, difficulty, reward = inputs()
    cells = N_MODELS * N_TARIFFS * N_DATES
    sub = (
        slice(0, SUB_MODELS),
        slice(0, N_TARIFFS, N_TARIFFS // SUB_TARIFFS),
        slice(0, N_DATES, N_DATES // SUB_DATES),
    )

    def run_loop() -> np.ndarray:
        return np.array(python_loop(hashrate[sub[0]], power[sub[0]], tariffs[sub[1]],
                                    difficulty[sub[2]], reward[sub[2]]))

    loop_times: list[float] = []
    results: dict[str, list[float]] = {"float64": [], "float32": []}
    for _ in range(3):  # loop and cubes interleaved: the machine is shared and noisy
        start = time.perf_counter()
        loop = run_loop()
        loop_times.append(time.perf_counter() - start)
        for dtype in (np.float64, np.float32):
            # Time one cube, check it, and free it before the next is built (two 4 GB
            # float64 cubes alive at once would peak at ~8 GB).
            start = time.perf_counter()
            cube = shutdown_cube(hashrate, power, tariffs, difficulty, reward,
                                 pool_fee=POOL_FEE, dtype=dtype)
            results[np.dtype(dtype).name].append(time.perf_counter() - start)
            assert cube.shape == (N_MODELS, N_TARIFFS, N_DATES)
            rtol = 1e-12 if dtype is np.float64 else 1e-6
            np.testing.assert_allclose(cube[sub], loop, rtol=rtol)
            del cube
    loop_s = min(loop_times)
    loop_full_s = loop_s * cells / loop.size

    print(f"# shutdown table benchmark, {dt.date.today()}, {machine()}")
    print(f"cells: {N_MODELS} models x {N_TARIFFS} tariffs x {N_DATES} dates = {cells:,}")
    print(
        f"fair python loop (floats, constants hoisted): {loop_s:.2f} s on {loop.size:,} cells "
        f"-> {loop_full_s:,.0f} s scaled to the full cube"
    )
    for name, runs in results.items():
        seconds = min(runs)
        print(
            f"vectorized {name}: {seconds:.3f} s (min of 3, median {statistics.median(runs):.3f}), "
            f"{loop_full_s / seconds:,.0f}x the loop; goal < 1 s: "
            f"{'met' if seconds < 1 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
