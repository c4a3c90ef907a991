"""Farm scenarios with network.mode = "endogenous": equilibrium, a crash by hand, a loop, errors."""

from __future__ import annotations

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashwinter.cli.app import main
from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware import default_catalog
from hashwinter.parallel import open_executor
from hashwinter.scenario import load_scenario
from hashwinter.scenario.config import EndogenousLinearSupplySpec, EndogenousSigmoidSupplySpec
from hashwinter.scenario.endogenous import EQUILIBRIUM_INTERVAL_S, calibrate_supply
from hashwinter.scenario.farmrun import FarmChunk, farm_jobs, run_farms, simulate_farm_chunk

FARM = """\
name = "endo farm"
currency = "CNY"
pool_fee = 0.02

[[sites]]
name = "hall"
capacity_slots = 200
capacity_mw = 1.0
tariff = { kind = "flat", price = 0.30, currency = "CNY" }

[[fleet]]
model = "Antminer S9"
count = 100
site = "hall"
purchase_date = 2018-01-01
unit_price = 1000

[treasury]
strategy = "hodl"
starting_cash = 1000000

[policy]
kind = "always_on"
"""

HEADER = """\
name = "endo test"
paths = {paths}
seed = 5
chunk_paths = {chunk}
start = 2018-11-25
horizon_days = {days}

[price]
process = "gbm"
s0 = 4000.0
mu_per_day = 0.0
sigma_per_day = {sigma}

[market]
currency = "USD"
fx_per_usd = {{ CNY = 7.0 }}

[[farms]]
file = "farm.toml"
"""

ENDOGENOUS = """
[network]
mode = "endogenous"
difficulty = 6653303141406
start_height = {height}
fees_per_block = 0.25

[network.supply]
form = "sigmoid"
h_max_ehs = {h_max}
k_per_usd_per_eh = 1.5
"""

EXOGENOUS = """
[network]
mode = "exogenous"
projection = "growth"
difficulty = 6653303141406
monthly_growth = 0.0
fees_per_block = 0.25
start_height = {height}
"""

D0 = 6_653_303_141_406.0
T = 2016 * 600.0  # Bitcoin's target timespan [s]
REWARD = 12.5 + 0.25
H_MAX = 70e18
K = 1.5e18  # per (USD per hash)
# A retarget every 2016 blocks: start 1,000 blocks into the window that ends at 552,384.
HEIGHT = 552_384 - 1016


def _write(tmp_path: Path, mode: str, *, paths=4, chunk=4, days=40, sigma=0.0, h_max=70.0,
           height=HEIGHT, name="s.toml") -> Path:  # fmt: skip
    (tmp_path / "farm.toml").write_text(FARM)
    body = HEADER.format(paths=paths, chunk=chunk, days=days, sigma=sigma)
    net = ENDOGENOUS if mode == "endogenous" else EXOGENOUS
    path = tmp_path / name
    path.write_text(body + net.format(height=height, h_max=h_max))
    return path


def _run(path: Path):
    with ThreadPoolExecutor(1) as ex:
        (fp,) = run_farms(load_scenario(path), ex, progress=False)
    return fp


def _farm_hashrate() -> float:
    return 100 * default_catalog().get("Antminer S9").hashrate  # uptime 1


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _hand_r0(s0: float = 4000.0) -> tuple[float, float]:
    """Calibration by hand: rest(R_start) = D0 2^32 / (600 2016/2015) - farm [H/s]."""
    h_eq = D0 * 2**32 / (600.0 * 2016 / 2015)
    rest = h_eq - _farm_hashrate()
    r_start = s0 * REWARD / (D0 * 2**32)
    share = rest / H_MAX
    return r_start - math.log(share / (1 - share)) / K, h_eq


def test_equilibrium_interval_is_bitcoins_fixed_point():
    # Bitcoin Core measures 2015 intervals of a 2016-block window: at 600 s each the
    # difficulty would rise by 2016/2015; it is unchanged at 600 * 2016 / 2015 s.
    assert EQUILIBRIUM_INTERVAL_S == pytest.approx(600.297766749, rel=1e-12)


def test_flat_price_equilibrium_equals_exogenous_constant_difficulty(tmp_path):
    # 40 days cross two retargets (~7 and ~21 days in); the price never moves.
    endo = _run(_write(tmp_path, "endogenous"))
    exo = _run(_write(tmp_path, "exogenous", name="x.toml"))
    np.testing.assert_allclose(endo.difficulty, D0, rtol=1e-12)
    _, h_eq = _hand_r0()
    np.testing.assert_allclose(endo.network_hashrate, h_eq, rtol=1e-12)
    # Blocks at the equilibrium interval: the height grows by 86400/600.30 a day.
    days = np.arange(1, 41)[:, None]
    expected = np.broadcast_to(HEIGHT + days * 86_400 / EQUILIBRIUM_INTERVAL_S, (40, 4))
    np.testing.assert_allclose(endo.height, expected, rtol=1e-12)
    assert endo.height[-1, 0] > 552_384 + 2016  # two retargets happened
    # The farm's coins depend only on difficulty and reward: the same as the exogenous run.
    np.testing.assert_allclose(endo.mined, exo.mined, rtol=1e-10)
    np.testing.assert_allclose(endo.pnl, exo.pnl, rtol=1e-10)
    np.testing.assert_allclose(endo.cash, exo.cash, rtol=1e-12)
    # And coins a day by hand: h 86400 / (D 2^32) (subsidy + fees) (1 - pool fee).
    per_day = _farm_hashrate() * 86_400 / (D0 * 2**32) * REWARD * 0.98
    np.testing.assert_allclose(np.diff(endo.mined[:, 0]), per_day, rtol=1e-10)


