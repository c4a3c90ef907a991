"""Engine benchmark: 10 years daily x 100 cohorts x 10,000 policy variants in one vectorized run.

Workload (issue 4): real daily BTC history 2015-01-01 .. 2024-12-31 (btc_daily.csv, 3,653
days); 100 cohorts of real catalog machines (S7 .. S21) bought across the decade at four
owners, with tariffs of 0.03-0.09 USD/kWh, PUE, uptime, pool, management, hosting fees,
restart costs and purchase capex; 10,000 variants = 25 switch-off thresholds x 20
hysteresis gaps x 20 tariff multipliers of the shutdown-price policy. The engine runs all
variants through every day, chunked over variants (memory bounded by the chunk), keeping
per-cohort totals and closing balances (``TotalsRecorder``).

Baseline: a fair plain Python day-by-day loop over variants and cohorts (below: Python
floats, per-cohort and per-day constants hoisted), timed on a subset (2 variants x 100
cohorts x the first 365 days) and scaled up by variants x days; on that subset the
engine's totals equal the loop's (asserted, rtol 1e-9).

The compiled kernel (issue 10, ``run(..., engine="compiled")``) runs the same workload in
one call on 1 and on 2 threads (numba ``prange`` over (variant block, path) pairs), and
against 2 processes of 1 thread each (halves of the variants); the numpy engine and the
kernel are then timed alternately on one chunk (250 variants, all 10 years); the network's
shape (10 cohorts per owner x 1,000 owners = 10,000 cohorts) runs on the kernel, and
against numpy on its first days. The kernel's compile time (first call in the process) is
reported.

Run: ``python benchmarks/bench_engine.py`` (``--variants N --chunk N`` to vary;
``--numpy-full`` also runs the numpy engine over every variant, about two minutes).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import resource
import time
import tracemalloc

import numba
import numpy as np
import pandas as pd
from rich.progress import Progress

from _shared import machine, shared_data_file
from hashwinter.engine import (
    Clock,
    Cohorts,
    EngineSpec,
    Owners,
    TotalsRecorder,
    Treasury,
    grid,
    market_from_coinmetrics,
    run,
    run_in_chunks,
)
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.hardware import default_catalog

FIELDS = ("coins", "power_cost", "running_days")
MODELS = ("Antminer S7", "Antminer S9", "AvalonMiner 741", "Antminer T9+", "WhatsMiner M3",
          "Antminer S17 Pro", "Antminer S19 Pro", "WhatsMiner M30S++", "Antminer S19 XP",
          "Antminer S21")


def build_spec(start: str = "2015-01-01", end: str = "2024-12-31", n_cohorts: int = 100,
               seed: int = 2018, n_owners: int = 4) -> EngineSpec:
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    market = market_from_coinmetrics(btc, currency="USD", start=start, end=end)
    clock = Clock(market.dates)
    rng = np.random.default_rng(seed)
    catalog = default_catalog()
    machines = [catalog.get(m) for m in MODELS]
    pick = rng.integers(0, len(machines), n_cohorts)
    release = np.array([np.datetime64(machines[i].release or "2015-01-01", "D") for i in pick])
    # Bought on or after release, somewhere in the decade.
    offset = rng.integers(0, 900, n_cohorts).astype("timedelta64[D]")
    bought = np.maximum(release, clock.dates[0]) + offset
    start_step = np.clip((bought - clock.dates[0]).astype(np.int64), 0, clock.n_steps)
    cohorts = Cohorts(
        label=tuple(f"c{i}" for i in range(n_cohorts)),
        model=tuple(machines[i].model for i in pick),
        site=tuple(f"site{i % 7}" for i in range(n_cohorts)),
        hashrate=np.array([machines[i].hashrate for i in pick]),
        power=np.array([machines[i].power for i in pick]),
        # The same fleet however it is cut: 100 cohorts of 100-5,000 machines, or more
        # and smaller cohorts (the network's shape) of as many machines in all.
        count=np.round(rng.integers(100, 5000, n_cohorts) * 100 / max(n_cohorts, 100)),
        owner=np.arange(n_cohorts) % n_owners,
        start_step=start_step,
        capex_step=np.where(start_step > 0, start_step, -1),
        unit_price=rng.uniform(100, 3000, n_cohorts),
        uptime=rng.uniform(0.95, 1.0, n_cohorts),
        pue=rng.uniform(1.02, 1.2, n_cohorts),
        pool_fee=rng.choice([0.0, 0.02, 0.025, 0.04], n_cohorts),
        management_fee=rng.uniform(0, 0.1, n_cohorts),
        hosting_fee=rng.choice([0.0, 0.2], n_cohorts),
        restart_cost=rng.uniform(0, 1, n_cohorts),
    )
    tariff = np.broadcast_to(rng.uniform(0.03, 0.09, n_cohorts), (clock.n_steps, n_cohorts))
    fixed = np.full((clock.n_steps, n_owners), 50.0)
    names = ("a", "b", "c", "d") if n_owners == 4 else tuple(f"o{i}" for i in range(n_owners))
    owners = Owners(names, np.full(n_owners, 5e7), np.zeros(n_owners), fixed,
                    np.zeros((clock.n_steps, n_owners)))
    return EngineSpec(clock, market, cohorts, owners, tariff.copy())


def variants(n: int) -> tuple[ShutdownPricePolicy, np.ndarray]:
    g = grid(off=np.linspace(-0.3, 0.1, 25), gap=np.linspace(0.0, 0.2, 20),
             scale=np.linspace(0.6, 1.6, 20))
    off, gap, scale = g["off"][:n], g["gap"][:n], g["scale"][:n]
    return ShutdownPricePolicy(off, off + gap), scale


def python_loop(spec: EngineSpec, off: list[float], on: list[float], scale: list[float]):
    """Plain Python: for each variant, each day, each cohort (sell daily, one path).

    A fair loop (issue 10): Python floats throughout (``tolist``), per-cohort constants
    (hashrate after uptime and pool fee, energy per day, fees) and per-day market values
    (reward per hash, prices) computed once outside the day loop; the arithmetic per cell
    is the engine's, in the same order.
    """
    m, coh, own = spec.market, spec.cohorts, spec.owners
    n_c, n_o, n_t = coh.n, own.n, spec.clock.n_steps
    count = coh.count.tolist()
    start = coh.start_step.tolist()
    capex_step = coh.capex_step.tolist()
    owner = coh.owner.tolist()
    uptime, pool_fee = coh.uptime.tolist(), coh.pool_fee.tolist()
    net = [h * u * (1.0 - f) for h, u, f in zip(coh.hashrate.tolist(), uptime, pool_fee,
                                                 strict=True)]
    kwh = [p * e * u * 24 / 1000 for p, e, u in zip(coh.power.tolist(), coh.pue.tolist(), uptime,
                                                    strict=True)]
    mgmt = coh.management_fee.tolist()
    restart_cost = coh.restart_cost.tolist()
    capex_value = [n * u for n, u in zip(count, coh.unit_price.tolist(), strict=True)]
    hosting = coh.hosting_fee.tolist()
    subsidy, fees = m.subsidy[0].tolist(), m.fees_per_block[0].tolist()
    difficulty, prices = m.difficulty[0].tolist(), m.price[0].tolist()
    rho_day = [86400.0 * (subsidy[d] + fees[d]) / (difficulty[d] * 2.0**32) for d in range(n_t)]
    tariff = spec.tariff.tolist()
    fixed = own.fixed_costs.tolist()
    cohorts = range(n_c)
    out = []
    for v in range(len(off)):
        up_factor, down_factor, s = 1 + on[v], 1 + off[v], scale[v]
        on_c = [True] * n_c
        prev = [count[c] if start[c] <= 0 else 0.0 for c in cohorts]
        cash = [float(x) for x in own.starting_cash]
        alive = [True] * n_o
        coins_tot = [0.0] * n_c
        power_tot = [0.0] * n_c
        days_tot = [0.0] * n_c
        for t in range(n_t):
            dobs = max(t - 1, 0)
            rho_obs, rho = rho_day[dobs], rho_day[t]
            price_obs, price = prices[dobs], prices[t]
            tariff_t = tariff[t]
            mined = [0.0] * n_o
            cost = [0.0] * n_o
            for c in cohorts:
                o = owner[c]
                n = count[c]
                installed = n if t >= start[c] else 0.0
                installed_prev = n if dobs >= start[c] else 0.0
                power_pm = kwh[c] * tariff_t[c] * s
                c_pm = power_pm + mgmt[c]
                rev = net[c] * rho_obs * price_obs
                on_c[c] = rev >= c_pm * down_factor if on_c[c] else rev > c_pm * up_factor
                running = installed if (on_c[c] and alive[o]) else 0.0
                coins = running * net[c] * rho
                power = running * power_pm
                gap = min(running, installed_prev) - prev[c]
                restart = gap * restart_cost[c] if gap > 0.0 else 0.0
                capex = capex_value[c] if t == capex_step[c] and alive[o] else 0.0
                prev[c] = running
                mined[o] += coins
                cost[o] += power + running * mgmt[c] + restart + capex + installed * hosting[c]
                coins_tot[c] += coins
                power_tot[c] += power
                days_tot[c] += running
            fixed_t = fixed[t]
            for o in range(n_o):
                cash[o] += mined[o] * price - cost[o] - fixed_t[o]
                if alive[o] and cash[o] < -0.005:
                    alive[o] = False
        out.append((coins_tot, power_tot, days_tot, cash))
    return out


def rss_mb() -> float:
    """Peak resident memory of this process so far [MB]."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kernel_run(spec: EngineSpec, policy: ShutdownPricePolicy, scale: np.ndarray,
               threads: int, engine: str = "compiled"):
    """Run once with the given number of numba threads; return wall s, CPU s, totals."""
    numba.set_num_threads(threads)
    t0, c0 = time.perf_counter(), time.process_time()
    res = run(spec, policy, Treasury(), tariff_scale=scale, recorders=[TotalsRecorder(FIELDS)],
              engine=engine)
    assert res.path == engine, res.fallback
    return time.perf_counter() - t0, time.process_time() - c0, res.records[0]


