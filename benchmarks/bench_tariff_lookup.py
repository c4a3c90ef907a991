"""Benchmark: vectorized tariff lookup for millions of timestamps vs a plain Python loop.

The engine prices every (step, cohort) with ``tariff.price_per_kwh(times)``; an
hourly run of 20 years is 175,000 steps per site. This prices 2,000,000 random
timestamps (1990-2040, seconds resolution) with each tariff kind and compares
with a plain Python loop over the first 20,000 (the same numbers, asserted),
scaled to the full count.

Run: python benchmarks/bench_tariff_lookup.py
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

import numpy as np

from _shared import best_of, machine
from hashwinter.energy import (
    SICHUAN_HYDRO_2018,
    Tier,
    TieredTariff,
    TimeOfUseBand,
    TimeOfUseTariff,
)

N, SUB = 2_000_000, 20_000

TOU = TimeOfUseTariff(
    currency="CNY",
    bands=[
        TimeOfUseBand(start=8, end=22, price=0.60),
        TimeOfUseBand(start=22, end=8, price=0.30, days="weekday"),
        TimeOfUseBand(start=22, end=8, price=0.20, days="weekend"),
    ],
)
TOU_SHANGHAI = TimeOfUseTariff.model_validate({**TOU.model_dump(), "timezone": "Asia/Shanghai"})
TIERED = TieredTariff(
    currency="CNY",
    tiers=[Tier(up_to_kwh=1e5, price=0.5), Tier(up_to_kwh=1e6, price=0.4), Tier(price=0.3)],
)


def loop_seasonal(whens: list[dt.datetime]) -> list[float]:
    out = []
    for w in whens:
        md = (w.month, w.day)
        out.append(0.08 if (4, 1) <= md <= (10, 31) else 0.28)
    return out


def loop_tou(whens: list[dt.datetime], zone: str | None = None) -> list[float]:
    tz = zoneinfo.ZoneInfo(zone) if zone else None
    out = []
    for w in whens:
        if tz is not None:
            w = w.replace(tzinfo=dt.UTC).astimezone(tz)
        if 8 <= w.hour < 22:
            out.append(0.60)
        else:
            out.append(0.20 if w.weekday() >= 5 else 0.30)
    return out


def loop_tiered(kwh: list[float]) -> list[float]:
    return [0.5 if k <= 1e5 else 0.4 if k <= 1e6 else 0.3 for k in kwh]


def main() -> None:
    rng = np.random.default_rng(2018)
    lo = np.datetime64("1990-01-01T00:00:00").astype(np.int64)
    hi = np.datetime64("2040-01-01T00:00:00").astype(np.int64)
    times = rng.integers(lo, hi, size=N).astype("datetime64[s]")
    kwh = rng.uniform(0, 3e6, size=N)
    whens = times[:SUB].astype(dt.datetime).tolist()
    kwh_sub = kwh[:SUB].tolist()

    cases = [
        (
            "seasonal (Sichuan)",
            lambda: SICHUAN_HYDRO_2018.price_per_kwh(times),
            lambda: loop_seasonal(whens),
        ),
        ("time of use", lambda: TOU.price_per_kwh(times), lambda: loop_tou(whens)),
        (
            "time of use, Asia/Shanghai",
            lambda: TOU_SHANGHAI.price_per_kwh(times),
            lambda: loop_tou(whens, "Asia/Shanghai"),
        ),
        (
            "tiered (marginal)",
            lambda: TIERED.price_per_kwh(times, monthly_kwh=kwh),
            lambda: loop_tiered(kwh_sub),
        ),
    ]
    print(f"tariff lookup, {N:,} timestamps; loop on {SUB:,} scaled x{N // SUB}")
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print(f"{'kind':<28} {'vectorized [s]':>15} {'loop (scaled) [s]':>18} {'ratio':>8}")
    for name, vec, loop in cases:
        t_vec, got = best_of(3, vec)
        t_loop, ref = best_of(1, loop)
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got[:SUB], ref)
        scaled = t_loop * N / SUB
        print(f"{name:<28} {t_vec:>15.3f} {scaled:>18.2f} {scaled / t_vec:>7.0f}x")


if __name__ == "__main__":
    main()
