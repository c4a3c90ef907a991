"""Trading benchmark: a farm with trading rules on, 100 cohorts x 10 years x 1,000 variants.

Workload (issue 11): 100 cohorts of real catalog machines (S7 .. S17 Pro) at 7 sites with
slot and MW limits, 90 of them holding machines and 10 empty purchase cohorts (one model per
site; Hu's rule buys into the one of the most efficient model); 10 years daily of real
history (2015-01-01 .. 2024-12-31, btc_daily.csv, USD);
1,000 variants = Hu's payback threshold (20: 30 .. 600 days) x the sell rule's premium
(10: -0.5 .. 4) x the curtailment threshold (5: off_below -0.2 .. 0). The chain is
curtailment, sell above value, buy by payback into one purchase
cohort, and scrap below value; prices come from the precomputed (cohort, day) table
(:func:`hashwinter.farm.trading.prices.trade_tables`, built once and timed apart).

Reported: wall and CPU seconds (``time.perf_counter``, ``time.process_time``) of each run
and the per cohort-day cost ratio of the run with trading to the same engine without it
(curtailment only), both on the compiled kernel (``engine="compiled"``: kernel against
kernel, the issue's comparison), measured interleaved in one process (A, B, A, B ...; min
and median of ``--repeats``) after one untimed warm-up of each (the kernels load from
numba's disk cache or compile there). ``--numpy`` adds the numpy engine's two runs
(interleaved too) for the record. Every run checks conservation, machine counts included;
before timing, the two engines' balances, held counts and owner totals (machines bought,
sold, scrapped, capex, other income) are asserted equal (relative 1e-9) on 10 variants
spread over the grid (every 111th, the last included) over the last 2 years.

Run: ``python benchmarks/bench_trading.py`` (``--variants``, ``--years``, ``--repeats``,
``--numpy``).
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
import pandas as pd

from _shared import shared_data_file
from hashwinter.engine import (
    Clock,
    Cohorts,
    EngineSpec,
    Owners,
    Policies,
    TotalsRecorder,
    grid,
    market_from_coinmetrics,
    run,
)
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.farm.trading import BuyRule, ScrapRule, SellRule, SiteLimits, trade_tables
from hashwinter.hardware import default_catalog

MODELS = ("Antminer S7", "Antminer S9", "AvalonMiner 741", "Antminer T9+", "WhatsMiner M3",
          "Antminer S17 Pro")
N_SITES = 7


def build_spec(years: int, n_cohorts: int = 100,
               seed: int = 2018) -> tuple[EngineSpec, SiteLimits]:
    """The benchmark farm on the last ``years`` of real history to 2024, and its sites' limits."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    market = market_from_coinmetrics(btc, currency="USD", start=f"{2025 - years}-01-01",
                                    end="2024-12-31")
    clock = Clock(market.dates)
    catalog = default_catalog()
    machines = [catalog.get(m) for m in MODELS]
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(machines), n_cohorts)
    count = rng.integers(1, 50, n_cohorts).astype(float)  # a share of the 2015 network
    count[-10:] = 0.0  # purchase cohorts: filled by the buy rule
    site = np.arange(n_cohorts) % N_SITES
    pue = rng.uniform(1.02, 1.2, n_cohorts)
    power = np.array([machines[i].power for i in pick])
    cohorts = Cohorts(
        label=tuple(f"c{i}" for i in range(n_cohorts)),
        model=tuple(machines[i].model for i in pick),
        site=tuple(f"site{s}" for s in site),
        hashrate=np.array([machines[i].hashrate for i in pick]),
        power=power, count=count, owner=0, start_step=0, capex_step=-1, unit_price=0.0,
        uptime=rng.uniform(0.95, 1.0, n_cohorts), pue=pue, pool_fee=0.02,
        management_fee=rng.uniform(0, 0.1, n_cohorts), hosting_fee=0.0, restart_cost=0.0,
    )
    tariff = np.broadcast_to(rng.uniform(0.03, 0.09, n_cohorts), (clock.n_steps, n_cohorts))
    own = Owners(("farm",), np.array([5e7]), np.zeros(1), np.full((clock.n_steps, 1), 50.0),
                 np.zeros((clock.n_steps, 1)))
    held = np.bincount(site, weights=count, minlength=N_SITES)
    watts = np.bincount(site, weights=count * power * pue, minlength=N_SITES)
    limits = SiteLimits(site=site.astype(np.int64), slots=held * 1.3, watts=watts * 1.3,
                        meter_watts=power * pue)
    return EngineSpec(clock, market, cohorts, own, tariff.copy()), limits


