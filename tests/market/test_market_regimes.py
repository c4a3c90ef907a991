"""Two-regime switching: occupancy vs stationary distribution, spells, calibration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashwinter.errors import InputError
from hashwinter.market import BEAR, RegimeSwitching

N_SE = 4.0

MODEL = RegimeSwitching(
    s0=100.0,
    mu_bull=0.003,
    mu_bear=-0.004,
    sigma_bull=0.02,
    sigma_bear=0.05,
    p_bull_to_bear=0.01,
    p_bear_to_bull=0.03,
)


def test_occupancy_matches_stationary_distribution():
    n_paths, n_steps = 2_000, 1_000
    _, regimes = MODEL.simulate_with_regimes(n_paths, n_steps, np.random.default_rng(17))
    pi_bear = 0.01 / (0.01 + 0.03)  # = 1/4
    assert MODEL.stationary_bear_share == pytest.approx(pi_bear)
    share = (regimes == BEAR).mean()
    # Occupancy of a two-state chain started stationary: variance of the time average
    # over n steps is pi (1 - pi) / n * (1 + rho) / (1 - rho), rho = 1 - p01 - p10
    # (the chain's second eigenvalue); paths are independent.
    rho = 1 - 0.01 - 0.03
    var_path = pi_bear * (1 - pi_bear) / n_steps * (1 + rho) / (1 - rho)
    assert abs(share - pi_bear) < N_SE * math.sqrt(var_path / n_paths)
    # Started stationary, the chain is stationary at every step: check one late step.
    at_t = (regimes[:, -1] == BEAR).mean()
    assert abs(at_t - pi_bear) < N_SE * math.sqrt(pi_bear * (1 - pi_bear) / n_paths)


def test_spell_lengths_are_geometric():
    _, regimes = MODEL.simulate_with_regimes(1, 60_000, np.random.default_rng(2))
    r = regimes[0]
    change = np.flatnonzero(np.diff(r) != 0) + 1
    bounds = np.concatenate(([0], change, [r.size]))
    lengths = np.diff(bounds)[1:-1]  # drop the censored first and last spells
    kinds = r[bounds[1:-2]]
    bear = lengths[kinds == BEAR]
    # Mean bear spell 1/p = 33.3 steps; geometric sd ~ sqrt(1-p)/p.
    p = 0.03
    se = math.sqrt(1 - p) / p / math.sqrt(bear.size)
    assert abs(bear.mean() - 1 / p) < N_SE * se
    assert MODEL.expected_duration_days("bear") == pytest.approx(1 / p)


def test_fixed_start_regime():
    m = RegimeSwitching(
        s0=1.0, mu_bull=0.0, mu_bear=0.0, sigma_bull=0.01, sigma_bear=0.01,
        p_bull_to_bear=0.0, p_bear_to_bull=0.5, start="bull",
    )  # fmt: skip
    _, regimes = m.simulate_with_regimes(50, 20, np.random.default_rng(0))
    assert np.all(regimes == 0)  # never leaves bull


def test_fit_recovers_parameters_on_simulated_data():
    prices = MODEL.simulate(1, 20_000, np.random.default_rng(31))[0]
    fit = RegimeSwitching.fit(pd.Series(prices))
    # ~200 bear spells and ~5,000 bear days: volatilities to ~2 %, switching
    # probabilities to ~10-15 %, daily drifts to ~0.001.
    assert fit.sigma_bull == pytest.approx(0.02, rel=0.06)
    assert fit.sigma_bear == pytest.approx(0.05, rel=0.06)
    assert fit.p_bull_to_bear == pytest.approx(0.01, rel=0.3)
    assert fit.p_bear_to_bull == pytest.approx(0.03, rel=0.3)
    assert fit.mu_bull == pytest.approx(0.003, abs=0.0015)
    assert fit.mu_bear == pytest.approx(-0.004, abs=0.004)
    assert fit.mu_bear < fit.mu_bull


def test_same_seed_same_numbers():
    a = MODEL.simulate(5, 30, np.random.default_rng(77))
    b = MODEL.simulate(5, 30, np.random.default_rng(77))
    np.testing.assert_array_equal(a, b)


def test_bad_probability_names_the_field():
    with pytest.raises(InputError) as err:
        RegimeSwitching(
            s0=1.0, mu_bull=0.0, mu_bear=0.0, sigma_bull=0.1, sigma_bear=0.1,
            p_bull_to_bear=1.5, p_bear_to_bull=0.1,
        )  # fmt: skip
    assert err.value.field == "p_bull_to_bear"
