"""Expected risk losses: hand values, vectorized against a loop, and the sampler's mean."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hashwinter.sites import (
    PowerCuts,
    expected_downtime_share,
    expected_fine_cost,
    expected_seizure_loss,
    probability_within,
    sample_cut_days,
)


def test_downtime_share_by_hand():
    # 4 inspections a year of 10 days: 40/365.25 = 0.109514 cuts under way on average;
    # the share of time with at least one is 1 - exp(-0.109514) = 1 - 0.896270 = 0.103730.
    assert float(expected_downtime_share(4.0, 10.0)) == pytest.approx(0.103730, abs=1e-6)
    assert float(expected_downtime_share(0.0, 10.0)) == 0.0
    assert float(expected_downtime_share(365.0, 3650.0)) == pytest.approx(1.0)


def test_fine_and_seizure_by_hand():
    # A 30 % yearly chance of a 50 CNY fine per machine, over a 30-day month: 1.232 CNY.
    assert float(expected_fine_cost(0.3, 50.0, 30.0)) == pytest.approx(0.3 * 50 * 30 / 365.25)
    # Theft of all machines with 10 %/year, S9 worth 600 CNY, over 31 days:
    # 1 - 0.9^(31/365.25) = 0.008903; x 600 = 5.342 CNY.
    assert float(expected_seizure_loss(0.1, 1.0, 600.0, 31.0)) == pytest.approx(
        600 * (1 - 0.9 ** (31 / 365.25)), rel=1e-12)
    assert float(probability_within(1.0, 1.0)) == 1.0
    assert float(probability_within(0.0, 100.0)) == 0.0


def test_vectorized_equals_a_loop():
    rng = np.random.default_rng(13)
    rate, dur = rng.uniform(0, 20, 50), rng.uniform(0.5, 30, 50)
    p, share, value, days = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50), \
        rng.uniform(0, 5000, 50), rng.integers(1, 32, 50)
    down = expected_downtime_share(rate, dur)
    fine = expected_fine_cost(p, value, days)
    seize = expected_seizure_loss(p, share, value, days)
    for i in range(50):
        assert down[i] == pytest.approx(1 - math.exp(-rate[i] * dur[i] / 365.25), rel=1e-12)
        assert fine[i] == pytest.approx(p[i] * value[i] * days[i] / 365.25, rel=1e-12)
        assert seize[i] == pytest.approx((1 - (1 - p[i]) ** (days[i] / 365.25)) * share[i]
                                         * value[i], rel=1e-9)


def test_sampled_cuts_average_to_the_expected_share():
    cuts = PowerCuts(rate_per_year=6.0, mean_duration_days=10.0)
    days = np.arange(np.datetime64("2019-01-01"), np.datetime64("2020-12-31"))
    sample = sample_cut_days(cuts, days, 2000, np.random.default_rng(2018))
    # 1 - exp(-60/365.25) = 0.1515; the daily discretisation is within a few per cent.
    assert sample.mean() == pytest.approx(float(expected_downtime_share(6.0, 10.0)), rel=0.05)


def test_a_campaign_cuts_only_inside_its_window():
    cuts = PowerCuts(rate_per_year=50.0, mean_duration_days=1.0, duration="fixed",
                     start="2018-11-05", end="2018-11-30")
    days = np.arange(np.datetime64("2018-10-01"), np.datetime64("2018-12-31"))
    sample = sample_cut_days(cuts, days, 500, np.random.default_rng(5))
    inside = (days >= np.datetime64("2018-11-05")) & (days <= np.datetime64("2018-11-30"))
    assert sample[:, ~inside].sum() == 0  # fixed one-day cuts never spill over
    assert sample[:, inside].mean() == pytest.approx(50 / 365.25, rel=0.1)
