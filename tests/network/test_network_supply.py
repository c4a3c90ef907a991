"""Hash supply functions and the revenue per hash they read."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.errors import InputError
from hashwinter.network import (
    EXA,
    LinearSupply,
    SigmoidSupply,
    equilibrium_difficulty,
    linear_supply,
    revenue_per_hash,
    sigmoid_supply,
)

NODA = SigmoidSupply.from_eh_units(h_max_ehs=55, k_per_usd_per_eh=3, r0_usd_per_eh=1.5)


def test_revenue_per_hash_reproduces_noda_starting_point():
    # Noda, Okumura & Hashimoto's pre-simulation data (github.com/okuchap/DAA_Lucas,
    # notebook/simulation.ipynb), height 551,442 (2018-11-25): price 3,604.59 USD,
    # winning probability 3.49948e-5 per EH. Difficulty 6,653,303,141,406 was in
    # force then; its winning probability per EH is 1e18 / (D 2^32).
    assert EXA / (6_653_303_141_406 * 2**32) == pytest.approx(3.49948e-5, rel=1e-5)
    r = float(revenue_per_hash(3604.59, 6_653_303_141_406, 12.5))
    assert r * EXA == pytest.approx(3604.59 * 3.49948e-5 * 12.5, rel=1e-5)
    # Their table prints 1.577661 USD/EH for that block, 0.06 % above price x W x 12.5
    # (their expected return evidently includes a little more than the subsidy).
    assert r * EXA == pytest.approx(1.577661, rel=1e-3)


def test_sigmoid_matches_noda_formula():
    # Phi(R) = 55 / (1 + exp(-3 (R - 1.5))) EH/s, R in USD per EH (their code/hash.py).
    for r_eh in (0.5, 1.0, 1.5, 1.578, 2.0, 3.5):
        expected = 55 / (1 + math.exp(-3 * (r_eh - 1.5)))
        assert float(NODA(r_eh / EXA)) / EXA == pytest.approx(expected, rel=1e-12)
    assert float(NODA(1.5 / EXA)) == pytest.approx(27.5 * EXA)


def test_sigmoid_floor_keeps_some_hashrate():
    h = sigmoid_supply(np.array([-1e9, 0.0, 1e9]), h_max=1.0, k=1.0, r0=0.0, floor=1e-15)
    assert h[0] == pytest.approx(1e-15, rel=1e-6)
    assert h[2] == pytest.approx(1 - 1e-15, abs=1e-15)
    assert h[1] == 0.5


def test_fill_equals_call():
    r = np.linspace(0, 4, 50).reshape(5, 10) / EXA
    out = np.empty_like(r)
    NODA.fill(r, out)
    np.testing.assert_array_equal(out, NODA(r))
    lin = LinearSupply.from_eh_units(23.59, 9.02, h_min_ehs=1.0)
    lin.fill(r, out)
    np.testing.assert_array_equal(out, lin(r))


def test_linear_supply_is_noda_mle_line():
    # Their MLE on Oct-Dec 2018 data: Phi(R) = 23.59 + 9.02 R (EH/s, R in USD/EH).
    lin = LinearSupply.from_eh_units(23.59, 9.02)
    assert float(lin(2.0 / EXA)) / EXA == pytest.approx(23.59 + 9.02 * 2.0)
    assert float(linear_supply(-10.0, 1.0, 2.0, h_min=0.5)) == 0.5


@given(st.floats(min_value=0.2, max_value=4.0))
def test_elasticity_is_the_log_derivative(r_eh):
    r = r_eh / EXA
    eps = 1e-6
    for supply in (NODA, LinearSupply.from_eh_units(23.59, 9.02)):
        numeric = (
            math.log(float(supply(r * (1 + eps)))) - math.log(float(supply(r * (1 - eps))))
        ) / (math.log1p(eps) - math.log1p(-eps))
        assert float(supply.elasticity(r)) == pytest.approx(numeric, rel=1e-5)


def test_equilibrium_difficulty_balances_supply():
    d = equilibrium_difficulty(NODA, 3604.59, 12.5)
    h = float(NODA(revenue_per_hash(3604.59, d, 12.5)))
    assert h * 600 == pytest.approx(d * 2**32, rel=1e-9)
    # At 3,604.59 USD the sigmoid network balances at R* ~ 1.847 USD/EH, where its
    # elasticity is ~1.45 > 1: the regime in which Noda et al. find Bitcoin's rule
    # unstable (a retarget overshoots by the elasticity).
    r_star = float(revenue_per_hash(3604.59, d, 12.5)) * EXA
    assert r_star == pytest.approx(1.847, abs=1e-3)
    assert float(NODA.elasticity(r_star / EXA)) > 1


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: SigmoidSupply(h_max=-1.0, k=1.0, r0=0.0), "h_max"),
        (lambda: SigmoidSupply(h_max=1.0, k=0.0, r0=0.0), "k"),
        (lambda: SigmoidSupply(h_max=1.0, k=1.0, r0=0.0, floor=0.7), "floor"),
        (lambda: LinearSupply(intercept=1.0, slope=1.0, h_min=-1.0), "h_min"),
        (lambda: LinearSupply(intercept=1.0, slope=1.0, h_min=2.0, h_max=1.0), "h_max"),
    ],
)
def test_bad_parameters_name_the_field(make, field):
    with pytest.raises(InputError) as err:
        make()
    assert err.value.field == field