_WORKER_SPEC: dict[str, EngineSpec] = {}


def _worker_init(end: str) -> None:
    numba.set_num_threads(1)
    _WORKER_SPEC["spec"] = build_spec(end=end)
    tiny = build_spec(end="2015-01-10", n_cohorts=3)
    run(tiny, ShutdownPricePolicy(), engine="compiled")  # compile before the clock starts


def _worker_part(sel: tuple[int, int], n_variants: int):
    policy, scale = variants(n_variants)
    part = slice(*sel)
    t0 = time.perf_counter()
    res = run(_WORKER_SPEC["spec"], policy.take_variants(part), Treasury(),
              tariff_scale=scale[part], recorders=[TotalsRecorder(FIELDS)], engine="compiled")
    return time.perf_counter() - t0, res.records[0]


def kernel_benchmarks(args: argparse.Namespace, spec: EngineSpec, loop_scaled: float) -> None:
    """The compiled kernel: compile time, full workload on 1 and 2 threads, 2 processes."""
    n_days, n_coh = spec.clock.n_steps, spec.cohorts.n
    tiny = build_spec(end="2015-01-10", n_cohorts=3)
    t0, c0 = time.perf_counter(), time.process_time()
    run(tiny, ShutdownPricePolicy(), engine="compiled")
    print(f"kernel first call in this process (compiles, or loads numba's disk cache if "
          f"warm): {time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU")

    policy, scale = variants(args.variants)
    cells = n_days * n_coh * args.variants
    rss_before = rss_mb()
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    kernel_totals = None
    for _ in range(args.kernel_repeats):
        for threads in (1, 2):
            wall, cpu, kernel_totals = kernel_run(spec, policy, scale, threads)
            walls[threads].append(wall)
            cpus[threads].append(cpu)
    rss_after = rss_mb()
    for threads in (1, 2):
        w = min(walls[threads])
        print(f"kernel, {threads} thread(s), {args.variants:,} variants in one call: wall min "
              f"{w:.2f} s / median {np.median(walls[threads]):.2f} s "
              f"({w / cells * 1e9:.2f} ns per cohort-day; CPU min {min(cpus[threads]):.2f} s, "
              f"{min(cpus[threads]) / cells * 1e9:.2f} ns); "
              f"vs fair loop {loop_scaled / w:,.0f}x (goal >= 300x)")
    print(f"load average after the kernel runs: {open('/proc/loadavg').read().split()[:3]}")
    print(f"kernel memory: peak RSS {rss_after:,.0f} MB (before the kernel runs "
          f"{rss_before:,.0f} MB)")
    assert kernel_totals is not None
    broke = (kernel_totals.owner["broke_day"] >= 0).mean()
    print(f"kernel check: share of (variant, owner) broke {broke:.3f}")

    # Two processes of one thread each, halves of the variants (pool started and compiled).
    ctx = multiprocessing.get_context("spawn")
    end = str(spec.clock.dates[-1])
    half = args.variants // 2
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx, initializer=_worker_init,
                                                initargs=(end,)) as pool:
        list(pool.map(_worker_part, [(0, 2), (2, 4)], [args.variants] * 2))  # warm both
        pool_walls = []
        for _ in range(args.kernel_repeats):
            t0 = time.perf_counter()
            parts = list(pool.map(_worker_part, [(0, half), (half, args.variants)],
                                  [args.variants] * 2))
            pool_walls.append(time.perf_counter() - t0)
    merged = np.concatenate([p[1].cohort["coins"] for p in parts], axis=0)
    np.testing.assert_allclose(merged, kernel_totals.cohort["coins"], rtol=1e-12)
    w = min(pool_walls)
    print(f"kernel, 2 processes x 1 thread (halves of the variants): wall min {w:.2f} s / "
          f"median {np.median(pool_walls):.2f} s ({w / cells * 1e9:.2f} ns per cohort-day); "
          f"prange on 2 threads / 2 processes = {min(walls[2]) / w:.2f}")

    # numpy engine and kernel alternately, one chunk over all 10 years.
    sub_policy, sub_scale = variants(args.chunk)
    sub_cells = n_days * n_coh * args.chunk
    times: dict[str, list[float]] = {"numpy": [], "kernel 1": [], "kernel 2": []}
    for _ in range(args.compare_repeats):
        numba.set_num_threads(1)
        t0 = time.perf_counter()
        ref = run(spec, sub_policy, Treasury(), tariff_scale=sub_scale,
                  recorders=[TotalsRecorder(FIELDS)], engine="numpy").records[0]
        times["numpy"].append(time.perf_counter() - t0)
        for threads in (1, 2):
            wall, _, got = kernel_run(spec, sub_policy, sub_scale, threads)
            times[f"kernel {threads}"].append(wall)
    for k in FIELDS:
        np.testing.assert_allclose(got.cohort[k], ref.cohort[k], rtol=1e-9)
    np.testing.assert_allclose(got.owner["cash"], ref.owner["cash"], rtol=1e-9)
    line = ", ".join(f"{k} min {min(v):.2f} s / median {np.median(v):.2f} s "
                     f"({min(v) / sub_cells * 1e9:.2f} ns)" for k, v in times.items())
    print(f"interleaved on {args.chunk} variants x {n_coh} cohorts x {n_days} days "
          f"({args.compare_repeats} rounds): {line}; numpy / kernel 1 thread = "
          f"{min(times['numpy']) / min(times['kernel 1']):.1f}x, / kernel 2 threads = "
          f"{min(times['numpy']) / min(times['kernel 2']):.1f}x (totals equal, rtol 1e-9)")

    # The network's shape: 10 cohorts per owner x 1,000 owners.
    net = build_spec(n_cohorts=10_000, n_owners=1_000)
    net_policy, net_scale = variants(args.network_variants)
    net_cells = net.clock.n_steps * net.cohorts.n * args.network_variants
    rss_before = rss_mb()
    for threads in (1, 2):
        wall, cpu, net_totals = kernel_run(net, net_policy, net_scale, threads)
        print(f"network shape (10,000 cohorts, 1,000 owners, {args.network_variants} variants, "
              f"{net.clock.n_steps} days), kernel {threads} thread(s): {wall:.2f} s "
              f"({wall / net_cells * 1e9:.2f} ns per cohort-day; CPU {cpu:.2f} s)")
    print(f"network shape memory: peak RSS {rss_mb():,.0f} MB (before {rss_before:,.0f} MB); "
          f"broke share {(net_totals.owner['broke_day'] >= 0).mean():.3f}")
    head = build_spec(end=str(net.clock.dates[args.network_numpy_days - 1]), n_cohorts=10_000,
                      n_owners=1_000)
    head_cells = head.clock.n_steps * head.cohorts.n * args.network_variants
    nt: dict[str, list[float]] = {"numpy": [], "kernel 1": []}
    for _ in range(args.compare_repeats):
        numba.set_num_threads(1)
        t0 = time.perf_counter()
        ref = run(head, net_policy, Treasury(), tariff_scale=net_scale,
                  recorders=[TotalsRecorder(FIELDS)], engine="numpy").records[0]
        nt["numpy"].append(time.perf_counter() - t0)
        wall, _, got = kernel_run(head, net_policy, net_scale, 1)
        nt["kernel 1"].append(wall)
    np.testing.assert_allclose(got.owner["cash"], ref.owner["cash"], rtol=1e-9)
    line = ", ".join(f"{k} min {min(v):.2f} s ({min(v) / head_cells * 1e9:.1f} ns)"
                     for k, v in nt.items())
    print(f"network shape, first {args.network_numpy_days} days, interleaved: {line}; "
          f"numpy / kernel = {min(nt['numpy']) / min(nt['kernel 1']):.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--loop-variants", type=int, default=2)
    parser.add_argument("--loop-days", type=int, default=365)
    parser.add_argument("--loop-repeats", type=int, default=5,
                        help="Times the loop is run; the fastest is scaled (it is short).")
    parser.add_argument("--kernel-repeats", type=int, default=2)
    parser.add_argument("--compare-repeats", type=int, default=3)
    parser.add_argument("--network-variants", type=int, default=8)
    parser.add_argument("--network-numpy-days", type=int, default=60)
    parser.add_argument("--numpy-full", action="store_true",
                        help="Also run the numpy engine over every variant (chunked).")
    args = parser.parse_args()

    spec = build_spec()
    policy, scale = variants(args.variants)
    n_days, n_coh = spec.clock.n_steps, spec.cohorts.n
    print(f"machine: {machine()}")
    print(f"workload: {n_days} days x {n_coh} cohorts x {args.variants:,} variants "
          f"= {n_days * n_coh * args.variants:,.0f} cohort-days")

    # Same numbers on the subset: engine vs plain loop.
    sub = build_spec(end=str(spec.clock.dates[args.loop_days - 1]))
    k = args.loop_variants
    sub_policy, sub_scale = variants(k)
    totals = run(sub, sub_policy, Treasury(), tariff_scale=sub_scale,
                 recorders=[TotalsRecorder(FIELDS)], engine="numpy").records[0]
    loop_times = []
    for _ in range(max(1, args.loop_repeats)):
        t0 = time.perf_counter()
        loop = python_loop(sub, list(sub_policy.off_below), list(sub_policy.on_above),
                           list(sub_scale))
        loop_times.append(time.perf_counter() - t0)
    loop_s, loop_median = min(loop_times), float(np.median(loop_times))
    for v, (coins, power, days, cash) in enumerate(loop):
        np.testing.assert_allclose(totals.cohort["coins"][v, 0], coins, rtol=1e-9)
        np.testing.assert_allclose(totals.cohort["power_cost"][v, 0], power, rtol=1e-9)
        np.testing.assert_allclose(totals.cohort["running_days"][v, 0], days, rtol=1e-9)
        np.testing.assert_allclose(totals.owner["cash"][v, 0], cash, rtol=1e-9)
    loop_scaled = loop_s * (args.variants / k) * (n_days / args.loop_days)
    print(f"python loop (fair): {loop_s:.3f} s (min of {len(loop_times)}; median "
          f"{loop_median:.3f} s) for {k} variants x {n_coh} cohorts x "
          f"{args.loop_days} days -> scaled {loop_scaled:,.0f} s ({loop_scaled / 3600:.1f} h); "
          "engine totals equal the loop's")
    kernel_benchmarks(args, spec, loop_scaled)
    if not args.numpy_full:
        return

    # Memory of one chunk (tracemalloc sees numpy's allocations).
    chunk_policy, chunk_scale = variants(args.chunk)
    tracemalloc.start()
    run_in_chunks(spec, chunk_policy, tariff_scale=chunk_scale, chunk_size=args.chunk,
                  fields=FIELDS, engine="numpy")
    chunk_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with Progress() as bar:
        task = bar.add_task("engine", total=args.variants)
        t0 = time.perf_counter()
        result = run_in_chunks(spec, policy, tariff_scale=scale, chunk_size=args.chunk,
                               fields=FIELDS, engine="numpy",
                               progress=lambda done: bar.update(task, completed=done))
        engine_s = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cells = n_days * n_coh * args.variants
    print(f"engine: {engine_s:.1f} s ({engine_s / cells * 1e9:.1f} ns per cohort-day), "
          f"chunks of {args.chunk} variants")
    print(f"numpy engine ratio vs loop: {loop_scaled / engine_s:,.0f}x")
    print(f"memory: peak RSS {rss_after:,.0f} MB (before the run {rss_before:,.0f} MB); "
          f"tracemalloc peak of one chunk {chunk_peak:,.0f} MB; totals kept "
          f"{sum(a.nbytes for a in result.cohort.values()) / 2**20:,.0f} MB")
    broke = (result.owner["broke_day"] >= 0).mean()
    print(f"check: {result.meta.n_variants:,} variants; share of (variant, owner) broke "
          f"{broke:.3f}; mean running machine-days per variant "
          f"{result.cohort['running_days'].sum(axis=(1, 2)).mean():,.0f}")


if __name__ == "__main__":
    main()
