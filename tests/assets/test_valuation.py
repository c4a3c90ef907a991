"""The option-adjusted machine value against a plain loop, Monte Carlo and hand limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashwinter.assets import expected_call_margin, option_adjusted_value

# An Antminer S9 on 25 Nov 2018 (btc_daily.csv: difficulty 6,653,303,141,406; close
# 3,946.85 USD x 6.947 CNY/USD), 12.5 BTC subsidy + ~0.26 BTC fees, 2 % pool fee.
S9 = {"hashrate": 13.5e12, "power": 1323.0}
NOV25 = {"price": 3946.85 * 6.947, "difficulty": 6_653_303_141_406.0, "subsidy": 12.5,
         "fees_per_block": 0.26, "pool_fee": 0.02}


def _ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _plain_value(h, p, price, diff, sub, fees, fee, tariff, sigma, g, r, life, step, halving):
    """The same strip of daily options, one step at a time, in Python floats."""
    total, start = 0.0, 0.0
    cost = p / 1000.0 * 24.0 * tariff
    while start < life - 1e-9:
        length = min(step, life - start)
        t = start + 0.5 * length
        reward = (sub * 0.5 if t >= halving else sub) + fees
        coins = h * 86400.0 / (diff * math.exp(g * t / 365.25) * 2.0**32) * reward * (1 - fee)
        revenue = coins * price
        s = sigma * math.sqrt(t)
        if s > 0 and cost > 0:
            d1 = math.log(revenue / cost) / s + 0.5 * s
            call = revenue * _ncdf(d1) - cost * _ncdf(d1 - s)
        else:
            call = max(revenue - cost, 0.0)
        total += call * math.exp(-r * t / 365.25) * length
        start += step
    return total


def test_black_formula_against_monte_carlo() -> None:
    # E[max(a S - c, 0)] with ln S ~ N(ln F - s^2/2, s^2): 2e6 draws, standard error
    # ~0.05 % of the value, so 0.5 % is a 10-sigma band.
    rng = np.random.default_rng(7)
    a, f, c, s = 5.2e-4, 27_400.0, 12.7, 0.45
    z = rng.standard_normal(2_000_000)
    prices = f * np.exp(-0.5 * s * s + s * z)
    mc = np.maximum(a * prices - c, 0.0).mean()
    assert float(expected_call_margin(a, f, c, s)) == pytest.approx(mc, rel=5e-3)


def test_vectorized_equals_plain_loop_on_a_grid() -> None:
    tariffs = np.array([0.08, 0.28, 0.40, 0.60])
    sigmas = np.array([0.0, 0.03, 0.06])
    growth = 0.5
    got = option_adjusted_value(
        S9["hashrate"], S9["power"], tariff=tariffs[:, None], sigma_per_day=sigmas[None, :],
        difficulty_growth_per_year=growth, discount_rate_per_year=0.1, life_days=730,
        days_to_halving=533, **NOV25)
    assert got.shape == (4, 3)
    for i, tariff in enumerate(tariffs):
        for j, sigma in enumerate(sigmas):
            want = _plain_value(S9["hashrate"], S9["power"], NOV25["price"],
                                NOV25["difficulty"], 12.5, 0.26, 0.02, tariff, sigma, growth,
                                0.1, 730.0, 7.0, 533.0)
            assert got[i, j] == pytest.approx(want, rel=1e-12)


def test_weekly_step_is_within_one_percent_of_a_daily_strip() -> None:
    kwargs = dict(S9, **NOV25, tariff=0.40, sigma_per_day=0.032,
                  difficulty_growth_per_year=0.5, discount_rate_per_year=0.1, life_days=730)
    daily = float(option_adjusted_value(**kwargs, step_days=1.0))
    weekly = float(option_adjusted_value(**kwargs, step_days=7.0))
    assert weekly == pytest.approx(daily, rel=0.01)
    assert weekly != daily  # the step matters a little, so the check is not vacuous


def test_no_volatility_is_the_sum_of_positive_margins() -> None:
    # sigma = 0: each day runs only if its margin is positive. At 0.40 CNY/kWh the S9's
    # margin on 25 Nov 2018 is revenue 13.99 - cost 12.70 CNY/day (hand computation:
    # 13.5e12 * 86400 / (6.6533e12 * 2^32) * 12.76 * 0.98 BTC/day * 27,418 CNY/BTC).
    coins = 13.5e12 * 86400 / (6_653_303_141_406 * 2**32) * 12.76 * 0.98
    margin = coins * NOV25["price"] - 1.323 * 24 * 0.40
    assert margin == pytest.approx(1.29, abs=0.01)
    flat = float(option_adjusted_value(**S9, **NOV25, tariff=0.40, life_days=100,
                                       step_days=1.0))
    assert flat == pytest.approx(100 * margin, rel=1e-12)
    # With 50 %/year difficulty growth the margin turns negative after
    # ln(13.99 / 12.70) / 0.5 years = 0.194 y = 70.9 days, and those days are skipped.
    grown = float(option_adjusted_value(**S9, **NOV25, tariff=0.40, life_days=730,
                                        step_days=1.0, difficulty_growth_per_year=0.5))
    days = np.arange(730) + 0.5
    rev = coins * NOV25["price"] * np.exp(-0.5 * days / 365.25)
    assert grown == pytest.approx(np.maximum(rev - 1.323 * 24 * 0.40, 0).sum(), rel=1e-12)
    assert np.log(coins * NOV25["price"] / (1.323 * 24 * 0.40)) / 0.5 * 365.25 == \
        pytest.approx(70.9, abs=0.1)


def test_value_falls_with_tariff_and_rises_with_volatility_and_is_floored_at_scrap() -> None:
    tariffs = np.linspace(0.05, 0.8, 16)
    v = option_adjusted_value(**S9, **NOV25, tariff=tariffs, sigma_per_day=0.03,
                              difficulty_growth_per_year=0.5)
    assert np.all(np.diff(v) < 0)
    vol = option_adjusted_value(**S9, **NOV25, tariff=0.40, sigma_per_day=[0.0, 0.02, 0.05],
                                difficulty_growth_per_year=0.5)
    assert np.all(np.diff(vol) > 0)  # an option is worth more the more the price moves
    under_water = option_adjusted_value(**S9, **NOV25, tariff=2.0, scrap_value=90.0)
    assert float(under_water) == 90.0


def test_halving_halves_the_subsidy_part_of_the_reward() -> None:
    base = dict(S9, **NOV25, tariff=0.0, life_days=20, step_days=1.0)
    before = float(option_adjusted_value(**base))
    after = float(option_adjusted_value(**base, days_to_halving=0.0))
    assert after / before == pytest.approx((6.25 + 0.26) / 12.76, rel=1e-12)


def test_bad_life_and_step_are_refused() -> None:
    with pytest.raises(ValueError, match="life_days"):
        option_adjusted_value(**S9, **NOV25, tariff=0.4, life_days=0)
    with pytest.raises(ValueError, match="step_days"):
        option_adjusted_value(**S9, **NOV25, tariff=0.4, step_days=float("nan"))


def test_value_table_equals_the_broadcast_function() -> None:
    from hashwinter.assets import value_table

    rng = np.random.default_rng(11)
    m, n = 7, 40
    h, p = rng.uniform(1e12, 1e14, m), rng.uniform(500, 3500, m)
    tariff = rng.uniform(0.02, 0.6, m)
    per_date = dict(price=rng.uniform(1e4, 5e4, n), difficulty=rng.uniform(1e12, 1e13, n),
                    fees_per_block=rng.uniform(0, 1, n), sigma_per_day=rng.uniform(0.001, 0.05, n),
                    difficulty_growth_per_year=rng.uniform(-0.5, 2, n),
                    days_to_halving=rng.uniform(0, 800, n))
    ref = option_adjusted_value(h[:, None], p[:, None], subsidy=12.5, tariff=tariff[:, None],
                                pool_fee=0.02, discount_rate_per_year=0.1, **per_date)
    # A chunk smaller than one date's cells exercises the chunk loop.
    table = value_table(h, p, subsidy=12.5, tariff=tariff, pool_fee=0.02,
                        discount_rate_per_year=0.1, max_cells=3000, **per_date)
    # Deep out-of-the-money cells (~1e-128 here) amplify one rounding of coins per day by
    # ~1e6 through d1 = ln(revenue / cost) / sigma: compared to a billionth of a unit.
    np.testing.assert_allclose(table, ref, rtol=1e-12, atol=1e-9)
    # Dates without volatility take the general path (intrinsic value where sigma = 0).
    per_date["sigma_per_day"][[0, 5]] = 0.0
    ref0 = option_adjusted_value(h[:, None], p[:, None], subsidy=12.5, tariff=tariff[:, None],
                                 pool_fee=0.02, discount_rate_per_year=0.1, **per_date)
    table0 = value_table(h, p, subsidy=12.5, tariff=tariff, pool_fee=0.02,
                         discount_rate_per_year=0.1, **per_date)
    np.testing.assert_allclose(table0, ref0, rtol=1e-12, atol=1e-9)  # deep OTM cells ~1e-34
    assert not np.allclose(table0[:, 0], table[:, 0])


def test_value_table_with_a_difficulty_gap_equals_a_daily_loop() -> None:
    # The break-even projection ln D_t / D_0 = G (1 - exp(-t / tau)), summed day by day in
    # plain Python (step_days = 1, sigma = 0: each day's margin max(a_t S - c, 0)).
    from hashwinter.assets import value_table

    h, p, price, d0, tariff, gap, tau = 13.5e12, 1323.0, 27420.0, 6.653e12, 0.40, 0.5, 60.0
    total = 0.0
    for day in range(100):
        t = day + 0.5
        d_t = d0 * math.exp(gap * (1.0 - math.exp(-t / tau)))
        coins = h * 86400 / (d_t * 2**32) * 12.76 * 0.98
        total += max(coins * price - p / 1000 * 24 * tariff, 0.0)
    kw = dict(price=price, difficulty=d0, subsidy=12.5, fees_per_block=0.26, tariff=tariff,
              pool_fee=0.02, difficulty_gap=gap, relaxation_days=tau, life_days=100.0,
              step_days=1.0)
    assert float(option_adjusted_value(h, p, **kw)[()]) == pytest.approx(total, rel=1e-12)
    assert float(value_table([h], [p], **kw)[0, 0]) == pytest.approx(total, rel=1e-12)
    # The gap lowers the value: the difficulty rises by up to e^0.5 over the life.
    assert total < float(option_adjusted_value(h, p, **dict(kw, difficulty_gap=0.0))[()])
