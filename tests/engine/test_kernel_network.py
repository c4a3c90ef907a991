"""The compiled endogenous network gives the numpy engine's numbers (rtol 1e-9).

A small spec whose cohorts are a large share of the network (so their switching moves
the reward), with the retargets and a halving inside the run, hourly and daily steps,
several variants and paths, broke owners, and the network's restart delay; every owner's
closing cash, coins and broke step, and every per-day network row and group hashrate,
are compared between ``engine="compiled"`` and ``engine="numpy"``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from test_engine_vs_loop import random_spec

from hashwinter.engine import Policies, Treasury, run
from hashwinter.engine.network import EndogenousNetwork
from hashwinter.engine.network_days import DAY_ROWS, NetworkDaysRecorder
from hashwinter.engine.recorders import TotalsRecorder
from hashwinter.errors import InputError
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy
from hashwinter.network.restart import MinimumOffTime
from hashwinter.units import HASHES_PER_DIFFICULTY

RTOL = 1e-9


def endogenous_spec(seed: int, *, spd: int = 1, n_days: int = 40, n_paths: int = 2,
                    cash: tuple[float, float] = (2_000.0, 50.0)):
    """random_spec with no hosting, on a network that retargets and halves in the run."""
    spec = random_spec(seed, spd=spd, n_days=n_days, n_paths=n_paths, cash=cash)
    cohorts = dataclasses.replace(spec.cohorts, hosting_fee=np.zeros(spec.cohorts.n))
    rng = np.random.default_rng(seed + 100)
    rest = 3e14 * (1 + 0.2 * rng.random((n_paths, n_days)))
    farm = float(np.sum(cohorts.count * cohorts.effective_hashrate))
    # Difficulty for blocks every 300 s at the start: the first retarget doubles it.
    difficulty = (farm + 3.3e14) * 300 / HASHES_PER_DIFFICULTY
    net = EndogenousNetwork(spec.clock, difficulty=difficulty, height=626_000,
                            rest_of_world=rest, fees_per_block=0.5 * rng.random(n_days))
    # random_spec's prices suit a difficulty of 6.6e12; scaled to this one (x 1.5) they
    # sit around the machines' break-even, so that cohorts switch and owners go broke.
    price = np.asarray(spec.market.price) * 1.5 * difficulty / 6.6e12
    market = dataclasses.replace(spec.market, price=price)
    return dataclasses.replace(spec, cohorts=cohorts, network=net, market=market)


def both(spec, policy, treasury=None, scale=1.0, regions=(0, 1, 1, 2, 0)):
    out = []
    for engine in ("numpy", "compiled"):
        rec = NetworkDaysRecorder(np.array(regions))
        out.append(run(spec, policy, treasury, tariff_scale=scale, engine=engine,
                       recorders=[rec]))
    return out


def assert_same(a, b):
    assert a.path == "numpy" and b.path == "compiled" and b.fallback is None
    scale = float(np.max(np.abs(a.cash)))
    assert_allclose(b.cash, a.cash, rtol=RTOL, atol=RTOL * scale)
    assert_allclose(b.coins, a.coins, rtol=RTOL, atol=1e-15)
    assert_array_equal(b.broke_step, a.broke_step)
    da, db = a.records[0], b.records[0]
    for k in DAY_ROWS:
        assert_allclose(db.rows[k], da.rows[k], rtol=RTOL, atol=1e-15, err_msg=k)
    assert_allclose(db.groups, da.groups, rtol=RTOL, atol=1e-3)
    for k in ("difficulty", "height", "window_elapsed"):
        assert_allclose(getattr(b.network_state, k), getattr(a.network_state, k), rtol=RTOL)
    assert_array_equal(b.network_state.retargets, a.network_state.retargets)
    assert b.checks.max_cash_error < 1e-6
    assert_allclose(b.checks.max_share, a.checks.max_share, rtol=RTOL)


@pytest.mark.parametrize("spd", [1, 24])
def test_compiled_endogenous_equals_numpy(spd):
    spec = endogenous_spec(1, spd=spd)
    policy = Policies([ShutdownPricePolicy(np.array([0.0, -0.1, 0.05]),
                                           np.array([0.0, 0.1, 0.2])), MinimumOffTime(3.0)])
    treasury = Treasury(hodl_ratio=np.array([0.0, 0.5, 0.3]),
                        sell_to_cover=np.array([False, False, True]))
    a, b = both(spec, policy, treasury, scale=np.array([1.0, 0.6, 1.3]))
    assert_same(a, b)
    # The run exercises what it claims: retargets (the first after 976 blocks at ~300 s,
    # then 2,016 blocks at ~600 s: at least 3 in ~5,400 blocks), a difficulty that differs
    # by variant (the farm's switching moves the network), the halving at 630,000,
    # switching and broke owners.
    state = a.network_state
    assert state.retargets.min() >= 3 and np.all(np.ptp(state.difficulty, axis=0) > 0)
    assert np.all(a.network_state.height > 630_000)
    days = a.records[0]
    assert np.ptp(days.rows["hashrate"]) > 0 and np.any(a.broke_step >= 0)


def test_single_policies_and_always_on():
    spec = endogenous_spec(2, cash=(1e9, 1e9))
    for policy in (AlwaysOn(), ShutdownPricePolicy(0.05, 0.1)):
        a, b = both(spec, policy)
        assert_same(a, b)
    # AlwaysOn, nobody broke, no rest of world except the table: mined = issuance x share.
    days = b.records[0]
    assert np.all(days.rows["mined"] <= days.rows["issuance"] * (1 + 1e-12))


@pytest.mark.parametrize("n_var", [1, 3])
def test_groups_by_owner(n_var):
    """Each owner's cohorts in one region: the kernel sums the groups owner by owner."""
    spec = endogenous_spec(4)
    assert spec.cohorts.owner.tolist() == [0, 0, 1, 1, 0]  # not in owner order
    off = np.array([0.0, -0.1, 0.05])[:n_var]
    policy = Policies([ShutdownPricePolicy(off, off + 0.1), MinimumOffTime(2.0)])
    a, b = both(spec, policy, scale=np.array([1.0, 0.6, 1.3])[:n_var], regions=(1, 1, 0, 0, 1))
    assert_same(a, b)
    assert np.ptp(a.records[0].groups) > 0


def test_what_the_endogenous_kernel_does_not_cover():
    spec = endogenous_spec(3)
    res = run(spec, AlwaysOn(), recorders=[TotalsRecorder()], engine="auto")
    assert res.path == "numpy"
    with pytest.raises(InputError, match="recorder TotalsRecorder has no compiled form"):
        run(spec, AlwaysOn(), recorders=[TotalsRecorder()], engine="compiled")
    hosted = dataclasses.replace(spec, cohorts=dataclasses.replace(
        spec.cohorts, hosting_fee=np.full(spec.cohorts.n, 0.5)))
    with pytest.raises(InputError, match="hosting fees"):
        run(hosted, AlwaysOn(), engine="compiled")
