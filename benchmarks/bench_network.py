"""The network run: hashwinter against its Mesa twin, the 2018 network at scale, Dask.

Subcommands (each prints Markdown rows for benchmarks/RESULTS.md):

* ``twin``: the same model (no market, history price, 730 days from 1 Oct 2018) with
  ``--farms`` farms x 6 tiers, run by hashwinter (engine, numpy path, then the compiled
  endogenous-network kernel, its hashrate checked against numpy's to rtol 1e-9) and by
  the Mesa twin (tests/network/mesa_twin.py), interleaved numpy, compiled, Mesa per
  repeat; steps 2 .. D timed on all sides (building the population, the spec and the
  agents is left out; the kernel reports progress after day 1, so its timing starts
  there too; its compile, cached on disk, happens in the first repeat's build); min and
  median of each, ratio of the medians and of the mins.
* ``scale``: time and peak memory (tracemalloc) per cell of cohorts x paths, 730 days,
  market on, GBM price (``--price history``: the history path on every path); cells over
  ``--max-cells`` cohort-path-days are extrapolated from the measured cell with the same
  cohorts and ``--chunk`` paths (chunks are independent runs of equal cost), marked so.
* ``full``: the whole 2018 network (1,000 farms x 10 tiers = 10^4 cohorts) x 730 days x
  ``--paths`` paths with daily clearing, in chunks of ``--chunk`` paths; ``--measure``
  paths are run (the rest extrapolated per chunk, said so) under cProfile, whose top
  functions are printed.
* ``dask``: the same on a Dask LocalCluster of 2 workers (1 thread each) against this
  process, ``--paths`` paths in chunks of ``--chunk``; the two results are compared.

Run: ``PYTHONPATH=src python benchmarks/bench_network.py twin|scale|full|dask [options]``.
The GBM volatility is 0.4/sqrt(yr) (the scenario default 0.8 drives some paths over two
years so low that every farm unplugs, which stops a run as diverged; at 0.4 a population
of 20 farms still dies on some path, hence ``--price history`` for the scaling table).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import time
import tomllib
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import NetworkRun, chain_position, run_network
from hashwinter.network.population import read_btc_daily

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "network"))
from mesa_twin import NetworkTwin  # noqa: E402

EXAMPLE = ROOT / "examples" / "network" / "winter_2018.toml"
START = dt.date(2018, 10, 1)
#: Cohorts of the scaling table as (farms, tiers).
COHORTS = {100: (20, 5), 1_000: (100, 10), 10_000: (1_000, 10)}


def scenario(farms: int, market: bool, price: str = "history", *, tiers: int = 6,
             days: int = 182, volatility: float = 0.4) -> NetworkScenario:
    """Return the shipped scenario with ``farms`` x ``tiers`` cohorts over ``days`` days."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["population"].update(farms=farms, tiers=tiers)
    if not market:  # the twin's model: no market, no makers, nobody broke
        data["population"].update(cash_days=1e5, fixed_cost_per_machine_day=0.0)
        data.setdefault("makers", {})["maker"] = []
    # The compiled kernel's model (kernel.network_market): the dry season and the sellers'
    # closing have no compiled form yet, and would send every run to the numpy path.
    data.setdefault("migration", {})["enabled"] = False
    data["market"]["sellers_exit"] = False
    # Off, as in the figures recorded before these rules existed (the kernel has them).
    data["market"].update(scrap_after_days=None, short_cash_days=0.0)
    data["market"]["enabled"] = market
    data["price"].update(kind=price, volatility=volatility)
    data["end"] = START + dt.timedelta(days=days - 1)
    return NetworkScenario.model_validate(data)


