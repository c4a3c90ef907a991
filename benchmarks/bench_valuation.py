"""Benchmark: option-adjusted values of 100 models x 5,000 real dates (issue 11).

Goal: the (model, date) table of used-machine values — each the strip of daily unplug
options over a 2-year life at a weekly valuation step (105 steps) — in < 5 s, and its
ratio to a fair plain loop (Python floats, every per-model and per-(date, step)
constant hoisted out of the inner loop, math.erfc for the normal CDF), timed on a
10 models x 100 dates subset and scaled; the table's cells on that subset equal the
loop's (asserted, rtol 1e-9).

Inputs per date from btc_daily.csv through ``hashwinter.assets.valuation_inputs``: close
[USD], difficulty, subsidy, fees per block (7-day mean), volatility (90-day std of log
returns), difficulty growth (trailing 365-day log change, per year), days to the next
halving; tariff 0.05 USD/kWh, PUE 1, 2 % pool fee, 10 %/year discount rate. The loop and the
table are timed interleaved, three times each; min and median are reported and the ratio is
of the minima, measured in one run.

Run: python benchmarks/bench_valuation.py
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time

import numpy as np
import pandas as pd

from _shared import machine, shared_data_file
from hashwinter.assets.inputs import valuation_inputs
from hashwinter.assets.table import value_table
from hashwinter.hardware import default_catalog

N_MODELS, N_DATES = 100, 5_000
SUB_MODELS, SUB_DATES = 10, 500
TARIFF, POOL_FEE, RATE, LIFE, STEP = 0.05, 0.02, 0.10, 730.0, 7.0


def inputs() -> dict[str, np.ndarray]:
    asics = default_catalog().machines(algorithm="sha256")
    picked = [asics[i % len(asics)] for i in range(N_MODELS)]
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), parse_dates=["date"], index_col="date")
    daily = pd.DataFrame({
        "price": btc["price_usd"], "difficulty": btc["difficulty"],
        "subsidy": btc["mean_subsidy_btc"],
        "fees_per_block": (btc["fees_btc"] / btc["blk_cnt"]).rolling(7, min_periods=1).mean(),
    })
    # The package's own per-date inputs: 90-day volatility, trailing-year difficulty growth,
    # days to the next halving.
    x = valuation_inputs(daily).tail(N_DATES)
    return {
        "hashrate": np.array([m.hashrate for m in picked]),
        "power": np.array([m.power for m in picked]),
        "price": x["price"].to_numpy(),
        "difficulty": x["difficulty"].to_numpy(),
        "subsidy": x["subsidy"].to_numpy(),
        "fees": x["fees_per_block"].to_numpy(),
        "sigma": x["sigma_per_day"].to_numpy(),
        "growth": x["difficulty_growth_per_year"].to_numpy(),
        "to_halving": x["days_to_halving"].to_numpy(),
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
    loop_times, table_times = [], []
    for _ in range(3):  # interleaved: the machine is shared and noisy
        start = time.perf_counter()
        loop = np.array(plain_loop(x, range(SUB_MODELS), sub_dates))
        loop_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        values = table(x)
        table_times.append(time.perf_counter() - start)
        assert values.shape == (N_MODELS, N_DATES)
        np.testing.assert_allclose(values[:SUB_MODELS, ::step], loop, rtol=1e-9, atol=1e-9)
        del values
    scale = cells / loop.size
    loop_min, loop_med = min(loop_times) * scale, statistics.median(loop_times) * scale
    tab_min, tab_med = min(table_times), statistics.median(table_times)
    print(f"# valuation table benchmark, {dt.date.today()}, {machine()}")
    print(f"cells: {N_MODELS} models x {N_DATES} dates x {math.ceil(LIFE / STEP)} weekly steps")
    print(f"fair plain loop on {loop.size:,} cells, scaled to the full table: "
          f"min {loop_min:,.1f} s, median {loop_med:,.1f} s")
    print(f"vectorized: min {tab_min:.3f} s, median {tab_med:.3f} s; ratio (minima) "
          f"{loop_min / tab_min:,.0f}x; goal < 5 s: {'met' if tab_min < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
