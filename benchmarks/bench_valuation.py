"""Benchmark: option-adjusted values of 100 models x 5,000 real dates (issue 11).

Goal: the (model, date) table of used-machine values — each the strip of daily unplug
options over a 2-year life at a weekly valuation step (105 steps) — in < 5 s, and its
ratio to a fair plain loop (Python floats, every per-model and per-(date, step)
constant hoisted out of the inner loop, math.erfc for the normal CDF), timed on a
10 models x 100 dates subset and scaled; the table's cells on that subset equal the
loop's (asserted, rtol 1e-9).

Inputs per date from btc_daily.csv: close [USD], difficulty, subsidy, fees per block
(7-day mean), volatility (90-day std of log returns), difficulty growth (trailing
365-day log change, per year), days to the next halving; tariff 0.05 USD/kWh, PUE 1,
2 % pool fee, 10 %/year discount rate.

Run: python benchmarks/bench_valuation.py
"""

from __future__ import annotations

import datetime as dt
import math
import time

import numpy as np
import pandas as pd

from _shared import best_of, machine, shared_data_file
from hashwinter.assets.table import value_table
from hashwinter.chain.schedule import KNOWN_HALVINGS
from hashwinter.hardware import default_catalog

N_MODELS, N_DATES = 100, 5_000
SUB_MODELS, SUB_DATES = 10, 100
TARIFF, POOL_FEE, RATE, LIFE, STEP = 0.05, 0.02, 0.10, 730.0, 7.0


def inputs() -> dict[str, np.ndarray]:
    asics = default_catalog().machines(algorithm="sha256")
    picked = [asics[i % len(asics)] for i in range(N_MODELS)]
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), parse_dates=["date"])
    logret = np.log(btc["price_usd"]).diff()
    btc["sigma"] = logret.rolling(90).std()
    btc["growth"] = np.log(btc["difficulty"]).diff(365).clip(lower=-1.0)
    btc["fees"] = (btc["fees_btc"] / btc["blk_cnt"]).rolling(7).mean()
    btc = btc.dropna().tail(N_DATES)
    halvings = pd.to_datetime(sorted(KNOWN_HALVINGS.values()))
    dates = btc["date"].to_numpy()
    nxt = np.searchsorted(halvings.to_numpy(), dates, side="right")
    to_halving = np.full(len(dates), np.inf)
    has = nxt < len(halvings)
    to_halving[has] = (halvings.to_numpy()[nxt[has]] - dates[has]) / np.timedelta64(1, "D")
    return {
        "hashrate": np.array([m.hashrate for m in picked]),
        "power": np.array([m.power for m in picked]),
        "price": btc["price_usd"].to_numpy(),
        "difficulty": btc["difficulty"].to_numpy(),
        "subsidy": btc["mean_subsidy_btc"].to_numpy(),
        "fees": btc["fees"].to_numpy(),
        "sigma": btc["sigma"].to_numpy(),
        "growth": btc["growth"].to_numpy(),
        "to_halving": to_halving,
    }


def table(x: dict[str, np.ndarray]) -> np.ndarray:
    return value_table(
        x["hashrate"], x["power"], price=x["price"], difficulty=x["difficulty"],
        subsidy=x["subsidy"], fees_per_block=x["fees"], tariff=TARIFF, pool_fee=POOL_FEE,
        sigma_per_day=x["sigma"], difficulty_growth_per_year=x["growth"],
        discount_rate_per_year=RATE, life_days=LIFE, days_to_halving=x["to_halving"],
        step_days=STEP)


def plain_loop(x: dict[str, np.ndarray], models: range, dates: range) -> list[list[float]]:
    """The same values one (model, date, step) at a time, in Python floats."""
    n_steps = math.ceil(LIFE / STEP - 1e-9)
    steps = []
    for k in range(n_steps):
        length = min(STEP, LIFE - k * STEP)
        t = k * STEP + 0.5 * length
        steps.append((t, math.sqrt(t), math.exp(-RATE * t / 365.25) * length))
    hashrate, power = x["hashrate"].tolist(), x["power"].tolist()
    cols = {k: x[k].tolist() for k in ("price", "difficulty", "subsidy", "fees", "sigma",
                                       "growth", "to_halving")}
    # Per (date, step): the revenue of one unit of (hashrate * 86400 / 2^32 * (1 - fee)),
    # the total volatility and the discounted step length.
    per_date = []
    for j in dates:
        s0, d0, sub, fees = (cols[k][j] for k in ("price", "difficulty", "subsidy", "fees"))
        sig, g, halving = cols["sigma"][j], cols["growth"][j], cols["to_halving"][j]
        rows = []
        for t, sqrt_t, weight in steps:
            reward = (0.5 * sub if t >= halving else sub) + fees
            rows.append((reward / (d0 * math.exp(g * t / 365.25)) * s0, sig * sqrt_t, weight))
        per_date.append(rows)
    out = []
    for i in models:
        unit = hashrate[i] * 86400.0 / 4294967296.0 * (1.0 - POOL_FEE)
        cost = power[i] / 1000.0 * 24.0 * TARIFF
        row = []
        for rows in per_date:
            total = 0.0
            for unit_revenue, vol, weight in rows:
                revenue = unit * unit_revenue
                d1 = math.log(revenue / cost) / vol + 0.5 * vol
                call = (revenue * 0.5 * math.erfc(-d1 / math.sqrt(2.0))
                        - cost * 0.5 * math.erfc(-(d1 - vol) / math.sqrt(2.0)))
                total += call * weight
            row.append(max(total, 0.0))
        out.append(row)
    return out


def main() -> None:
    x = inputs()
    cells = N_MODELS * N_DATES
    step = N_DATES // SUB_DATES
    sub_dates = range(0, N_DATES, step)
    start = time.perf_counter()
    loop = np.array(plain_loop(x, range(SUB_MODELS), sub_dates))
    loop_s = time.perf_counter() - start
    loop_full_s = loop_s * cells / loop.size
    seconds, values = best_of(3, lambda: table(x))
    assert isinstance(values, np.ndarray) and values.shape == (N_MODELS, N_DATES)
    np.testing.assert_allclose(values[:SUB_MODELS, ::step], loop, rtol=1e-9, atol=1e-9)
    print(f"# valuation table benchmark, {dt.date.today()}, {machine()}")
    print(f"cells: {N_MODELS} models x {N_DATES} dates x {math.ceil(LIFE / STEP)} weekly steps")
    print(f"fair plain loop: {loop_s:.2f} s on {loop.size:,} cells -> "
          f"{loop_full_s:,.0f} s scaled to the full table")
    print(f"vectorized: {seconds:.3f} s (best of 3), {loop_full_s / seconds:,.0f}x the loop; "
          f"goal < 5 s: {'met' if seconds < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
