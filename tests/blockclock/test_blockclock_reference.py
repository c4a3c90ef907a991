"""The vectorized block clock against an independent per-path, per-block Python loop."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.engine import simulate_blocks
from hashwinter.market import GBM
from hashwinter.network import SigmoidSupply

T = 14 * 24 * 3600  # two weeks [s]
SUPPLY = SigmoidSupply.from_eh_units(55, 3, 1.5)
D0 = 6_653_303_141_406.0


def _reward(height: int) -> float:
    return 50.0 / 2 ** (height // 210_000) + 0.1  # subsidy + 0.1 BTC fees


def _noda_sigmoid(r: float) -> float:
    # Noda et al.'s own clipped logistic (code/simulation_fixed_path.py).
    x = 3 * (r * 1e18 - 1.5)
    bound = 34.538776394910684
    share = 1e-15 if x <= -bound else (1 - 1e-15 if x >= bound else 1 / (1 + math.exp(-x)))
    return 55e18 * share


def _suitable(times: dict[int, float], top: int) -> int:
    """Bitcoin ABC's GetSuitableBlock: the middle of three blocks by timestamp."""
    return sorted((top, top - 1, top - 2), key=times.__getitem__)[1]


def reference_path(rule, e, z, *, start, n_blocks, s0, mu, sigma, pre, horizon=None, every=None):
    """One path, written from the protocol descriptions, not from the vectorized code.

    With ``every``, ``out["trace"]`` has one row per snapshot of ``every`` blocks:
    (mean counted interval, t, d, hashrate, price) after its last counted block,
    all NaN if the horizon had passed before the snapshot began.
    """
    times = {start - 1 - k: -k * pre for k in range(2100)}
    diffs = {start - 1 - k: D0 for k in range(2100)}
    t, d, price = 0.0, D0, s0
    out = {"count": 0, "total": 0.0, "sumsq": 0.0, "max": 0.0}
    n_snap = -(-n_blocks // every) if every else 0
    trace = [[math.nan] * 5 for _ in range(n_snap)]
    bucket = []
    for i in range(n_blocks):
        if horizon is not None and t >= horizon:
            break
        h = start + i
        hashrate = _noda_sigmoid(price * _reward(h) / (d * 2**32))
        dt = e[i] * d * 2**32 / hashrate
        t += dt
        out["count"] += 1
        out["total"] += dt
        out["sumsq"] += dt * dt
        out["max"] = max(out["max"], dt)
        days = dt / 86400
        price *= math.exp((mu - sigma**2 / 2) * days + sigma * math.sqrt(days) * z[i])
        times[h], diffs[h] = t, d
        if rule == "bitcoin":
            # Bitcoin Core pow.cpp: at the end of a 2016-block window, span from its
            # first to its last block, clamped to [T/4, 4T].
            if (h + 1) % 2016 == 0:
                span = min(max(times[h] - times[h - 2015], T / 4), 4 * T)
                d = max(d * T / span, 1.0)
        else:
            # Bitcoin ABC GetNextCashWorkRequired (cw-144): suitable block = median
            # by time of three; work between first and last over their time span.
            last, first = _suitable(times, h), _suitable(times, h - 144)
            work = sum(diffs[k] for k in range(first + 1, last + 1))
            span = min(max(times[last] - times[first], 72 * 600), 288 * 600)
            d = max(work * 600 / span, 1.0)
        if every:
            bucket.append(dt)
            trace[i // every] = [sum(bucket) / len(bucket), t, d, hashrate, price]
            if (i + 1) % every == 0:
                bucket = []
    out.update(end_time=t, end_d=d, end_price=price, trace=np.array(trace).reshape(n_snap, 5))
    return out


@pytest.mark.parametrize("horizon", [None, 25 * 86400.0])
def test_matches_reference_loop(horizon):
    n_paths, n_blocks, start = 3, 4500, 551_443
    rng = np.random.default_rng(42)
    e = rng.standard_exponential((n_blocks, n_paths))
    z = rng.standard_normal((n_blocks, n_paths))
    price = GBM(s0=3604.59, mu=0.0, sigma=0.0424)
    res = simulate_blocks(
        [BitcoinRule(), RollingWindowRule()], SUPPLY, price,
        n_paths=n_paths, n_blocks=n_blocks, d0=D0, start_height=start, fees_per_block=0.1,
        horizon_s=horizon, draws=(e, z),
    )  # fmt: skip
    for r, rule in enumerate(("bitcoin", "cw-144")):
        for p in range(n_paths):
            ref = reference_path(
                rule, e[:, p], z[:, p], start=start, n_blocks=n_blocks,
                s0=3604.59, mu=0.0, sigma=0.0424, pre=600.0, horizon=horizon,
            )  # fmt: skip
            assert res.count[r, p] == ref["count"]
            np.testing.assert_allclose(res.total_s[r, p], ref["total"], rtol=1e-9)
            np.testing.assert_allclose(res.sumsq_s2[r, p], ref["sumsq"], rtol=1e-9)
            np.testing.assert_allclose(res.max_interval_s[r, p], ref["max"], rtol=1e-9)
            np.testing.assert_allclose(res.end_time_s[r, p], ref["end_time"], rtol=1e-9)
            np.testing.assert_allclose(res.end_difficulty[r, p], ref["end_d"], rtol=1e-9)
            np.testing.assert_allclose(res.end_price[r, p], ref["end_price"], rtol=1e-9)


def test_rng_draw_contract():
    # With rng, the clock draws per 64-block chunk: exponentials then normals.
    n_paths, n_blocks = 4, 150
    rng = np.random.default_rng(3)
    e = np.empty((n_blocks, n_paths))
    z = np.empty((n_blocks, n_paths))
    for i in range(0, n_blocks, 64):
        size = (min(64, n_blocks - i), n_paths)
        e[i : i + 64] = rng.standard_exponential(size)
        z[i : i + 64] = rng.standard_normal(size)
    kw = dict(n_paths=n_paths, n_blocks=n_blocks, d0=D0, start_height=100)
    price = GBM(s0=4000.0, mu=0.0, sigma=0.03)
    a = simulate_blocks([RollingWindowRule()], SUPPLY, price, draws=(e, z), **kw)
    b = simulate_blocks([RollingWindowRule()], SUPPLY, price, rng=np.random.default_rng(3), **kw)
    np.testing.assert_array_equal(a.total_s, b.total_s)
    np.testing.assert_array_equal(a.end_price, b.end_price)


@pytest.mark.parametrize("horizon", [None, 25 * 86400.0, 1.3333333 * 86400.0])
def test_trace_matches_reference_loop(horizon):
    # Snapshots of 100 blocks; the horizons stop the loop mid-snapshot (25 days is
    # ~3,600 blocks at 10 minutes; 1.33 days ~192), so the partial one must be kept.
    n_paths, n_blocks, start, every = 3, 4500, 551_443, 100
    rng = np.random.default_rng(7)
    e = rng.standard_exponential((n_blocks, n_paths))
    z = rng.standard_normal((n_blocks, n_paths))
    price = GBM(s0=3604.59, mu=0.0, sigma=0.0424)
    res = simulate_blocks(
        [BitcoinRule(), RollingWindowRule()], SUPPLY, price,
        n_paths=n_paths, n_blocks=n_blocks, d0=D0, start_height=start, fees_per_block=0.1,
        horizon_s=horizon, trace_every=every, draws=(e, z),
    )  # fmt: skip
    np.testing.assert_array_equal(res.trace_height, start + np.arange(45) * every + every - 1)
    for r, rule in enumerate(("bitcoin", "cw-144")):
        for p in range(n_paths):
            ref = reference_path(
                rule, e[:, p], z[:, p], start=start, n_blocks=n_blocks,
                s0=3604.59, mu=0.0, sigma=0.0424, pre=600.0, horizon=horizon, every=every,
            )["trace"]  # fmt: skip
            got = np.stack(
                [res.trace_interval_s[r, p], res.trace_time_s[r, p], res.trace_difficulty[r, p],
                 res.trace_hashrate[r, p], res.trace_price[r, p]], axis=1,
            )  # fmt: skip
            # float32 storage: 1e-6 relative.
            np.testing.assert_allclose(got, ref, rtol=1e-6)
            if horizon is not None:
                # Some snapshots counted nothing (NaN), none is a made-up zero.
                assert np.isnan(got[-1]).all()
                assert not (got == 0).any()
