"""Properties of the engine (hypothesis): linearity in fleet size, monotonicity in the
tariff, variants as an axis equal separate runs, issuance bound."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from test_engine_vs_loop import random_spec

from hashwinter.engine import LedgerRecorder, Owners, TotalsRecorder, Treasury, run
from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy

seeds = st.integers(0, 10_000)
thresholds = st.floats(-0.5, 0.3, allow_nan=False)


def rich_owners(spec):
    """No fixed costs, no site capex, plenty of cash: nobody goes broke."""
    n_t, n_o = spec.owners.fixed_costs.shape
    return dataclasses.replace(spec, owners=Owners(
        spec.owners.names, np.full(n_o, 1e12), np.zeros(n_o), np.zeros((n_t, n_o)),
        np.zeros((n_t, n_o))))


@settings(max_examples=15, deadline=None)
@given(seed=seeds, factor=st.integers(2, 5))
def test_coins_and_costs_scale_with_the_fleet(seed, factor):
    spec = rich_owners(random_spec(seed, n_days=20))
    bigger = dataclasses.replace(spec, cohorts=dataclasses.replace(
        spec.cohorts, count=spec.cohorts.count * factor))
    a = run(spec, AlwaysOn(), recorders=[TotalsRecorder()]).records[0]
    b = run(bigger, AlwaysOn(), recorders=[TotalsRecorder()]).records[0]
    for key in ("coins", "power_cost", "energy_kwh", "running_days"):
        assert_allclose(b.cohort[key], factor * a.cohort[key], rtol=1e-12, err_msg=key)


@settings(max_examples=15, deadline=None)
@given(seed=seeds, off=thresholds, gap=st.floats(0, 0.3), low=st.floats(0.3, 1.0),
       high=st.floats(1.0, 3.0))
def test_a_dearer_tariff_never_runs_more(seed, off, gap, low, high):
    spec = rich_owners(random_spec(seed, n_days=25))
    policy = ShutdownPricePolicy(off, off + gap)
    res = run(spec, policy, tariff_scale=np.array([low, high]), recorders=[LedgerRecorder()])
    running = res.records[0].cohort["running"]  # (T, V, P, C)
    assert np.all(running[:, 1] <= running[:, 0])


@settings(max_examples=10, deadline=None)
@given(seed=seeds, offs=st.lists(thresholds, min_size=2, max_size=4),
       hodl=st.floats(0, 1))
def test_variants_axis_equals_separate_runs(seed, offs, hodl):
    spec = random_spec(seed, n_days=20)
    together = run(spec, ShutdownPricePolicy(offs, np.array(offs) + 0.05), Treasury(hodl),
                   recorders=[TotalsRecorder()]).records[0]
    for v, off in enumerate(offs):
        alone = run(spec, ShutdownPricePolicy(off, off + 0.05), Treasury(hodl),
                    recorders=[TotalsRecorder()]).records[0]
        for key, value in alone.cohort.items():
            assert_allclose(together.cohort[key][v], value[0], rtol=1e-12, atol=1e-12)
        for key, value in alone.owner.items():
            assert_allclose(together.owner[key][v], value[0], rtol=1e-12, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=seeds)
def test_mined_coins_within_issuance_share(seed):
    spec = random_spec(seed, n_days=15)
    res = run(spec, AlwaysOn(), recorders=[LedgerRecorder()])
    led = res.records[0]
    share = (led.cohort["running"] * spec.cohorts.effective_hashrate).sum(-1) / led.network[
        "network_hashrate"]
    issuance = (spec.market.subsidy + spec.market.fees_per_block)[0] * spec.market.blocks_per_day[0]
    mined = led.cohort["coins"].sum(-1)
    assert np.all(mined <= share * issuance[:, None, None] * (1 + 1e-9))
    assert 0 < res.checks.max_share < 1


def test_stack_variants_is_the_inverse_of_take_variants():
    """Policies and treasuries built one per grid point stack into one variant axis."""
    import numpy as np

    from hashwinter.engine import Policies, Treasury
    from hashwinter.engine.variants import stack_variants
    from hashwinter.farm.policies import AlwaysOn, ShutdownPricePolicy

    parts = [ShutdownPricePolicy(off, 0.1) for off in (-0.2, 0.0, 0.05)]
    stacked = stack_variants(parts)
    assert stacked.n_variants == 3
    assert stacked.off_below.tolist() == [-0.2, 0.0, 0.05]
    assert stacked.on_above.tolist() == [0.1]  # shared: stays one value
    assert stack_variants([Treasury(0.5), Treasury(1.0, True)]).hodl_ratio.tolist() == [0.5, 1.0]
    chain = stack_variants([Policies([p, AlwaysOn()]) for p in parts])
    assert chain.n_variants == 3 and chain.parts[0].off_below.tolist() == [-0.2, 0.0, 0.05]
    back = stacked.take_variants(np.array([2]))
    assert back.off_below.tolist() == [0.05]
