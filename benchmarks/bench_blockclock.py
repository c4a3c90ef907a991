"""Benchmark: block-time studies on the engine on Noda, Okumura & Hashimoto's workload.

Goal (issue 5): 5,000 paths x 12,096 blocks, sigmoid hash supply, Bitcoin's rule and
Bitcoin Cash's cw-144, in <= 5 s on this 2-core machine (their published replication
took 18 hours in plain Python). Timed: one process (both rules in one vectorized
loop, sharing draws), and the same work in 2 chunks on 2 local processes (the way
``hashwinter simulate`` runs it). Baseline: a plain Python per-path, per-block loop
(math module, O(1) ring buffers for cw-144) on a 10-path subset, scaled x500; on
that subset the vectorized clock, given the same draws, gives the same numbers
(asserted, rtol 1e-9).

Run: python benchmarks/bench_blockclock.py
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from _shared import machine
from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import simulate_blocks
from hashwinter.market import GBM
from hashwinter.network import SigmoidSupply
from hashwinter.parallel import open_executor, run_chunks
from hashwinter.scenario.run import BlockClockChunk, BlockClockJob, simulate_chunk

GOAL_S = 5.0
N_PATHS, N_BLOCKS, START = 5_000, 12_096, 551_443
D0, S0, SIGMA = 6_653_303_141_406.0, 3604.59, 0.001117728 * math.sqrt(1440)
SUPPLY = SigmoidSupply.from_eh_units(55, 3, 1.5)
PRICE = GBM(s0=S0, mu=0.0, sigma=SIGMA)
RULES = [BitcoinRule(), RollingWindowRule()]
LOOP_PATHS = 10


def plain_loop(rule: str, e: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    """One path in plain Python: (sum of intervals, longest interval, end difficulty)."""
    two32, T = 2.0**32, 1_209_600.0
    a, b = -0.5 * SIGMA**2 / 86400, SIGMA / math.sqrt(86400)
    k, r0, h_max = 3e18, 1.5e-18, 55e18
    d, price, t, total, longest = D0, S0, 0.0, 0.0, 0.0
    size = 146  # ring buffers of cumulative work and time, slot = height % size
    ring_w, ring_t = [0.0] * size, [0.0] * size
    for back in range(size):
        slot = (START - 1 - back) % size
        ring_w[slot], ring_t[slot] = -back * D0, -back * 600.0
    first = -(START - 1 - (START - START % 2016)) * 600.0
    for i in range(N_BLOCKS):
        h = START + i
        reward = 50.0 / 2 ** (h // 210_000)
        x = min(
            max(-k * (price * reward / (d * two32) - r0), -34.538776394910684), 34.538776394910684
        )
        hashrate = h_max / (1.0 + math.exp(x))
        dt = e[i] * d * two32 / hashrate
        t += dt
        total += dt
        longest = max(longest, dt)
        price *= math.exp(a * dt + b * math.sqrt(dt) * z[i])
        if rule == "bitcoin":
            if h % 2016 == 0:
                first = t
            if (h + 1) % 2016 == 0:
                span = min(max(t - first, T / 4), 4 * T)
                d = max(d * T / span, 1.0)
        else:
            slot = h % size
            ring_w[slot] = ring_w[(h - 1) % size] + d
            ring_t[slot] = t
            last, old = (h - 1) % size, (h - 145) % size
            span = min(max(ring_t[last] - ring_t[old], 43_200.0), 172_800.0)
            d = max((ring_w[last] - ring_w[old]) * 600.0 / span, 1.0)
    return total, longest, d


def main() -> int:
    # 1. One process, both rules, 5,000 paths.
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        rng = np.random.Generator(np.random.SFC64(2019))
        res = simulate_blocks(RULES, SUPPLY, PRICE, n_paths=N_PATHS, n_blocks=N_BLOCKS, d0=D0,
                              start_height=START, rng=rng)  # fmt: skip
        timings.append(time.perf_counter() - start)
    t_one = min(timings)
    means = res.mean_interval_s.mean(axis=1) / 60

    # 2. Two chunks on two local processes (pool start-up excluded: it is paid once).
    job = BlockClockJob(rules=tuple(RULES), supply=SUPPLY, price=PRICE, n_blocks=N_BLOCKS, d0=D0,
                        start_height=START, fees_per_block=0.0, prehistory_interval_s=600.0,
                        horizon_s=None, trace_every=None)  # fmt: skip
    seeds = np.random.SeedSequence(2019).spawn(2)
    chunks = [BlockClockChunk(job=job, n_paths=N_PATHS // 2, seed=s) for s in seeds]
    with open_executor(workers=2) as ex:
        run_chunks(ex, simulate_chunk, chunks[:1], progress=False)  # warm the workers up
        start = time.perf_counter()
        run_chunks(ex, simulate_chunk, chunks, progress=False)
        t_two = time.perf_counter() - start

    # 3. Plain Python loop on a subset, checked against the vectorized clock on the same draws.
    rng = np.random.default_rng(7)
    e = rng.standard_exponential((N_BLOCKS, LOOP_PATHS))
    z = rng.standard_normal((N_BLOCKS, LOOP_PATHS))
    start = time.perf_counter()
    loop = [[plain_loop(rule, e[:, p], z[:, p]) for p in range(LOOP_PATHS)]
            for rule in ("bitcoin", "cw-144")]  # fmt: skip
    t_loop = (time.perf_counter() - start) * N_PATHS / LOOP_PATHS
    check = simulate_blocks(RULES, SUPPLY, PRICE, n_paths=LOOP_PATHS, n_blocks=N_BLOCKS, d0=D0,
                            start_height=START, draws=(e, z))  # fmt: skip
    for r in range(2):
        np.testing.assert_allclose(check.total_s[r], [x[0] for x in loop[r]], rtol=1e-9)
        np.testing.assert_allclose(check.max_interval_s[r], [x[1] for x in loop[r]], rtol=1e-9)
        np.testing.assert_allclose(check.end_difficulty[r], [x[2] for x in loop[r]], rtol=1e-9)

    best = min(t_one, t_two)
    print(f"machine: {machine()}")
    print(f"mean block time [min]: bitcoin {means[0]:.2f}, cw-144 {means[1]:.2f}")
    print(f"one process, both rules:   {t_one:.2f} s")
    print(f"two processes (2 chunks):  {t_two:.2f} s")
    print(f"plain Python loop, scaled: {t_loop:.0f} s ({LOOP_PATHS} paths x 2 rules x500)")
    print(f"ratio loop / one process:  {t_loop / t_one:.0f}x; loop / two processes: "
          f"{t_loop / t_two:.0f}x")  # fmt: skip
    print(f"goal <= {GOAL_S:.0f} s: {'met' if best <= GOAL_S else 'NOT met'} ({best:.2f} s)")
    return 0 if best <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