@dataclasses.dataclass(frozen=True)
class CrashPrice:
    """Deterministic path: s0 on day 0, s0/2 from day 1 on (a -50 % crash)."""

    s0: float
    dt_days: float = 1.0

    def simulate(self, n_paths, n_steps, rng):
        path = np.full((n_paths, n_steps + 1), self.s0 / 2)
        path[:, 0] = self.s0
        return path


def _crash_run(tmp_path: Path, mode: str):
    (job,) = farm_jobs(load_scenario(_write(tmp_path, mode, paths=1, days=30, name=mode)))
    job = dataclasses.replace(job, price=CrashPrice(4000.0))
    return simulate_farm_chunk(FarmChunk(job, 1, np.random.SeedSequence(0)))


def test_price_crash_hashrate_leaves_blocks_slow_difficulty_falls_by_the_rule(tmp_path):
    endo = _crash_run(tmp_path, "endogenous")
    exo = _crash_run(tmp_path, "exogenous")
    r0, h_eq = _hand_r0()
    farm = _farm_hashrate()
    # Days 0 and 1 see the start price (day 1 sees day 0's close): equilibrium.
    np.testing.assert_allclose(endo.network_hashrate[:2, 0], h_eq, rtol=1e-12)
    # Day 2 sees the crash: revenue per hash halves, the sigmoid gives the rest.
    r_crash = 2000.0 * REWARD / (D0 * 2**32)
    total = H_MAX * _sigmoid(K * (r_crash - r0)) + farm
    assert total < 0.6 * h_eq  # about 47 % of the hashrate leaves at once
    assert endo.network_hashrate[2, 0] == pytest.approx(total, rel=1e-12)
    # Blocks slow down: fewer than 144 blocks on day 2, each D 2^32 / H seconds.
    interval = D0 * 2**32 / total
    assert endo.height[2, 0] - endo.height[1, 0] == pytest.approx(86_400 / interval, rel=1e-12)
    assert interval > 1100  # about 19 minutes
    # The retarget: blocks 1,000 .. 2,015 of the window; the first 1,000 at the equilibrium
    # interval before the run, 2 days of equilibrium blocks, then the slow ones.
    start = 1000 * EQUILIBRIUM_INTERVAL_S
    left = 1016 - 2 * 86_400 / EQUILIBRIUM_INTERVAL_S
    window = start + 2 * 86_400 + left * interval
    d1 = D0 * T / (window * 2015 / 2016)  # within the x4 clamp
    assert 0.6 < d1 / D0 < 0.8
    day = int((2 * 86_400 + left * interval) // 86_400)
    assert endo.difficulty[day - 1, 0] == D0
    assert endo.difficulty[day, 0] == pytest.approx(d1, rel=1e-12)
    # After the retarget (whole days until the next one) the farm mines D0/D1 times more
    # coins a day than with a constant difficulty; before it, the same.
    mined_endo, mined_exo = np.diff(endo.mined[:, 0]), np.diff(exo.mined[:, 0])
    np.testing.assert_allclose(mined_endo[: day - 1], mined_exo[: day - 1], rtol=1e-12)
    after = slice(day, day + 5)
    assert np.all(mined_endo[after] > mined_exo[after])
    np.testing.assert_allclose(mined_endo[after] / mined_exo[after], D0 / d1, rtol=1e-10)
    # The cushion reaches the P&L: the hodl farm ends with more coins and equity.
    assert endo.coins[-1, 0] > exo.coins[-1, 0]
    assert endo.pnl[-1, 0] > exo.pnl[-1, 0]


def _loop_reference(prices: np.ndarray, r0: float) -> tuple[np.ndarray, np.ndarray]:
    """One path, day by day, block clock split at retargets: (difficulty, coins mined)."""
    farm = _farm_hashrate()
    d, height = D0, float(HEIGHT)
    elapsed = (HEIGHT % 2016) * EQUILIBRIUM_INTERVAL_S
    diffs, coins = [], []
    for day in range(prices.size):
        seen = prices[max(day - 1, 0)]
        rest = H_MAX * _sigmoid(K * (seen * REWARD / (d * 2**32) - r0))
        total = rest + farm
        left, mined = 86_400.0, 0.0
        while left > 0:
            rate = total / (d * 2**32)
            boundary = (math.floor(height / 2016) + 1) * 2016
            to_boundary = (boundary - height) / rate
            seg = min(left, to_boundary)
            mined += farm * 0.98 * seg * REWARD / (d * 2**32)
            elapsed += seg
            left -= seg
            if to_boundary <= seg:
                height = boundary
                span = min(max(elapsed * 2015 / 2016, T / 4), 4 * T)
                d = d * T / span
                elapsed = 0.0
            else:
                height += seg * rate
        diffs.append(d)
        coins.append(mined)
    return np.array(diffs), np.cumsum(coins)


def test_gbm_paths_equal_a_plain_loop(tmp_path):
    fp = _run(_write(tmp_path, "endogenous", paths=3, chunk=3, days=45, sigma=0.05))
    r0, _ = _hand_r0()
    assert np.ptp(fp.difficulty[-1]) > 0  # paths differ
    for p in range(3):
        diff, mined = _loop_reference(fp.price[:, p] / 7.0, r0)
        np.testing.assert_allclose(fp.difficulty[:, p], diff, rtol=1e-10)
        np.testing.assert_allclose(fp.mined[:, p], mined, rtol=1e-10)


@pytest.mark.slow
def test_same_seed_same_numbers_on_every_executor(tmp_path):
    path = _write(tmp_path, "endogenous", paths=12, chunk=5, days=20, sigma=0.04)
    loaded = load_scenario(path)
    with ThreadPoolExecutor(1) as ex:
        (ref,) = run_farms(loaded, ex, progress=False)
    with open_executor(workers=2) as ex:
        (pool,) = run_farms(loaded, ex, progress=False)
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        # ":0", not None: with None the scheduler still serves HTTP on 8787 (warns when taken).
        dashboard_address=":0", silence_logs=40,
    ) as cluster:  # fmt: skip
        with open_executor(cluster.scheduler_address) as ex:
            (dask,) = run_farms(loaded, ex, progress=False)
    assert np.ptp(ref.difficulty[-1]) > 0
    for other in (pool, dask):
        for name in ("cash", "coins", "mined", "difficulty", "network_hashrate", "height"):
            np.testing.assert_array_equal(getattr(ref, name), getattr(other, name), err_msg=name)


