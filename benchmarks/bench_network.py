"""The network run: hashwinter against its Mesa twin, and the 2018-network scale.

1. Twin ratio (steps 2 .. D timed on both sides: building the population, the spec and
   the agents is left out): the same model (no market, history price, 1 Oct 2018 - 31 Mar 2019) with
   ``--farms`` farms x 6 tiers, run by hashwinter (engine, numpy path) and by the Mesa
   twin (tests/network/mesa_twin.py), interleaved A, B, A, B; min and median of each.
2. Scale: the shipped winter_2018 scenario (market on) at 10^3 farms (6,000 cohorts),
   182 days, 1 and ``--paths`` GBM paths: wall time and peak memory (tracemalloc).

Run: ``PYTHONPATH=src python benchmarks/bench_network.py [--farms 1000] [--paths 10]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tomllib
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter.network.config import NetworkScenario
from hashwinter.network.dynamics import chain_position, run_network
from hashwinter.network.population import read_btc_daily

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "network"))
from mesa_twin import NetworkTwin  # noqa: E402

EXAMPLE = ROOT / "examples" / "network" / "winter_2018.toml"


def scenario(farms: int, market: bool, price: str = "history") -> NetworkScenario:
    """Return the shipped scenario with ``farms`` farms."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["population"].update(farms=farms)
    if not market:
        data["population"].update(cash_days=1e5, fixed_cost_per_machine_day=0.0)
    data["market"]["enabled"] = market
    data["price"]["kind"] = price
    return NetworkScenario.model_validate(data)


def twin_run(s: NetworkScenario, folder: Path, run: object) -> float:
    """Build and run the Mesa twin of ``run``; return the wall time of its steps 2 .. D."""
    pop = run.population  # type: ignore[attr-defined]
    dates = pd.DatetimeIndex(run.dates)  # type: ignore[attr-defined]
    dry = np.isin(dates.month, pop.dry_months)
    farms = [(pop.cohort_count[pop.cohort_owner == o].tolist(),
              np.where(dry, pop.farm_dry_tariff[o], pop.farm_tariff[o]).tolist())
             for o in range(pop.n_farms)]
    height, elapsed = chain_position(read_btc_daily(folder), pd.Timestamp(s.start))
    hist = run.history  # type: ignore[attr-defined]
    twin = NetworkTwin(farms, pop.tier_hashrate.tolist(), pop.tier_power.tolist(),
                       run.price[0].tolist(), hist["fees_per_block"].tolist(),  # type: ignore[attr-defined]
                       float(hist["difficulty"].iloc[0]), float(height), elapsed,
                       s.population.pue, s.population.overhead_per_machine_day,
                       s.dynamics.off_below, s.dynamics.on_above)
    twin.step()
    t0 = time.perf_counter()  # steps 2 .. D only, as for hashwinter (build excluded)
    for _ in range(len(dates) - 1):
        twin.step()
    dt = time.perf_counter() - t0
    np.testing.assert_allclose(run.record.hashrate[:, 0], twin.hashrate_path,  # type: ignore[attr-defined]
                               rtol=1e-9)
    return dt


def main() -> None:
    """Run both benchmarks and print Markdown rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--farms", type=int, default=1000)
    ap.add_argument("--paths", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    s = scenario(args.farms, market=False)
    hw, tw = [], []
    for _ in range(args.repeats):
        marks: list[float] = []
        run = run_network(s, args.data,
                          progress=lambda done, m=marks: m.append(time.perf_counter()))
        hw.append(marks[-1] - marks[0])  # steps 2 .. D (population and spec build excluded)
        tw.append(twin_run(s, args.data, run))
    print(f"| twin ratio, {args.farms} farms x 6 tiers x 182 days x 1 path, no market | "
          f"hashwinter {min(hw):.2f} / {statistics.median(hw):.2f} s | "
          f"Mesa {min(tw):.2f} / {statistics.median(tw):.2f} s | "
          f"ratio (median) {statistics.median(tw) / statistics.median(hw):.0f}x |")
    for paths in (1, args.paths):
        s = scenario(args.farms, market=True, price="gbm" if paths > 1 else "history")
        tracemalloc.start()
        t0 = time.perf_counter()
        run_network(s, args.data, n_paths=paths)
        wall = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"| scale, {args.farms} farms ({args.farms * 6} cohorts) x 182 days x {paths} "
              f"paths, market on | {wall:.2f} s | peak {peak:.0f} MiB (tracemalloc) |")


if __name__ == "__main__":
    main()