def load() -> str:
    """Return the load average (1, 5, 15 min)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def twin_run(s: NetworkScenario, folder: Path, run: NetworkRun) -> float:
    """Build and run the Mesa twin of ``run``; return the wall time of its steps 2 .. D."""
    pop = run.population
    dates = pd.DatetimeIndex(run.dates)
    dry = np.isin(dates.month, pop.dry_months)
    farms = [(pop.cohort_count[pop.cohort_owner == o].tolist(),
              np.where(dry, pop.farm_dry_tariff[o], pop.farm_tariff[o]).tolist())
             for o in range(pop.n_farms)]
    height, elapsed = chain_position(read_btc_daily(folder), pd.Timestamp(s.start))
    hist = run.history
    twin = NetworkTwin(farms, pop.tier_hashrate.tolist(), pop.tier_power.tolist(),
                       run.price[0].tolist(), hist["fees_per_block"].tolist(),
                       float(hist["difficulty"].iloc[0]), float(height), elapsed,
                       s.population.pue, s.population.overhead_per_machine_day,
                       s.dynamics.off_below, s.dynamics.on_above, s.dynamics.min_off_days)
    twin.step()
    t0 = time.perf_counter()  # steps 2 .. D only, as for hashwinter (build excluded)
    for _ in range(len(dates) - 1):
        twin.step()
    wall = time.perf_counter() - t0
    np.testing.assert_allclose(run.record.hashrate[:, 0], twin.hashrate_path, rtol=1e-9)
    return wall


def _steps_time(s: NetworkScenario, folder: Path, engine: str) -> tuple[float, NetworkRun]:
    marks: list[float] = []
    run = run_network(s, folder, engine=engine,
                      progress=lambda done: marks.append(time.perf_counter()))
    return marks[-1] - marks[0], run  # steps 2 .. D (population and spec build excluded)


def twin(args: argparse.Namespace) -> None:
    """Interleaved hashwinter (numpy, compiled when supported) and Mesa runs."""
    s = scenario(args.farms, market=False, days=args.days)
    times: dict[str, list[float]] = {"numpy": [], "compiled": [], "mesa": []}
    compiled_note = ""
    for _ in range(args.repeats):
        wall, run = _steps_time(s, args.data, "numpy")
        times["numpy"].append(wall)
        try:
            wall, crun = _steps_time(s, args.data, "compiled")
            np.testing.assert_allclose(crun.record.hashrate, run.record.hashrate, rtol=1e-9)
            times["compiled"].append(wall)
        except Exception as exc:  # e.g. a scenario the kernel does not cover
            compiled_note = f"{type(exc).__name__}: {exc}"
        times["mesa"].append(twin_run(s, args.data, run))
    mesa = statistics.median(times["mesa"])
    label = f"{args.farms} farms x 6 tiers x {args.days} days x 1 path, no market"
    for name in ("numpy", "compiled"):
        t = times[name]
        if not t:
            print(f"| twin, {label}, hashwinter {name} | not run: {compiled_note[:200]} |")
            continue
        print(f"| twin, {label}, hashwinter {name} | {min(t):.3f} / {statistics.median(t):.3f}"
              f" s | Mesa {min(times['mesa']):.2f} / {mesa:.2f} s | ratio (medians) "
              f"{mesa / statistics.median(t):.0f}x, (mins) "
              f"{min(times['mesa']) / min(t):.0f}x | load {load()} |")


def measure(farms: int, tiers: int, days: int, paths: int, chunk: int, folder: Path,
            profile: bool = False, price: str = "gbm",
            volatility: float = 0.4) -> tuple[float, float, str]:
    """Run once; return wall [s], peak traced memory [MiB], the profile's top lines."""
    s = scenario(farms, market=True, price=price, tiers=tiers, days=days, volatility=volatility)
    prof = cProfile.Profile() if profile else None
    tracemalloc.start()
    t0 = time.perf_counter()
    if prof is not None:
        prof.enable()
    run_network(s, folder, n_paths=paths, chunk_paths=chunk)
    if prof is not None:
        prof.disable()
    wall = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    text = ""
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
        text = out.getvalue()
    return wall, peak, text


def scale(args: argparse.Namespace) -> None:
    """The scaling table: cohorts x paths, measured or extrapolated per chunk."""
    print("| cohorts | paths | time | peak memory | how | load |")
    for cohorts in args.cohorts:
        farms, tiers = COHORTS[cohorts]
        per_chunk: tuple[float, float] | None = None
        for paths in args.paths:
            cells = cohorts * paths * args.days
            if cells <= args.max_cells:
                wall, peak, _ = measure(farms, tiers, args.days, paths,
                                        min(paths, args.chunk), args.data, price=args.price,
                                        volatility=args.volatility)
                if paths == args.chunk:
                    per_chunk = (wall, peak)
                how = "measured"
            else:
                if per_chunk is None:
                    per_chunk = measure(farms, tiers, args.days, args.chunk, args.chunk,
                                        args.data, price=args.price,
                                        volatility=args.volatility)[:2]
                wall, peak = per_chunk[0] * paths / args.chunk, per_chunk[1]
                how = ("measured (one chunk)" if paths == args.chunk else
                       f"extrapolated: {paths // args.chunk} x a measured {args.chunk}-path chunk")
            print(f"| {cohorts:,} | {paths:,} | {wall:.1f} s | {peak:.0f} MiB | {how} | "
                  f"{load()} |", flush=True)


