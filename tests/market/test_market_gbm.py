"""GBM: moments against closed form, calibration, reproducibility, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.errors import InputError
from hashwinter.market import GBM, gbm_step

# Monte Carlo checks allow this many standard errors: a correct implementation
# fails one such check with probability ~6e-5; the seeds are fixed anyway.
N_SE = 4.0


def test_mean_and_variance_match_closed_form():
    g = GBM(s0=100.0, mu=0.002, sigma=0.04)
    n_paths, n_steps = 40_000, 60
    s_t = g.simulate(n_paths, n_steps, np.random.default_rng(7))[:, -1]
    t = n_steps * g.dt_days
    expected = 100.0 * math.exp(0.002 * t)  # E[S_T] = S0 e^(mu T)
    se = math.sqrt(float(g.variance(t)) / n_paths)
    assert abs(s_t.mean() - expected) < N_SE * se
    # Log returns are exactly normal: N((mu - sigma^2/2) T, sigma^2 T).
    logs = np.log(s_t / 100.0)
    var = 0.04**2 * t
    assert abs(logs.mean() - (0.002 - 0.5 * 0.04**2) * t) < N_SE * math.sqrt(var / n_paths)
    # The sample variance of n normals has standard error var * sqrt(2 / (n - 1)).
    assert abs(logs.var(ddof=1) - var) < N_SE * var * math.sqrt(2 / (n_paths - 1))


def test_first_column_is_s0_and_shape():
    p = GBM(s0=3604.59, mu=0.0, sigma=0.04).simulate(3, 5, np.random.default_rng(0))
    assert p.shape == (3, 6)
    assert np.all(p[:, 0] == 3604.59)
    assert np.all(p > 0)


def test_zero_volatility_is_deterministic_growth():
    g = GBM(s0=50.0, mu=0.01, sigma=0.0, dt_days=2.0)
    p = g.simulate(2, 4, np.random.default_rng(1))
    np.testing.assert_allclose(p[0], 50.0 * np.exp(0.01 * 2.0 * np.arange(5)), rtol=1e-14)


def test_same_seed_same_numbers_different_seed_different():
    g = GBM(s0=1.0, mu=0.0, sigma=0.05)
    a = g.simulate(10, 20, np.random.default_rng(123))
    b = g.simulate(10, 20, np.random.default_rng(123))
    c = g.simulate(10, 20, np.random.default_rng(124))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_step_matches_simulate_on_a_regular_grid():
    g = GBM(s0=10.0, mu=0.003, sigma=0.02, dt_days=0.5)
    z = np.random.default_rng(5).standard_normal((4, 3))
    paths = g.simulate(4, 3, np.random.default_rng(5))
    s = np.full(4, 10.0)
    for k in range(3):
        s = gbm_step(s, 0.5, z[:, k], g.mu, g.sigma)
    np.testing.assert_allclose(s, paths[:, -1], rtol=1e-12)


def test_fit_recovers_parameters_on_simulated_data():
    true = GBM(s0=100.0, mu=0.001, sigma=0.03)
    n = 20_000
    history = pd.Series(true.simulate(1, n, np.random.default_rng(11))[0])
    fit = GBM.fit(history)
    # Standard errors of the MLEs: sigma/sqrt(2n) for sigma, sigma/sqrt(n) for mu.
    assert abs(fit.sigma - 0.03) < N_SE * 0.03 / math.sqrt(2 * n)
    assert abs(fit.mu - 0.001) < N_SE * 0.03 / math.sqrt(n)
    assert fit.s0 == history.iloc[-1]


def test_fit_on_real_2018_prices():
    df = pd.read_csv(shared_data_file("btc_daily.csv"), parse_dates=["date"], index_col="date")
    window = df["price_usd"]["2018-01-01":"2018-12-31"]
    fit = GBM.fit(window)
    # 2018 fell from ~13,400 to ~3,700 USD: the fitted log drift is negative, and
    # its total over the window is ln(last/first) by construction of the MLE.
    r = np.diff(np.log(window.to_numpy()))
    assert (fit.mu - 0.5 * fit.sigma**2) * r.size == pytest.approx(
        math.log(window.iloc[-1] / window.iloc[0]), rel=1e-9
    )
    assert fit.mu - 0.5 * fit.sigma**2 < 0
    assert fit.s0 == window.iloc[-1]


def test_annual_conversion_round_trips():
    g = GBM.from_annual(100.0, mu_annual=0.365, sigma_annual=math.sqrt(365) * 0.04)
    assert g.mu == pytest.approx(0.001)
    assert g.sigma == pytest.approx(0.04)
    assert g.sigma_annual == pytest.approx(0.04 * math.sqrt(365))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"s0": -1.0, "mu": 0.0, "sigma": 0.1}, "s0"),
        ({"s0": 1.0, "mu": math.nan, "sigma": 0.1}, "mu"),
        ({"s0": 1.0, "mu": 0.0, "sigma": -0.1}, "sigma"),
        ({"s0": 1.0, "mu": 0.0, "sigma": 0.1, "dt_days": 0.0}, "dt_days"),
    ],
)
def test_bad_parameters_name_the_field(kwargs, field):
    with pytest.raises(InputError) as err:
        GBM(**kwargs)
    assert err.value.field == field


def test_bad_shape_and_history():
    g = GBM(s0=1.0, mu=0.0, sigma=0.1)
    with pytest.raises(InputError, match="n_paths"):
        g.simulate(0, 5, np.random.default_rng(0))
    with pytest.raises(InputError, match="history"):
        GBM.fit(pd.Series([1.0, -2.0, 3.0]))
    with pytest.raises(InputError, match="history"):
        GBM.fit(pd.Series([1.0, 2.0]))
