"""Difficulty following the price: the closed form against Monte Carlo, the fit on a series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hashwinter.assets import option_adjusted_value, value_table
from hashwinter.assets.response import fit_price_response
from hashwinter.assets.valuation import expected_call_margin, price_response

# The Antminer S9 on 25 Nov 2018, as in test_valuation.py (btc_daily.csv, usd_cny_daily.csv).
S9 = {"hashrate": 13.5e12, "power": 1323.0}
NOV25 = {"price": 3946.85 * 6.947, "difficulty": 6_653_303_141_406.0, "subsidy": 12.5,
         "fees_per_block": 0.26, "pool_fee": 0.02}


@pytest.mark.parametrize(("beta", "lag", "t"), [(0.324, 170.0, 400.0), (1.0, 60.0, 300.0),
                                                 (0.5, 90.0, 45.0)])
def test_closed_form_against_monte_carlo_of_the_lagged_response(beta, lag, t) -> None:
    # ln S a Brownian motion with drift mu; D_t = Dbar exp(beta (ln S_{t-L} - ln S_0)) after
    # the lag. Simulate the two Gaussian increments (0 -> t-L -> t) and price the day's call
    # on revenue a S_t / (D_t / Dbar). 2e6 draws: standard error ~0.1 %, band 1 %.
    rng = np.random.default_rng(11)
    sigma, mu, a, s0, c = 0.032, 0.0004, 5.0e-4, 27_400.0, 12.7
    u = max(t - lag, 0.0)
    w1 = rng.standard_normal(2_000_000) * sigma * np.sqrt(u)            # ln S_{t-L} - ln S_0
    w2 = rng.standard_normal(2_000_000) * sigma * np.sqrt(t - u)        # ln S_t - ln S_{t-L}
    drift = (mu - 0.5 * sigma**2)
    log_s_lag = drift * u + w1
    log_s_t = log_s_lag + drift * (t - u) + w2
    revenue = a * s0 * np.exp(log_s_t - beta * log_s_lag)
    mc = np.maximum(revenue - c, 0.0).mean()
    log_f, total = price_response(t, sigma, mu, beta, lag)
    closed = float(expected_call_margin(a, s0 * np.exp(log_f), c, total))
    assert closed == pytest.approx(mc, rel=1e-2)
    # the forward of revenue is its mean (the Jensen term), also by simulation
    assert a * s0 * np.exp(float(log_f)) == pytest.approx(revenue.mean(), rel=5e-3)


def test_no_elasticity_is_the_plain_lognormal_price() -> None:
    t = np.array([3.5, 100.0, 700.0])
    log_f, total = price_response(t, 0.03, 0.001, 0.0, 170.0)
    np.testing.assert_allclose(log_f, 0.001 * t)
    np.testing.assert_allclose(total, 0.03 * np.sqrt(t))


def test_response_lowers_the_value_and_table_equals_reference() -> None:
    kw = dict(NOV25, tariff=0.40, sigma_per_day=0.032, discount_rate_per_year=0.215,
              life_days=730.0, days_to_halving=533.0)
    base = float(option_adjusted_value(S9["hashrate"], S9["power"], **kw))
    with_response = float(option_adjusted_value(S9["hashrate"], S9["power"], **kw,
                                                price_elasticity=0.324, price_lag_days=170.0))
    # the network takes part of every rally: less option value (the S9 is near the money)
    assert with_response < base
    table = value_table(np.array([S9["hashrate"]]), np.array([S9["power"]]), **kw,
                        price_elasticity=0.324, price_lag_days=170.0)
    assert float(table[0, 0]) == pytest.approx(with_response, rel=1e-12)


def test_fit_recovers_a_known_elasticity_and_lag() -> None:
    # A synthetic network: ln D = 1.2 t / 365.25 + 0.4 ln S_{t-90} + small noise.
    rng = np.random.default_rng(3)
    n = 2000
    days = pd.date_range("2012-01-01", periods=n, freq="D")
    log_s = np.cumsum(rng.standard_normal(n) * 0.04)
    lagged = np.concatenate([np.full(90, log_s[0]), log_s[:-90]])
    log_d = 1.2 * np.arange(n) / 365.25 + 0.4 * lagged + rng.standard_normal(n) * 0.01
    daily = pd.DataFrame({"price": np.exp(log_s), "difficulty": np.exp(log_d)}, index=days)
    fit = fit_price_response(daily, start=dt.date(2012, 6, 1), before=dt.date(2017, 1, 1))
    assert fit.lag_days == 90.0
    assert fit.elasticity == pytest.approx(0.4, abs=0.02)
    assert fit.trend_per_year == pytest.approx(1.2, abs=0.05)
    assert fit.r_squared > 0.9
