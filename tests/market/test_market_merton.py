"""Merton jump diffusion: moments, calibration, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashwinter.errors import InputError
from hashwinter.market import MertonJumpDiffusion

N_SE = 4.0  # standard errors allowed in Monte Carlo checks


def _second_moment(m: MertonJumpDiffusion, t: float) -> float:
    """Closed-form E[S_t^2] of Merton's model.

    E[S_t^2] = s0^2 exp(2 (mu - l kappa) t + sigma^2 t + l t (E[J^2] - 1)),
    with E[J^2] = exp(2 m + 2 s^2).
    """
    ej2 = math.exp(2 * m.jump_mean + 2 * m.jump_std**2)
    return m.s0**2 * math.exp(
        2 * (m.mu - m.jump_rate * m.kappa) * t + m.sigma**2 * t + m.jump_rate * t * (ej2 - 1)
    )


def test_mean_matches_closed_form():
    m = MertonJumpDiffusion(
        s0=100.0, mu=0.001, sigma=0.02, jump_rate=0.1, jump_mean=-0.05, jump_std=0.03
    )
    n_paths, n_steps = 40_000, 30
    s_t = m.simulate(n_paths, n_steps, np.random.default_rng(3))[:, -1]
    t = float(n_steps)
    expected = 100.0 * math.exp(0.001 * t)  # the compensator keeps E[S_T] = S0 e^(mu T)
    var = _second_moment(m, t) - expected**2
    assert abs(s_t.mean() - expected) < N_SE * math.sqrt(var / n_paths)
    # Log-return variance (sigma^2 + lambda (m^2 + s^2)) T; its estimator's error is
    # at most a few percent at this sample size (jumps fatten the tails).
    logs = np.log(s_t / 100.0)
    assert logs.var() == pytest.approx(m.log_return_variance(t), rel=0.05)


def test_no_jumps_reduces_to_gbm_moments():
    m = MertonJumpDiffusion(s0=1.0, mu=0.0, sigma=0.03, jump_rate=0.0, jump_mean=-0.2, jump_std=0.1)
    logs = np.log(m.simulate(20_000, 10, np.random.default_rng(2))[:, -1])
    var = 0.03**2 * 10
    assert abs(logs.var(ddof=1) - var) < N_SE * var * math.sqrt(2 / 19_999)
    assert m.kappa == pytest.approx(math.exp(-0.2 + 0.005) - 1)


def test_fit_recovers_parameters_on_simulated_data():
    true = MertonJumpDiffusion(
        s0=100.0, mu=0.0005, sigma=0.02, jump_rate=0.05, jump_mean=-0.08, jump_std=0.04
    )
    history = pd.Series(true.simulate(1, 20_000, np.random.default_rng(21))[0])
    fit = MertonJumpDiffusion.fit(history)
    # ~1,000 jumps in the sample: jump parameters are known to ~5-10 %; the
    # Bernoulli (<= 1 jump per day) approximation biases the rate by ~lambda/2 = 2.5 %.
    assert fit.sigma == pytest.approx(0.02, rel=0.05)
    assert fit.jump_rate == pytest.approx(0.05, rel=0.2)
    assert fit.jump_mean == pytest.approx(-0.08, abs=0.01)
    assert fit.jump_std == pytest.approx(0.04, abs=0.01)
    assert fit.s0 == history.iloc[-1]


def test_fit_of_pure_diffusion_finds_few_or_small_jumps():
    history = pd.Series(np.exp(np.cumsum(np.random.default_rng(4).normal(0, 0.02, 5000))))
    fit = MertonJumpDiffusion.fit(history)
    # No jumps in the data: the jump part explains almost none of the variance.
    jump_var = fit.jump_rate * (fit.jump_mean**2 + fit.jump_std**2)
    assert jump_var < 0.1 * 0.02**2
    assert fit.sigma == pytest.approx(0.02, rel=0.05)


def test_same_seed_same_numbers():
    m = MertonJumpDiffusion(s0=5.0, mu=0.0, sigma=0.02, jump_rate=0.2, jump_mean=0.0, jump_std=0.1)
    np.testing.assert_array_equal(
        m.simulate(7, 9, np.random.default_rng(8)), m.simulate(7, 9, np.random.default_rng(8))
    )


def test_bad_jump_rate_names_the_field():
    with pytest.raises(InputError) as err:
        MertonJumpDiffusion(s0=1, mu=0, sigma=0.1, jump_rate=-1, jump_mean=0, jump_std=0.1)
    assert err.value.field == "jump_rate"
