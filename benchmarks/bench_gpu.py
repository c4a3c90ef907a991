"""GPU farm benchmark: per cohort-day cost of a GPU farm on ETH against an ASIC farm on BTC.

Workload (issue 14): 100 cohorts each side on real daily history of the same days,
2017-01-01 .. 2020-07-26 (1,303 days; eth_daily.csv's issuance and fees stop on 2020-07-27),
x ``--variants`` curtailment thresholds. GPU side: the catalog's Ethash cards on 8-card
rigs (a card's share of the 60 W platform in its power) on ETH (from a history store built
from eth_daily.csv); ASIC side: S7 .. S17 Pro on BTC (btc_daily.csv). Both USD.

Pairs, each timed interleaved in one process (A, B, A, B ...; min and median of
``--repeats``), with the engine's path for each side printed (``RunResult.path``):

1. ``ShutdownPricePolicy`` both sides with ``engine="compiled"``: kernel against kernel.
2. Jin Xin's ``GpuCyclePolicy`` (its trades are not in the compiled kernel: numpy path)
   against the ASIC farm's ``ShutdownPricePolicy`` on the numpy path (numpy against numpy).

Run: ``python benchmarks/bench_gpu.py`` (``--variants``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _shared import shared_data_file
from hashwinter.assets.card_resale import CardResaleModel
from hashwinter.data import import_file
from hashwinter.engine import Clock, Cohorts, EngineSpec, Owners, market_from_coinmetrics, run
from hashwinter.engine.history import market_from_store
from hashwinter.farm.gpu_cycle import GpuCyclePolicy
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.hardware import Machine, Rig, default_catalog

FIRST, LAST = "2017-01-01", "2020-07-26"
ASICS = ("Antminer S7", "Antminer S9", "AvalonMiner 741", "Antminer T9+", "WhatsMiner M3",
         "Antminer S17 Pro")


def spec_of(market, machines: list[Machine], n: int, seed: int = 14) -> EngineSpec:
    """Return ``n`` cohorts of ``machines`` (random counts, tariffs) on ``market``."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(machines), n)
    clock = Clock(market.dates)
    cohorts = Cohorts(
        label=tuple(f"c{i}" for i in range(n)), model=tuple(machines[i].model for i in pick),
        site=("farm",) * n, hashrate=np.array([machines[i].hashrate for i in pick]),
        power=np.array([machines[i].power for i in pick]),
        count=rng.integers(100, 1000, n).astype(float), owner=0, start_step=0, capex_step=-1,
        unit_price=0.0, uptime=1.0, pue=1.05, pool_fee=0.01, management_fee=0.0,
        hosting_fee=0.0, restart_cost=0.0)
    tariff = np.broadcast_to(rng.uniform(0.03, 0.12, n), (clock.n_steps, n)).copy()
    owners = Owners(("farm",), np.array([1e9]), np.zeros(1), np.zeros((clock.n_steps, 1)),
                    np.zeros((clock.n_steps, 1)))
    return EngineSpec(clock, market, cohorts, owners, tariff)


def build(n: int) -> tuple[EngineSpec, EngineSpec]:
    """Return the GPU (ETH) and ASIC (BTC) specs of ``n`` cohorts on the same days."""
    catalog = default_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "h.duckdb"
        import_file("coinmetrics", shared_data_file("eth_daily.csv"), store=store)
        eth = market_from_store(store, start=FIRST, end=LAST, asset="ETH")
    btc = market_from_coinmetrics(pd.read_csv(shared_data_file("btc_daily.csv")),
                                  currency="USD", start=FIRST, end=LAST)
    cards = [Rig(m, cards=8).per_card("ethash") for m in catalog.mining("ethash")
             if m.kind == "gpu"]
    return spec_of(eth, cards, n), spec_of(btc, [catalog.get(m) for m in ASICS], n)


def pair(a: tuple[EngineSpec, object, str], b: tuple[EngineSpec, object, str],
         repeats: int) -> dict[str, list[float]]:
    """Time two runs interleaved; print each side's path; return the times [s]."""
    times: dict[str, list[float]] = {"gpu": [], "asic": []}
    paths = {}
    for _ in range(repeats):
        for name, (spec, policy, engine) in (("gpu", a), ("asic", b)):
            t0 = time.perf_counter()
            res = run(spec, policy, engine=engine)  # type: ignore[arg-type]
            times[name].append(time.perf_counter() - t0)
            paths[name] = res.path
    print("  paths: " + ", ".join(f"{k} {v}" for k, v in paths.items()))
    return times


def report(times: dict[str, list[float]], cohort_days: float) -> None:
    """Print min/median per side and the GPU/ASIC ratio."""
    for name, ts in times.items():
        print(f"  {name:5s} min {min(ts):.3f} s  median {np.median(ts):.3f} s  "
              f"({min(ts) / cohort_days * 1e9:.1f} ns per cohort-day)")
    print(f"  ratio GPU / ASIC: min {min(times['gpu']) / min(times['asic']):.2f}x  median "
          f"{np.median(times['gpu']) / np.median(times['asic']):.2f}x")


def main() -> None:
    """Run both pairs and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohorts", type=int, default=100)
    ap.add_argument("--variants", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    gpu, asic = build(args.cohorts)
    off = np.linspace(-0.2, 0.0, args.variants)
    curtail = ShutdownPricePolicy(off, off)
    cohort_days = args.variants * args.cohorts * gpu.clock.n_days
    print(f"{args.variants} variants x {args.cohorts} cohorts x {gpu.clock.n_days} days = "
          f"{cohort_days:.3g} cohort-days a side")
    run(gpu, curtail, engine="compiled")  # compile once, outside the timings
    print("1. shutdown-price policy both sides, compiled kernel")
    report(pair((gpu, curtail, "compiled"), (asic, curtail, "compiled"), args.repeats),
           cohort_days)
    cycle = GpuCyclePolicy(gpu.cohorts.count, new_card_price=330.0, card_age_days=365.0,
                           platform_per_card=12.5, resale=CardResaleModel(),
                           required_surplus=np.linspace(0.0, 0.2, args.variants))
    print("2. GPU cycle policy (numpy) against the ASIC shutdown-price policy (numpy)")
    report(pair((gpu, cycle, "numpy"), (asic, curtail, "numpy"), args.repeats), cohort_days)


if __name__ == "__main__":
    main()
