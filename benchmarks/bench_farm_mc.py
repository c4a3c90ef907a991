"""Farm Monte Carlo benchmark: 10,000 fleet items x 1,000 price paths x 365 days, memory < 2 GB.

Workload (issue 10): the scenario of examples/scenarios/winter_farms.toml (a GBM of 2018's
drift and volatility from the 25 Nov 2018 close, difficulty of 17 Nov 2018, 0.26 BTC of
fees a block) over one farm of 10,000 fleet items: Antminer S9s, 1-7 machines each,
bought on 600 different days of 2017-2018 at 600-15,600 CNY, at one Xinjiang site
(0.28 CNY/kWh, PUE 1.05, a management fee), under the shutdown-price policy (daily
steps). The farm is written as a TOML file and loaded as a user's would be.

The run is what ``hashwinter simulate`` does, in this process (one chunk of paths at a
time, so the peak resident memory ``ru_maxrss`` covers everything): load the scenario
and the farm, run the chunks of ``--chunk`` paths through the engine with the farm
recorder (per-day balances per path, each item's payback and margin as running
figures), join them, and compute the summary, payback, per-path and fan tables.
Before issue 10 the recorder kept a (days, paths, cohorts) margin array: the run asked
for 27 GiB and failed; the resource guard's estimate of that recorder is printed too.

Run: ``python benchmarks/bench_farm_mc.py`` (``--cohorts N --paths N --days N --chunk N``
for a smaller run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from _shared import machine
from hashwinter.resources import MemoryLimit, farm_bytes, format_bytes, guard_farm_run
from hashwinter.scenario import load_scenario
from hashwinter.scenario.farmreport import farm_fan, farm_paths_frame, farm_paybacks, farm_summary
from hashwinter.scenario.farmrun import run_farms

GOAL_BYTES = 2e9
SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "winter_farms.toml"


def write_farm(path: Path, n_items: int) -> None:
    """Write a farm file of ``n_items`` fleet items of S9s at one site."""
    slots = sum(1 + i % 7 for i in range(n_items))
    lines = [
        'name = "10,000 fleet items"', 'currency = "CNY"', "pool_fee = 0.02", "",
        "[[sites]]", 'name = "plant"', 'region = "Xinjiang"', f"capacity_slots = {slots}",
        f"capacity_mw = {slots * 1.5e-3 + 1:.1f}",
        'tariff = { kind = "flat", price = 0.28, currency = "CNY" }', "pue = 1.05",
        "management_fee_per_machine_day = 0.3", "fixed_costs_per_month = 300000", "",
    ]  # fmt: skip
    first = dt.date(2017, 1, 1)
    for i in range(n_items):
        lines += [
            "[[fleet]]", 'model = "Antminer S9"', f"count = {1 + i % 7}", 'site = "plant"',
            f"purchase_date = {first + dt.timedelta(days=i % 600)}",
            f"unit_price = {600 + (i * 37) % 15000}", "depreciation_years = 2", "",
        ]  # fmt: skip
    lines += ["[treasury]", 'strategy = "sell_daily"', "starting_cash = 10000000", "",
              "[policy]", 'kind = "shutdown_price"', "off_below = 0.0", "on_above = 0.05",
              "restart_cost_per_machine = 1.0"]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_scenario(folder: Path, n_items: int) -> Path:
    """Write winter_farms.toml's scenario over one farm of ``n_items`` items; return its path."""
    write_farm(folder / "farm.toml", n_items)
    text = SCENARIO.read_text(encoding="utf-8")
    text = text[: text.index("[[farms]]")] + '[[farms]]\nfile = "farm.toml"\n'
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cohorts", type=int, default=10_000)
    parser.add_argument("--paths", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunk", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_scenario(Path(tmp), args.cohorts)
        overrides = {"paths": args.paths, "chunk_paths": args.chunk, "horizon_days": args.days}
        start, cpu0 = time.perf_counter(), time.process_time()
        loaded = load_scenario(path, overrides=overrides)
        with ThreadPoolExecutor(max_workers=1) as executor:
            (fp,) = run_farms(loaded, executor, progress=False)
        ran, ran_cpu = time.perf_counter() - start, time.process_time() - cpu0
        summary = farm_summary([fp], loaded.config.report.var_levels)
        paybacks = farm_paybacks([fp])
        farm_paths_frame([fp])
        farm_fan([fp])
        total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB
    assert fp.payback_days.shape == (args.paths, args.cohorts)
    assert len(paybacks) == args.cohorts and np.isfinite(summary.loc[0, "pnl_mean"])
    estimate = guard_farm_run(paths=args.paths, days=args.days, cohorts=[args.cohorts],
                              chunk_paths=args.chunk, workers=1,
                              limit=MemoryLimit(10**15, "none")).bytes  # fmt: skip
    old = sum(farm_bytes(paths=args.paths, days=args.days, cohorts=args.cohorts,
                         chunk_paths=args.chunk, workers=1, daily_margin=True))  # fmt: skip
    cohort_days = args.cohorts * args.paths * args.days
    print(f"machine: {machine()}")
    print(f"{args.cohorts:,} fleet items x {args.paths:,} paths x {args.days} days, "
          f"chunks of {args.chunk} paths, one at a time")
    print(f"run (load, build, engine, join): {ran:.1f} s wall, {ran_cpu:.1f} s CPU "
          f"({ran_cpu / cohort_days * 1e9:.1f} ns of CPU per cohort-day); with the reports "
          f"{total:.1f} s wall")
    print(f"peak resident memory: {format_bytes(peak)} (goal < {format_bytes(GOAL_BYTES)}: "
          f"{'met' if peak < GOAL_BYTES else 'NOT met'})")
    print(f"resource guard's estimate: {format_bytes(estimate)}; with each item's daily "
          f"margin (the recorder before issue 10): {format_bytes(old)}")
    print(f"P&L mean {summary.loc[0, 'pnl_mean']:.4g} CNY; items paid back on some path: "
          f"{(paybacks['share_paid_back'] > 0).mean():.1%}")
    return 0 if peak < GOAL_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