def chains(spec: EngineSpec, limits: SiteLimits, n_variants: int, every: int = 1):
    """Return (table seconds, policy without trading, policy with trading).

    The variants are the grid's first ``n_variants``, or every ``every``-th of them.
    """
    g = grid(payback=np.linspace(30, 600, 20), premium=np.linspace(-0.5, 4.0, 10),
             off=np.linspace(-0.2, 0.0, 5))
    g = {k: v[:n_variants:every] for k, v in g.items()}
    t0 = time.perf_counter()
    tables = trade_tables(spec.cohorts, spec.market, spec.tariff, buyer_tariff=0.05,
                          liquidity=0.8, scrap_value_per_kw=10.0, sigma_per_day=0.04)
    t_tables = time.perf_counter() - t0
    curtail = ShutdownPricePolicy(g["off"], g["off"] + 0.05)
    every = np.ones(spec.cohorts.n, dtype=bool)
    # The purchase cohort of the most efficient model (J/TH): Hu's rule buys it in the
    # sweep's patient variants (an S7's payback at the used price never falls below 600 days).
    c = spec.cohorts
    empty = np.flatnonzero(c.count == 0)
    target = int(empty[np.argmin(c.power[empty] / c.hashrate[empty])])
    trading = Policies([curtail, SellRule(tables, every, 0.05, g["premium"]),
                        BuyRule(tables, limits, target, 0, g["payback"], fee=0.05,
                                max_per_day=200),
                        ScrapRule(tables, every)])
    return t_tables, Policies([curtail]), trading


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", type=int, default=1000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--numpy", action="store_true", help="also time the numpy engine")
    args = ap.parse_args()
    spec, limits = build_spec(args.years)
    t_tables, without, with_trading = chains(spec, limits, args.variants)
    v = with_trading.n_variants
    cohort_days = v * spec.cohorts.n * spec.clock.n_days
    print(f"{v} variants x {spec.cohorts.n} cohorts x {spec.clock.n_days} days = "
          f"{cohort_days:.3g} cohort-days; price table {t_tables:.2f} s; "
          f"{numba.get_num_threads()} numba threads; load {_load()}")
    _check_same(args.years)
    legs = [("without", without, "compiled"), ("with", with_trading, "compiled")]
    if args.numpy:
        legs += [("numpy without", without, "numpy"), ("numpy with", with_trading, "numpy")]
    for _, pol, engine in legs[:2]:  # warm-up: load (or compile) the two kernels
        run(spec, pol, engine=engine)
    wall: dict[str, list[float]] = {name: [] for name, _, _ in legs}
    cpu: dict[str, list[float]] = {name: [] for name, _, _ in legs}
    traded = 0.0
    for _ in range(args.repeats):
        for name, pol, engine in legs:
            t0, c0 = time.perf_counter(), time.process_time()
            res = run(spec, pol, engine=engine)
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
            assert res.path == engine, res.fallback
            assert res.checks.max_count_error < 1e-6
            if name == "with":
                traded = float(res.held.sum() - spec.cohorts.count.sum() * v)
    for name in wall:
        w, c = wall[name], cpu[name]
        print(f"{name:14s} wall min {min(w):.3f} / median {np.median(w):.3f} s   "
              f"CPU min {min(c):.3f} / median {np.median(c):.3f} s   "
              f"({min(c) / cohort_days * 1e9:.2f} ns CPU per cohort-day)")
    for kind, t in (("wall", wall), ("CPU", cpu)):
        ratio_min = min(t["with"]) / min(t["without"])
        ratio_med = float(np.median(t["with"]) / np.median(t["without"]))
        print(f"kernel with / without trading ({kind}): min {ratio_min:.2f}x  "
              f"median {ratio_med:.2f}x")
    print(f"net machines bought over all variants {traded:,.0f}; load {_load()}")


def _check_same(years: int) -> None:
    """Assert that the kernel's trading run equals numpy's on a small slice of the workload."""
    spec, limits = build_spec(min(years, 2))
    _, _, pol = chains(spec, limits, 1000, every=111)
    out = [run(spec, pol, engine=e, recorders=[TotalsRecorder()]) for e in ("numpy", "compiled")]
    n, c = out
    assert c.path == "compiled", c.fallback
    np.testing.assert_array_equal(c.held, n.held)
    np.testing.assert_allclose(c.cash, n.cash, rtol=1e-9, atol=1e-6)
    for key in ("bought", "sold_machines", "scrapped", "capex", "other_income", "proceeds"):
        np.testing.assert_allclose(c.records[0].owner[key], n.records[0].owner[key],
                                   rtol=1e-9, atol=1e-6, err_msg=key)
    moved = {k: float(n.records[0].owner[k].sum()) for k in ("bought", "sold_machines",
                                                             "scrapped")}
    print(f"kernel = numpy on {pol.n_variants} variants x {spec.clock.n_days} days "
          f"(machines {moved})")


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


if __name__ == "__main__":
    main()
