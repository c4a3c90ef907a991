"""Hedging benchmark: a 330-variant strategy grid x 100 cohorts x 2 years x 100 price paths.

Workload (issue 12): 100 cohorts of real catalog machines (S7 .. S17 Pro, bought before the
window) with tariffs 0.03-0.09 USD/kWh, PUE, uptime, pool and management fees; 2 years daily
(2018-01-01 .. 2019-12-31, btc_daily.csv difficulty, subsidy and fees); 100 GBM price paths
from the 2018-01-01 close with the daily volatility of 2017-2019 (seeded); 330 variants =
hedge ratio (11: 0, 0.1 .. 1) x horizon (3: 15, 30, 60 days) x instrument (2: a monthly
USD-margined future, a linear perpetual with a constant funding rate) x curtailment
threshold (5: the shutdown-price policy's off_below -0.2 .. 0). That is 2.41e9 cohort-days
in one vectorized run of the numpy engine (variants in chunks), the book in engine state
(V, P, O, I).

Reported: time and peak RSS of the full run (the compiled kernel by default, all variants
in one run; ``--full-engine numpy`` for the numpy engine in chunks); the ratio to a plain
Python loop (variants x paths x cohorts x days, the same model: curtailment, mining, the
hedge book's marks, funding, rolls and deliveries, the hodl-and-deliver treasury) on a
scaled-down subset whose final cash and coins equal the numpy engine's and the kernel's
(asserted, rtol 1e-9); and the book's added cost per cohort-day, the issue's goal (< +50 %):
the kernel with the hedge against the kernel without it (curtailment only, no
instruments), at 100 cohorts per owner (1 owner) and at 1 cohort per owner (100 owners),
interleaved (min and median of ``--kernel-repeats``) on ``--overhead-paths`` paths;
``--numpy-book`` times the same on the numpy engine.

Run: ``python benchmarks/bench_hedge.py`` (``--paths``, ``--chunk``, ``--repeats`` to vary).
"""

from __future__ import annotations

import argparse
import resource
import time

import numba
import numpy as np
import pandas as pd

from _shared import machine, shared_data_file
from hashwinter.engine import (
    Clock,
    Cohorts,
    EngineSpec,
    Owners,
    Policies,
    Treasury,
    grid,
    market_from_coinmetrics,
    run,
)
from hashwinter.farm.hedging import HedgeShort
from hashwinter.farm.policies import ShutdownPricePolicy
from hashwinter.finance.instruments import HedgeContract, roll_days
from hashwinter.hardware import default_catalog

MODELS = ("Antminer S7", "Antminer S9", "AvalonMiner 741", "Antminer T9+", "WhatsMiner M3",
          "Antminer S17 Pro")
FUNDING_PER_DAY = 3 * 0.0001  # +0.01 % per 8 h (longs pay shorts) [fraction/day]
TAKER, SETTLE = 0.00075, 0.0005