def test_bad_supply_is_a_field_error(tmp_path):
    with pytest.raises(InputErrors) as info:
        load_scenario(_write(tmp_path, "endogenous", h_max=0.0))
    assert "s.toml:" in str(info.value)
    assert "network.supply.h_max_ehs: must be > 0 EH/s (got 0" in str(info.value)


def test_calibrated_parameter_given_twice_is_a_field_error(tmp_path):
    path = _write(tmp_path, "endogenous")
    path.write_text(path.read_text() + "r0_usd_per_eh = 1.5\n")
    with pytest.raises(InputErrors, match=r"network.supply.r0_usd_per_eh: is set by calibrate"):
        load_scenario(path)


def test_h_max_below_the_equilibrium_hashrate_is_a_field_error(tmp_path):
    # D0 2^32 / 600.3 is about 47.6 EH/s: a 40 EH/s ceiling cannot hold the start.
    loaded = load_scenario(_write(tmp_path, "endogenous", h_max=40.0))
    message = r"network.supply.h_max_ehs: must exceed .*\(47\.6 EH/s\)"
    with pytest.raises(InputError, match=message):
        farm_jobs(loaded)


def test_cli_bad_supply_exits_2_with_one_line(tmp_path, capsys):
    path = _write(tmp_path, "endogenous", h_max=-5.0)
    assert main(["simulate", str(path), "--no-progress", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "network.supply.h_max_ehs" in err and "Traceback" not in err


@settings(max_examples=60, deadline=None)
@given(
    h_rest=st.floats(1.0, 200.0), r_start=st.floats(0.2, 10.0), k=st.floats(0.1, 5.0),
    # A slope is 0 or of plausible size: the range registry refuses subnormals (5e-324).
    headroom=st.floats(1.05, 3.0), slope=st.one_of(st.just(0.0), st.floats(1e-6, 20.0)),
)  # fmt: skip
def test_calibration_puts_the_start_on_the_supply(h_rest, r_start, k, headroom, slope):
    # EH units in the file; the calibrated supply gives exactly h_rest at r_start.
    revenue, hashrate = r_start / 1e18, h_rest * 1e18
    specs = [
        EndogenousSigmoidSupplySpec(form="sigmoid", h_max_ehs=headroom * h_rest,
                                    k_per_usd_per_eh=k),
        EndogenousSigmoidSupplySpec(form="sigmoid", r0_usd_per_eh=r_start - 0.3,
                                    k_per_usd_per_eh=k, calibrate="h_max"),
        EndogenousLinearSupplySpec(form="linear", slope_ehs_per_usd_per_eh=slope,
                                   h_min_ehs=0.5 * h_rest, h_max_ehs=headroom * h_rest),
    ]  # fmt: skip
    for spec in specs:
        supply = calibrate_supply(spec, revenue=revenue, hashrate=hashrate)
        assert float(supply(revenue)) == pytest.approx(hashrate, rel=1e-9)
