"""The network run's blocks and rule: the expected-value clock against the block network.

The shipped winter (examples/network/winter_2018.toml: 1,000 farms, two makers, the used
market, the history price, 1 Oct 2018 - 31 Mar 2019) under each ``[network]`` choice:
``expected`` + ``bitcoin`` (the expected-value clock), ``poisson`` + ``bitcoin``,
``expected`` + ``cw-144`` and ``poisson`` + ``cw-144`` (the block network, numpy), on
``--paths`` paths, interleaved, ``--repeats`` times; min and median wall time of each, the
ratio to the expected-value clock's, and the load average. Prints Markdown rows for
benchmarks/RESULTS.md.

Run: ``PYTHONPATH=src python benchmarks/bench_network_blocks.py [--paths 10] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tomllib
from pathlib import Path

from hashwinter.network.config import ChainConfig, NetworkScenario
from hashwinter.network.dynamics import run_network
from hashwinter.network.population import read_btc_daily

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "network" / "winter_2018.toml"
CHOICES = (("expected", "bitcoin"), ("poisson", "bitcoin"), ("expected", "cw-144"),
           ("poisson", "cw-144"))


def main() -> None:
    """Time the four choices, interleaved; print the table rows."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paths", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--farms", type=int, default=1000)
    args = parser.parse_args()
    data = tomllib.loads(EXAMPLE.read_text())
    data["population"]["farms"] = args.farms
    base = NetworkScenario.model_validate(data)
    folder = (EXAMPLE.parent / base.data_dir).resolve()
    history = read_btc_daily(folder)
    times: dict[tuple[str, str], list[float]] = {c: [] for c in CHOICES}
    for _ in range(args.repeats):
        for blocks, rule in CHOICES:
            scenario = base.model_copy(update={"network": ChainConfig(blocks=blocks,
                                                                      rule=rule)})
            t0 = time.perf_counter()
            run = run_network(scenario, folder, n_paths=args.paths, history=history)
            times[(blocks, rule)].append(time.perf_counter() - t0)
            assert run.record.hashrate.shape[1] == args.paths
    load = os.getloadavg()[0]
    ref = statistics.median(times[CHOICES[0]])
    print(f"| blocks, rule | min | median | / expected-value clock | "
          f"({args.farms} farms, {args.paths} paths, load {load:.1f}) |")
    for choice in CHOICES:
        t = times[choice]
        print(f"| {choice[0]}, {choice[1]} | {min(t):.2f} s | {statistics.median(t):.2f} s | "
              f"{statistics.median(t) / ref:.2f}x | |")


if __name__ == "__main__":
    main()