def load() -> str:
    """The load average (1, 5, 15 min) of the shared machine."""
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def build_spec(n_paths: int, *, n_cohorts: int = 100, owners: int = 1, start: str = "2018-01-01",
               end: str = "2019-12-31", seed: int = 2018) -> EngineSpec:
    """The benchmark farm on ``n_paths`` GBM price paths (same seed: same first paths)."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    market = market_from_coinmetrics(btc, currency="USD", start=start, end=end)
    hist = market_from_coinmetrics(btc, currency="USD", start="2017-01-01", end="2019-12-31")
    sigma = float(np.diff(np.log(hist.price[0])).std())
    rng = np.random.default_rng(seed)
    n_days = market.dates.size
    steps = rng.standard_normal((n_paths, n_days - 1)) * sigma - 0.5 * sigma**2
    paths = market.price[0, 0] * np.exp(np.concatenate(
        [np.zeros((n_paths, 1)), np.cumsum(steps, axis=1)], axis=1))
    market = market.with_price_paths(paths)
    clock = Clock(market.dates)
    catalog = default_catalog()
    machines = [catalog.get(m) for m in MODELS]
    crng = np.random.default_rng(seed + 1)
    pick = crng.integers(0, len(machines), n_cohorts)
    cohorts = Cohorts(
        label=tuple(f"c{i}" for i in range(n_cohorts)),
        model=tuple(machines[i].model for i in pick),
        site=tuple(f"site{i % 7}" for i in range(n_cohorts)),
        hashrate=np.array([machines[i].hashrate for i in pick]),
        power=np.array([machines[i].power for i in pick]),
        count=crng.integers(100, 5000, n_cohorts).astype(float),
        owner=np.arange(n_cohorts) % owners, start_step=0, capex_step=-1, unit_price=0.0,
        uptime=crng.uniform(0.95, 1.0, n_cohorts), pue=crng.uniform(1.02, 1.2, n_cohorts),
        pool_fee=crng.choice([0.0, 0.02, 0.025, 0.04], n_cohorts),
        management_fee=crng.uniform(0, 0.1, n_cohorts), hosting_fee=0.0, restart_cost=0.0,
    )
    tariff = np.broadcast_to(crng.uniform(0.03, 0.09, n_cohorts), (clock.n_steps, n_cohorts))
    fixed = np.full((clock.n_steps, owners), 50.0)
    own = Owners(tuple(f"o{i}" for i in range(owners)), np.full(owners, 5e7 / owners),
                 np.zeros(owners), fixed, np.zeros((clock.n_steps, owners)))
    return EngineSpec(clock, market, cohorts, own, tariff.copy())


def contracts(spec: EngineSpec) -> tuple[list[HedgeContract], np.ndarray]:
    """The two contracts (rolled on the 1st) and their opening days (I, D)."""
    close = roll_days(spec.clock.dates, 1)
    opens = close.copy()
    opens[0] = True
    funding = np.full(spec.clock.n_steps, FUNDING_PER_DAY)
    book = [HedgeContract("linear_future", close, taker_fee=TAKER, settlement_fee=SETTLE),
            HedgeContract("perpetual", close, inverse_perpetual=False, taker_fee=TAKER,
                          funding=funding)]
    return book, np.stack([opens, opens])


def strategy_grid(n: int | None = None) -> dict[str, np.ndarray]:
    """The 330 variants (first ``n``): ratio x horizon x instrument x threshold."""
    g = grid(ratio=np.round(np.linspace(0.0, 1.0, 11), 10), horizon=[15.0, 30.0, 60.0],
             slot=[0, 1], off=np.linspace(-0.2, 0.0, 5))
    return {k: v[:n] for k, v in g.items()} if n is not None else g


def policies(g: dict[str, np.ndarray], opens: np.ndarray, hedge: bool):
    curtail = ShutdownPricePolicy(g["off"], g["off"] + 0.05)
    if not hedge:
        return Policies([curtail]), Treasury(0.0)
    return (Policies([curtail, HedgeShort(g["ratio"], g["horizon"], g["slot"].astype(np.int64),
                                          opens)]),
            Treasury(kept_share(g)))


def kept_share(g: dict[str, np.ndarray]) -> np.ndarray:
    """Share of mined coins kept for the hedge's delivery (farm.build.hedged_treasury's rule)."""
    return np.asarray(np.minimum(1.0, g["ratio"] * np.minimum(1.0, g["horizon"] / 30.0)))


def run_grid(spec: EngineSpec, g: dict[str, np.ndarray], *, hedge: bool, chunk: int,
             engine: str = "numpy"):
    """Run every variant of ``g`` in chunks; return closing (cash, coins) (V, P, O)."""
    book, opens = contracts(spec)
    n = g["ratio"].size
    cash, coins = [], []
    for lo in range(0, n, chunk):
        part = {k: v[lo:lo + chunk] for k, v in g.items()}
        policy, treasury = policies(part, opens, hedge)
        res = run(spec, policy, treasury, instruments=book if hedge else (), engine=engine)
        assert res.path == engine, res.fallback
        cash.append(res.cash)
        coins.append(res.coins)
    return np.concatenate(cash), np.concatenate(coins)


def python_loop(spec: EngineSpec, g: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Plain Python over variants, paths, days, cohorts: the engine's model, hedge included.

    Python floats, per-cohort and per-day constants hoisted. Per day: curtailment on the
    previous day's price and reward; mining; at the close of an opening day a short of
    ratio x horizon x the expected production of the fleet that is on; the book marks
    (variation margin), pays funding (perpetual), closes at the roll (settlement or taker
    fee; the hedged coins delivered at the price) and fills (taker fee); the treasury keeps
    ``ratio x min(1, horizon / 30)`` of the mined coins, sells the rest, buys coins owed,
    pays costs.
    """
    m, coh, own = spec.market, spec.cohorts, spec.owners
    n_c, n_o, n_t, n_p = coh.n, own.n, spec.clock.n_steps, m.n_paths
    count, owner = coh.count.tolist(), coh.owner.tolist()
    uptime, pool = coh.uptime.tolist(), coh.pool_fee.tolist()
    net = [h * u * (1.0 - f) for h, u, f in zip(coh.hashrate.tolist(), uptime, pool,
                                                 strict=True)]
    kwh = [p * e * u * 24 / 1000 for p, e, u in zip(coh.power.tolist(), coh.pue.tolist(),
                                                    uptime, strict=True)]
    mgmt = coh.management_fee.tolist()
    subsidy, fees = m.subsidy[0].tolist(), m.fees_per_block[0].tolist()
    difficulty = m.difficulty[0].tolist()
    rho_day = [86400.0 * (subsidy[d] + fees[d]) / (difficulty[d] * 2.0**32) for d in range(n_t)]
    tariff, fixed = spec.tariff.tolist(), own.fixed_costs.tolist()
    close = roll_days(spec.clock.dates, 1).tolist()
    prices_all = m.price.tolist()
    n_v = g["ratio"].size
    cash_out = np.zeros((n_v, n_p, n_o))
    coins_out = np.zeros((n_v, n_p, n_o))
    kept = kept_share(g).tolist()
    for v in range(n_v):
        ratio, horizon = float(g["ratio"][v]), float(g["horizon"][v])
        perpetual = int(g["slot"][v]) == 1
        off, on_above = float(g["off"][v]), float(g["off"][v]) + 0.05
        for p in range(n_p):
            prices = prices_all[p]
            on_c = [True] * n_c
            cash = [float(x) for x in own.starting_cash]
            coins = [0.0] * n_o
            alive = [True] * n_o
            size = [0.0] * n_o  # coins (< 0 short)
            last = [0.0] * n_o  # last mark
            hedged = [0.0] * n_o
            for t in range(n_t):
                dobs = max(t - 1, 0)
                rho_obs, rho, price_obs, price = rho_day[dobs], rho_day[t], prices[dobs], prices[t]
                mined, opex, expected = [0.0] * n_o, [0.0] * n_o, [0.0] * n_o
                for c in range(n_c):
                    o = owner[c]
                    c_pm = kwh[c] * tariff[t][c] + mgmt[c]
                    rev = net[c] * rho_obs * price_obs
                    on_c[c] = (rev >= c_pm * (1 + off) if on_c[c]
                               else rev > c_pm * (1 + on_above))
                    if on_c[c]:
                        expected[o] += count[c] * net[c] * rho_obs
                    running = count[c] if (on_c[c] and alive[o]) else 0.0
                    mined[o] += running * net[c] * rho
                    opex[o] += running * c_pm
                for o in range(n_o):
                    flow = 0.0
                    delivered = 0.0
                    if size[o] != 0.0:
                        flow += size[o] * (price - last[o])  # variation margin
                        last[o] = price
                        if perpetual:
                            flow += -FUNDING_PER_DAY * size[o] * price
                    if close[t]:
                        if size[o] != 0.0:
                            flow -= (TAKER if perpetual else SETTLE) * abs(size[o]) * price
                            size[o] = 0.0
                        delivered = max(-hedged[o], 0.0)
                        hedged[o] = 0.0
                    if (t == 0 or close[t]) and alive[o]:
                        order = -ratio * horizon * expected[o]
                        if order != 0.0:
                            flow -= TAKER * abs(order) * price
                            size[o] += order
                            last[o] = price
                            hedged[o] += order
                    ins_cash = flow + delivered * price
                    held = coins[o] + mined[o] - delivered
                    bought = max(-held, 0.0)
                    held += bought
                    sold = min((1.0 - kept[v]) * mined[o], held)
                    held -= sold
                    after = (cash[o] + sold * price - opex[o] - (fixed[t][o] + bought * price)
                             + ins_cash)
                    forced = min(held, max(-after, 0.0) / price)
                    cash[o] = after + forced * price
                    coins[o] = held - forced
                    if alive[o] and cash[o] < -0.005:
                        alive[o] = False
            cash_out[v, p] = cash
            coins_out[v, p] = coins
    return cash_out, coins_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=100)
    parser.add_argument("--variants", type=int, default=330)
    parser.add_argument("--chunk", type=int, default=66, help="Variants per engine run.")
    parser.add_argument("--overhead-paths", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kernel-repeats", type=int, default=5)
    parser.add_argument("--numpy-book", action="store_true",
                        help="Also time the book's added cost on the numpy engine.")
    parser.add_argument("--full-engine", choices=("numpy", "compiled"), default="compiled")
    parser.add_argument("--loop-variants", type=int, default=4)
    parser.add_argument("--loop-paths", type=int, default=2)
    parser.add_argument("--loop-cohorts", type=int, default=20)
    parser.add_argument("--loop-days", type=int, default=365)
    parser.add_argument("--threads", type=int, default=0,
                        help="numba threads of the kernel (0: numba's default).")
    args = parser.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    print(f"machine: {machine()}")

    # 1. Same numbers: engine vs plain loop on a subset (varied ratio, horizon, instrument).
    sub = build_spec(args.loop_paths, n_cohorts=args.loop_cohorts,
                     end=str(np.datetime64("2018-01-01") + args.loop_days - 1))
    full = strategy_grid()
    pick = np.linspace(0, full["ratio"].size - 1, args.loop_variants).round().astype(int)
    pick = np.unique(np.concatenate([pick, [205, 206]]))  # ratio 0.6, both instruments
    g_sub = {k: v[pick] for k, v in full.items()}
    engine_cash, engine_coins = run_grid(sub, g_sub, hedge=True, chunk=len(pick))
    loop_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        loop_cash, loop_coins = python_loop(sub, g_sub)
        loop_times.append(time.perf_counter() - t0)
    np.testing.assert_allclose(engine_cash, loop_cash, rtol=1e-9)
    np.testing.assert_allclose(engine_coins, loop_coins, rtol=1e-9, atol=1e-9)
    sub_cells = len(pick) * args.loop_paths * args.loop_cohorts * args.loop_days
    loop_ns = min(loop_times) / sub_cells * 1e9
    print(f"python loop: {min(loop_times):.2f} s (min of {len(loop_times)}, median "
          f"{np.median(loop_times):.2f} s) for {len(pick)} variants x {args.loop_paths} paths x "
          f"{args.loop_cohorts} cohorts x {args.loop_days} days = {loop_ns:,.0f} ns per "
          "cohort-day; engine cash and coins equal the loop's (rtol 1e-9)")

    # The compiled kernel (hedge book included) gives the same numbers on the subset.
    kernel_cash, kernel_coins = run_grid(sub, g_sub, hedge=True, chunk=len(pick),
                                         engine="compiled")
    np.testing.assert_allclose(kernel_cash, loop_cash, rtol=1e-9)
    np.testing.assert_allclose(kernel_coins, loop_coins, rtol=1e-9, atol=1e-9)
    print("kernel: cash and coins equal the loop's (rtol 1e-9)")

    # 2. The book's added cost per cohort-day, interleaved, at 100 and at 1 cohort per owner:
    # the compiled kernel with the book against the kernel without (all variants in one run;
    # a first call of each loads the compiled loop); --numpy-book: the same on numpy.
    g = strategy_grid(args.variants)
    engines = [("compiled", g["ratio"].size, args.kernel_repeats)]
    if args.numpy_book:  # minutes at 1 cohort per owner
        engines.append(("numpy", args.chunk, args.repeats))
    for engine, chunk, repeats in engines:
        for owners in (1, 100):
            spec = build_spec(args.overhead_paths, owners=owners)
            cells = g["ratio"].size * args.overhead_paths * spec.cohorts.n * spec.clock.n_steps
            if engine == "compiled":
                for hedge in (False, True):
                    run_grid(spec, g, hedge=hedge, chunk=chunk, engine=engine)
            times: dict[bool, list[float]] = {False: [], True: []}
            cpu: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(repeats):
                for hedge in (False, True):
                    t0, c0 = time.perf_counter(), time.process_time()
                    run_grid(spec, g, hedge=hedge, chunk=chunk, engine=engine)
                    times[hedge].append(time.perf_counter() - t0)
                    cpu[hedge].append(time.process_time() - c0)
            plain, book = min(times[False]), min(times[True])
            # CPU time (all threads): steadier than wall time on a shared machine.
            cpu_added = min(cpu[True]) / min(cpu[False]) - 1
            cpu_median = np.median(cpu[True]) / np.median(cpu[False]) - 1
            print(f"{engine}, {100 // owners} cohort(s) per owner ({owners} owner(s)), "
                  f"{args.overhead_paths} paths, {numba.get_num_threads()} threads: without "
                  f"hedge {plain / cells * 1e9:.2f} ns/cohort-day (median "
                  f"{np.median(times[False]) / cells * 1e9:.2f}), with hedge "
                  f"{book / cells * 1e9:.2f} (median "
                  f"{np.median(times[True]) / cells * 1e9:.2f}): the book adds "
                  f"{book / plain - 1:+.0%} (medians "
                  f"{np.median(times[True]) / np.median(times[False]) - 1:+.0%}); CPU time "
                  f"{min(cpu[False]) / cells * 1e9:.2f} -> {min(cpu[True]) / cells * 1e9:.2f} "
                  f"ns: {cpu_added:+.0%} (medians {cpu_median:+.0%}); load {load()}")

    # 3. The full grid: 330 variants x 100 paths x 100 cohorts x 730 days, one owner.
    spec = build_spec(args.paths)
    cells = g["ratio"].size * args.paths * spec.cohorts.n * spec.clock.n_steps
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    full_chunk = args.chunk if args.full_engine == "numpy" else g["ratio"].size
    cash, coins = run_grid(spec, g, hedge=True, chunk=full_chunk, engine=args.full_engine)
    full_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine_ns = full_s / cells * 1e9
    print(f"full grid: {g['ratio'].size} variants x {args.paths} paths x {spec.cohorts.n} "
          f"cohorts x {spec.clock.n_steps} days = {cells:.3g} cohort-days in {full_s:.1f} s "
          f"({engine_ns:.1f} ns per cohort-day), {args.full_engine} engine, chunks of "
          f"{full_chunk} variants; load {load()}; peak RSS "
          f"{rss1:,.0f} MB (before {rss0:,.0f} MB)")
    print(f"ratio vs the plain loop: {loop_ns / engine_ns:,.0f}x per cohort-day")
    equity = cash + coins * spec.market.price[None, :, -1, None]
    lo, hi = g["ratio"] == g["ratio"].min(), g["ratio"] == g["ratio"].max()
    print(f"check: closing equity (cash + coins at the last price) across variants and paths, "
          f"ratio {g['ratio'].min():g}: mean {equity[lo].mean():,.0f}, 5 % "
          f"{np.quantile(equity[lo], 0.05):,.0f} USD; ratio {g['ratio'].max():g}: mean "
          f"{equity[hi].mean():,.0f}, 5 % {np.quantile(equity[hi], 0.05):,.0f} USD")

if __name__ == "__main__":
    main()
