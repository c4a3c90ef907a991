import numpy as np
import pytest

from hashwinter.economics import daily_margins, npv, payback_days
from hashwinter.units import GREGORIAN_MONTH_DAYS


def test_flat_payback_closed_form():
    # The story: "an S9 bought second-hand for a few hundred yuan pays back in three months"
    # at 0.28 CNY/kWh. 600 CNY / (14.2 - 8.9) CNY/day = 113.2 days, about 3.7 months.
    assert payback_days(600, 14.2, 8.9) == pytest.approx(600 / 5.3)
    assert payback_days(600, 8.0, 8.9) == np.inf
    assert payback_days(0, 8.0, 8.9) == 0.0


def test_growth_payback_equals_day_by_day_loop():
    price, rev, cost, g = 600.0, 14.2, 8.9, 0.05
    cumulative, day = 0.0, 0
    while True:
        margin = max(rev * (1 + g) ** (-day / GREGORIAN_MONTH_DAYS) - cost, 0.0)
        if cumulative + margin >= price:
            expected = day + (price - cumulative) / margin
            break
        cumulative += margin
        day += 1
    assert payback_days(price, rev, cost, g) == pytest.approx(expected, rel=1e-12)
    assert payback_days(price, rev, cost, g) > payback_days(price, rev, cost)


def test_growth_can_prevent_payback():
    # Margin 0.3/day shrinking 10 %/month never repays 600.
    assert payback_days(600, 9.2, 8.9, 0.10) == np.inf


def test_payback_vectorized():
    out = payback_days(np.array([600.0, 1200.0, 600.0]), 14.2, 8.9, np.array([0.0, 0.03, 0.05]))
    assert out.shape == (3,)
    assert out[0] == pytest.approx(600 / 5.3)
    assert out[1] == pytest.approx(payback_days(1200.0, 14.2, 8.9, 0.03))


def test_daily_margins_floor_at_zero():
    m = daily_margins(10.0, 9.0, 400, 0.05)
    assert m.shape == (400,)
    assert m[0] == pytest.approx(1.0)
    assert (m >= 0).all() and m[-1] == 0.0


def test_npv_by_hand():
    # 110 received in one year at 10 %: worth 100 today.
    assert npv([110.0], 0.10, period_days=365.25, initial_outlay=100.0) == pytest.approx(0.0)
    # Two flows: 50 / 1.1 + 60 / 1.21 - 90.
    assert npv([50.0, 60.0], 0.10, period_days=365.25, initial_outlay=90) == pytest.approx(
        50 / 1.1 + 60 / 1.21 - 90
    )
    # Zero rate: the plain sum.
    assert npv(np.ones(30), 0.0) == pytest.approx(30.0)


def test_month_of_growth_is_the_projections_mean_gregorian_month():
    # Issue 10: the payback calculator grew difficulty per month of 365.25 / 12 = 30.4375
    # days (labelled "mean Gregorian month") while the scenarios' projection used
    # 365.2425 / 12 = 30.436875. One month now: on day 365 of 5 %/month growth revenue is
    # 1.05^(-365 / 30.436875) of day 0's (by hand: ln 1.05 = 0.0487902, x 11.99203 =
    # 0.585093, e^-0.585093 = 0.557054); the Julian month gave 1.05^-11.99178 = 0.557061.
    from hashwinter.network import ConstantGrowthDifficulty

    assert GREGORIAN_MONTH_DAYS == 30.436875
    decay = daily_margins(1.0, 0.0, 366, 0.05)[365]
    assert decay == pytest.approx(0.557054, rel=2e-6)
    assert decay == pytest.approx(1.05 ** (-365 / 30.436875), rel=1e-13)
    assert decay != pytest.approx(1.05 ** (-365 / 30.4375), rel=1e-6)
    smooth = ConstantGrowthDifficulty(d0=1.0, monthly_growth=0.05, step_days=None)
    assert decay == pytest.approx(1.0 / float(smooth.at(365.0)), rel=1e-13)