def full(args: argparse.Namespace) -> None:
    """The whole 2018 network: measured paths under cProfile, the rest per chunk."""
    farms, tiers = COHORTS[10_000]
    wall, peak, text = measure(farms, tiers, args.days, args.measure, args.chunk, args.data,
                               profile=True, volatility=args.volatility)
    total = wall * args.paths / args.measure
    how = ("measured" if args.measure == args.paths else
           f"{args.measure} paths measured, x {args.paths / args.measure:.0f} extrapolated")
    print(f"| 2018 network, 10^4 cohorts / 10^3 farms x {args.days} days x {args.paths:,} "
          f"paths, daily clearing, GBM {args.volatility}, chunks of {args.chunk} | "
          f"{total:.0f} s ({how}; "
          f"{wall:.1f} s for {args.measure}) | peak {peak:.0f} MiB | load {load()} |")
    print(text)


def dask(args: argparse.Namespace) -> None:
    """2 Dask workers against this process, same paths and chunks, interleaved."""
    import dask as dask_config
    from distributed import LocalCluster

    from hashwinter.parallel import open_executor

    farms, tiers = COHORTS[10_000]
    s = scenario(farms, market=True, price="gbm", tiers=tiers, days=args.days,
                 volatility=args.volatility)
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which switches off
    # glibc's adaptive mmap threshold: every large array is then a fresh mmap, and this
    # run costs 3-5x the CPU (measured). ``--malloc-trim`` keeps Dask's default.
    env = {} if args.malloc_trim else {
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    here_t: list[float] = []
    dask_t: list[float] = []
    t0 = time.perf_counter()
    with dask_config.config.set(env), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", silence_logs=40) as cluster:
        with open_executor(cluster.scheduler_address) as ex:
            start_s = time.perf_counter() - t0  # cluster start, left out of the timings
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                there = run_network(s, args.data, n_paths=args.paths, chunk_paths=args.chunk,
                                    executor=ex)
                dask_t.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                here = run_network(s, args.data, n_paths=args.paths, chunk_paths=args.chunk)
                here_t.append(time.perf_counter() - t0)
    same = all(np.array_equal(getattr(here.record, f), getattr(there.record, f), equal_nan=True)
               for f in ("hashrate", "difficulty", "traded", "used_price"))
    h, d = statistics.median(here_t), statistics.median(dask_t)
    trim = ", Dask's MALLOC_TRIM_THRESHOLD_=65536" if args.malloc_trim else ""
    print(f"| 2018 network, 10^4 cohorts x {args.days} days x {args.paths} paths, chunks of "
          f"{args.chunk}{trim} | this process {min(here_t):.1f} / {h:.1f} s | Dask LocalCluster, 2 "
          f"workers {min(dask_t):.1f} / {d:.1f} s (cluster start {start_s:.1f} s, not "
          f"included) | speed-up (medians) {h / d:.2f}x | identical: {same} | "
          f"load {load()} |")


def main() -> None:
    """Parse the subcommand and run it."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--volatility", type=float, default=0.4,
                    help="GBM volatility [1/sqrt(yr)] (at 0.4 one of 1,000 paths of two "
                         "years loses every farm: the run stops as diverged)")
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("twin")
    t.add_argument("--farms", type=int, default=1000)
    t.add_argument("--repeats", type=int, default=3)
    c = sub.add_parser("scale")
    c.add_argument("--paths", type=int, nargs="+", default=[1, 100, 1000])
    c.add_argument("--max-cells", type=float, default=8e8)
    c.add_argument("--price", choices=["gbm", "history"], default="gbm")
    c.add_argument("--cohorts", type=int, nargs="+", default=list(COHORTS), choices=list(COHORTS))
    f = sub.add_parser("full")
    f.add_argument("--paths", type=int, default=1000)
    f.add_argument("--measure", type=int, default=100)
    d = sub.add_parser("dask")
    d.add_argument("--paths", type=int, default=200)
    d.add_argument("--repeats", type=int, default=2)
    d.add_argument("--malloc-trim", action="store_true")
    args = ap.parse_args()
    {"twin": twin, "scale": scale, "full": full, "dask": dask}[args.what](args)


if __name__ == "__main__":
    main()
