"""The compiled kernel gives the numpy engine's records, and the plain loop's numbers.

Every array that TotalsRecorder and OwnerStatsRecorder keep, the closing balances and the
broke steps are compared between ``engine="compiled"`` and ``engine="numpy"``: relative
1e-9 of each array's own scale (sums over cohorts are added in a different order; a
balance that crosses zero is compared at the scale of the balances). The specs are small
(a few cohorts, days and variants) so that the kernel compiles once per session and each
test takes milliseconds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from engine_reference import reference_run
from numpy.testing import assert_allclose, assert_array_equal
from test_engine_vs_loop import random_spec

from hashwinter.engine import (
    Clock,
    Cohorts,
    DailyMarket,
    EngineSpec,
    Owners,
    OwnerStatsRecorder,
    TotalsRecorder,
    Treasury,
    run,
    run_in_chunks,
)
from hashwinter.engine.treasury import BROKE_TOLERANCE
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy

RTOL = 1e-9
QUANTILES = (0.0, 0.1, 0.5, 0.9, 1.0)


def close(got, want, name):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, err_msg=name)


def both(spec, policy, treasury=None, scale=1.0):
    out = {}
    for engine in ("numpy", "compiled"):
        out[engine] = run(spec, policy, treasury, tariff_scale=scale, engine=engine,
                          recorders=[TotalsRecorder(), OwnerStatsRecorder(QUANTILES)])
    return out["numpy"], out["compiled"]


def assert_same(numpy_run, compiled_run):
    assert numpy_run.path == "numpy" and compiled_run.path == "compiled"
    assert compiled_run.fallback is None
    t_np, s_np = numpy_run.records
    t_c, s_c = compiled_run.records
    assert set(t_c.cohort) == set(t_np.cohort) and set(t_c.owner) == set(t_np.owner)
    for k in t_np.cohort:
        assert t_c.cohort[k].shape == t_np.cohort[k].shape
        close(t_c.cohort[k], t_np.cohort[k], f"cohort {k}")
    for k in t_np.owner:
        close(t_c.owner[k], t_np.owner[k], f"owner {k}")
    for k in ("cash", "coins", "equity", "mean_equity", "broke_share"):
        close(getattr(s_c, k), getattr(s_np, k), f"stats {k}")
    close(compiled_run.cash, numpy_run.cash, "cash")
    close(compiled_run.coins, numpy_run.coins, "coins")
    assert_array_equal(compiled_run.broke_step, numpy_run.broke_step)
    assert_array_equal(compiled_run.held, numpy_run.held)
    assert compiled_run.positions.shape == numpy_run.positions.shape
    assert compiled_run.checks.enabled
    assert compiled_run.checks.max_cash_error < 1e-6
    assert compiled_run.checks.max_coin_error < 1e-12
    close(compiled_run.checks.max_share, numpy_run.checks.max_share, "max_share")


HYSTERESIS = dict(off=(0.0, -0.1, 0.05, -0.2), on=(0.0, 0.1, 0.2, 0.0),
                  mini=(0.0, 0.5, -1.0, 0.0), hodl=(0.0, 0.5, 1.0, 0.3),
                  cover=(False, False, True, True), scale=(1.0, 0.6, 1.4, 1.1))


def hysteresis():
    h = HYSTERESIS
    return (ShutdownPricePolicy(h["off"], h["on"], h["mini"]), Treasury(h["hodl"], h["cover"]),
            np.array(h["scale"]))


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_hysteresis_treasuries_and_tariff_scales_match_numpy(seed):
    spec = random_spec(seed, cash=(5_000.0, 300.0))
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    assert_same(numpy_run, compiled_run)
    totals = numpy_run.records[0]
    # Not trivial: machines switch off and back on (restart costs), some days all off.
    assert totals.cohort["restart_cost"].sum() > 0
    assert totals.cohort["unplugged_days"].sum() > 0 and totals.cohort["days_off"].sum() > 0
    assert (totals.owner["capex"] > 0).any()  # installs mid-run, site capex


def test_broke_owners_match_numpy():
    spec = random_spec(7, cash=(3_000.0, 60.0), n_paths=3)
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    broke = numpy_run.broke_step >= 0
    assert 0 < broke.mean() < 1  # some (variant, path, owner) go broke, not all
    assert_same(numpy_run, compiled_run)


def test_always_on_hodl_broke_matches_numpy():
    spec = random_spec(7, cash=(100.0, 0.0))
    numpy_run, compiled_run = both(spec, AlwaysOn(), Treasury(1.0))
    assert (numpy_run.broke_step >= 0).any()
    assert_same(numpy_run, compiled_run)


def test_hourly_steps_match_numpy():
    spec = random_spec(8, n_days=5, spd=24, cash=(3_000.0, 60.0))
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    assert numpy_run.records[0].cohort["restart_cost"].sum() > 0
    assert_same(numpy_run, compiled_run)


def test_many_paths_match_numpy():
    spec = random_spec(9, n_paths=17, cash=(1_500.0, 40.0))
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    assert_same(numpy_run, compiled_run)


def test_two_variant_blocks_match_numpy():
    """300 variants run as two blocks of 150 (the second starts at variant 150, so the
    block-local copies and the treasury's unsigned indices are offset), broke owners too."""
    from hashwinter.engine.kernel.run import _variant_blocks

    n = 300
    assert _variant_blocks(n, 2) == 2
    h = HYSTERESIS
    policy = ShutdownPricePolicy(np.resize(h["off"], n), np.resize(h["on"], n),
                                 np.resize(h["mini"], n))
    treasury = Treasury(np.resize(h["hodl"], n), np.resize(h["cover"], n))
    scale = np.linspace(0.5, 1.6, n)
    spec = random_spec(7, cash=(3_000.0, 60.0))
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    broke = numpy_run.broke_step >= 0
    assert 0 < broke[:150].mean() and 0 < broke[150:].mean() and broke.mean() < 1
    assert_same(numpy_run, compiled_run)


def test_hosting_paid_to_an_owner_of_the_run_matches_numpy():
    spec = random_spec(10, cash=(3_000.0, 500.0))
    # Cohort 2 (owner 1) rents its slots from owner 0: a transfer between owners.
    spec = dataclasses.replace(spec, cohorts=dataclasses.replace(
        spec.cohorts, host=np.array([-1, -1, 0, -1, -1])))
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    other = numpy_run.records[0].owner["other_income"]
    assert (other[..., 0] > 0).all() and (other[..., 1] < 0).all()
    assert_same(numpy_run, compiled_run)


def test_owner_stats_in_chunks_of_days_match(monkeypatch):
    """Per-day records are kept in chunks of steps: the seams between chunks are exact."""
    from hashwinter.engine.kernel import run as kernel_run

    monkeypatch.setattr(kernel_run, "DAY_RECORD_VALUES", 7 * 4 * 2 * 2)  # 7 days a chunk
    spec = random_spec(11, cash=(800.0, 30.0))
    policy, treasury, scale = hysteresis()
    numpy_run, compiled_run = both(spec, policy, treasury, scale)
    assert_same(numpy_run, compiled_run)


def test_compiled_matches_plain_loop():
    """The kernel against the independent scalar loop of engine_reference.py."""
    spec = random_spec(5, cash=(3_000.0, 60.0))
    h = HYSTERESIS
    res = run(spec, ShutdownPricePolicy(h["off"], h["on"], h["mini"]),
              Treasury(h["hodl"], h["cover"]), tariff_scale=np.array(h["scale"]),
              recorders=[TotalsRecorder()], engine="compiled")
    ref, ref_own = reference_run(spec, policy_kind="shutdown_price", off_below=h["off"],
                                 on_above=h["on"], min_margin=h["mini"], hodl=h["hodl"],
                                 cover=h["cover"], tariff_scale=h["scale"])
    totals = res.records[0]
    for key, ref_key in (("coins", "coins"), ("power_cost", "power_cost"),
                         ("management_fee", "management_fee"),
                         ("restart_cost", "restart_cost"), ("energy_kwh", "energy_kwh"),
                         ("running_days", "running")):
        close(totals.cohort[key], np.sum(ref[ref_key], axis=0), key)
    close(res.cash, np.array(ref_own["cash"])[-1], "cash")
    close(res.coins, np.array(ref_own["coins"])[-1], "coins")
    alive = np.array(ref_own["alive"])[-1]
    assert_array_equal(res.broke_step < 0, alive == 1.0)
    assert (res.broke_step >= 0).any() and (res.broke_step < 0).any()


def test_hourly_compiled_matches_plain_loop():
    spec = random_spec(8, n_days=4, spd=24)
    res = run(spec, ShutdownPricePolicy(0.0, 0.05), Treasury(0.3), engine="compiled",
              recorders=[TotalsRecorder()])
    ref, ref_own = reference_run(spec, policy_kind="shutdown_price", off_below=(0.0,),
                                 on_above=(0.05,), hodl=(0.3,))
    close(res.records[0].cohort["coins"], np.sum(ref["coins"], axis=0), "coins")
    close(res.records[0].cohort["restart_cost"], np.sum(ref["restart_cost"], axis=0),
          "restart")
    close(res.cash, np.array(ref_own["cash"])[-1], "cash")


def test_min_margin_zero_is_no_minimum_whatever_the_other_variants():
    """A variant's result does not depend on the other variants of its sweep (both paths)."""
    spec = random_spec(12, cash=(5_000.0, 500.0))
    alone = run(spec, ShutdownPricePolicy(-0.3, -0.2, 0.0), engine="numpy")
    for engine in ("numpy", "compiled"):
        swept = run(spec, ShutdownPricePolicy([-0.3, -0.3], [-0.2, -0.2], [0.0, 5.0]),
                    engine=engine)
        close(swept.cash[0], alone.cash[0], f"{engine} cash")
        assert not np.allclose(swept.cash[1], alone.cash[0])  # the minimum does bind


def test_run_in_chunks_takes_the_compiled_path(monkeypatch):
    from hashwinter.engine.kernel import run as kernel_run
    from hashwinter.engine.kernel import support

    monkeypatch.setattr(support, "AUTO_MIN_CELLS", 0)
    calls = []
    real = kernel_run.run_compiled
    monkeypatch.setattr(kernel_run, "run_compiled", lambda *a: calls.append(1) or real(*a))
    spec = random_spec(13)
    policy, treasury, scale = hysteresis()
    whole = run(spec, policy, treasury, tariff_scale=scale, engine="numpy",
                recorders=[TotalsRecorder()]).records[0]
    chunked = run_in_chunks(spec, policy, treasury, tariff_scale=scale, chunk_size=3)
    for k in whole.cohort:
        close(chunked.cohort[k], whole.cohort[k], k)
    for k in whole.owner:
        close(chunked.owner[k], whole.owner[k], k)
    assert len(calls) == 2  # 4 variants in chunks of 3, both compiled


def tie_spec(fixed_cost: float) -> EngineSpec:
    """One empty slot (nothing is mined or spent) and one fixed cost on day 1."""
    days = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-04"))
    clock = Clock(days)
    n = days.size
    market = DailyMarket(dates=days, price=np.full(n, 10_000.0),
                         difficulty=np.full(n, 1.5e13), subsidy=np.full(n, 6.25),
                         fees_per_block=np.zeros(n), blocks_per_day=np.full(n, 144.0))
    cohorts = Cohorts(label=("slot",), model=("S9",), site=("a",), hashrate=[13.5e12],
                      power=[1323.0], count=[0.0], owner=[0], start_step=[0],
                      capex_step=[-1], unit_price=[0.0], uptime=[1.0], pue=[1.0],
                      pool_fee=[0.0], management_fee=[0.0], hosting_fee=[0.0],
                      restart_cost=[0.0])
    fixed = np.zeros((n, 1))
    fixed[1, 0] = fixed_cost
    owners = Owners(("farm",), np.zeros(1), np.zeros(1), fixed, np.zeros((n, 1)))
    return EngineSpec(clock, market, cohorts, owners, np.zeros((n, 1)))


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_tie_rule_at_the_half_cent(engine):
    """Cash of exactly minus half a cent is still paid; a hair below it is broke."""
    at = run(tie_spec(BROKE_TOLERANCE), AlwaysOn(), engine=engine)
    assert at.path == engine
    assert at.cash[0, 0, 0] == -BROKE_TOLERANCE
    assert at.broke_step[0, 0, 0] == -1
    below = run(tie_spec(np.nextafter(BROKE_TOLERANCE, 1.0)), AlwaysOn(), engine=engine,
                recorders=[TotalsRecorder()])
    assert below.broke_step[0, 0, 0] == 1
    assert below.records[0].owner["broke_day"][0, 0, 0] == 1.0


def test_check_flag_and_report():
    spec = random_spec(14)
    res = run(spec, AlwaysOn(), engine="compiled", check=False)
    assert not res.checks.enabled
    res = run(spec, AlwaysOn(), engine="compiled")
    assert res.checks.enabled and 0 < res.checks.max_share < 1
    assert res.checks.max_excess_coins <= 1e-12


def test_no_recorders_still_gives_balances():
    spec = random_spec(15)
    numpy_run = run(spec, AlwaysOn(), engine="numpy")
    compiled_run = run(spec, AlwaysOn(), engine="compiled")
    assert compiled_run.path == "compiled" and compiled_run.records == []
    close(compiled_run.cash, numpy_run.cash, "cash")


@pytest.mark.parametrize("field, error", [(0, "cash differs"), (1, "coins differ")])
def test_conservation_checks_catch_a_bug_on_the_compiled_path(monkeypatch, field, error):
    """A kernel that loses a cent (or mints a satoshi) in its balances fails the checks."""
    from hashwinter.engine import ConservationError
    from hashwinter.engine.kernel import loop

    real_for = loop.step_loop_for

    def leaky_for(policy_fn):
        real = real_for(policy_fn)

        def leaky(*args):
            real(*args)
            balances = args[19 + field]  # cash, coins (P, O, V)
            balances -= 0.01 if field == 0 else -1e-6

        return leaky

    monkeypatch.setattr(loop, "step_loop_for", leaky_for)
    with pytest.raises(ConservationError, match=error):
        run(random_spec(15), ShutdownPricePolicy(0.0, 0.1), engine="compiled")
