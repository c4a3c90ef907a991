"""Exogenous difficulty projections: constant growth and retarget bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file, winter_data_file
from hashwinter.errors import InputError
from hashwinter.network import ConstantGrowthDifficulty, RetargetBootstrap, retarget_ratios
from hashwinter.units import GREGORIAN_MONTH_DAYS


def _difficulty(full: bool = False) -> pd.Series:
    """Coin Metrics' daily mean difficulty: the winter fixture, or all of ../shared/data."""
    path = shared_data_file("btc_daily.csv") if full else winter_data_file("btc_daily.csv")
    df = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return df["difficulty"]


def test_constant_growth_in_monthly_steps():
    g = ConstantGrowthDifficulty(d0=1e12, monthly_growth=0.05)
    d = g.simulate(2, 400, np.random.default_rng(0))
    assert d.shape == (2, 401)
    np.testing.assert_array_equal(d[0], d[1])
    assert d[0, 30] == 1e12  # the first month is not over after 30 days
    assert d[0, 31] == pytest.approx(1e12 * 1.05)
    # After 365 days, 11 full months (12 months = 365.24 days).
    assert d[0, 365] == pytest.approx(1e12 * 1.05**11)
    smooth = ConstantGrowthDifficulty(d0=1.0, monthly_growth=0.05, step_days=None)
    assert float(smooth.at(GREGORIAN_MONTH_DAYS * 12)) == pytest.approx(1.05**12)


def test_retarget_ratios_of_the_2018_winter():
    d = _difficulty()["2018-11-01":"2018-12-31"]
    ratios = retarget_ratios(d)
    # Published retargets of the winter: -7.39 % (17 Nov), -15.13 % (3 Dec, the
    # largest drop since 2011), -9.56 % (18 Dec). 2 Nov's +0.02 % comes first.
    np.testing.assert_allclose(ratios - 1, [-0.0739, -0.1513, -0.0956], atol=5e-5)


def test_bootstrap_only_applies_historical_ratios_at_their_pace():
    history = _difficulty(full=True)["2016-01-01":"2019-12-31"]
    boot = RetargetBootstrap.fit(history)
    assert boot.d0 == history.iloc[-1]
    paths = boot.simulate(50, 365, np.random.default_rng(4))
    assert np.all(paths[:, 0] == boot.d0)
    hist = np.sort(boot.ratios)
    for row in paths:
        steps = row[1:] / row[:-1]
        changes = steps[steps != 1.0]
        pos = np.clip(np.searchsorted(hist, changes), 1, hist.size - 1)
        nearest = np.minimum(np.abs(hist[pos] - changes), np.abs(hist[pos - 1] - changes))
        assert nearest.max() < 1e-12
        # A window that ends in ratio r took 14 / r days: with every historical r in
        # [0.85, 1.21], retargets are 11-17 days apart.
        days = np.flatnonzero(steps != 1.0)
        if days.size > 1:
            gaps = np.diff(days)
            assert gaps.min() >= 11 and gaps.max() <= 17


def test_bootstrap_retarget_timing_is_fourteen_days_over_ratio():
    boot = RetargetBootstrap(d0=100.0, ratios=np.array([0.5]))  # every window 28 days
    row = boot.simulate(1, 90, np.random.default_rng(0))[0]
    assert row[27] == 100.0 and row[28] == 50.0 and row[56] == 25.0 and row[84] == 12.5


def test_same_seed_same_paths():
    boot = RetargetBootstrap(d0=1.0, ratios=np.array([0.9, 1.1, 1.05]), block_length=2)
    np.testing.assert_array_equal(
        boot.simulate(3, 100, np.random.default_rng(1)),
        boot.simulate(3, 100, np.random.default_rng(1)),
    )


def test_bad_input_names_the_field():
    with pytest.raises(InputError) as err:
        ConstantGrowthDifficulty(d0=1.0, monthly_growth=-1.5)
    assert err.value.field == "monthly_growth"
    with pytest.raises(InputError) as err:
        RetargetBootstrap(d0=1.0, ratios=np.array([1.0, -0.5]))
    assert err.value.field == "ratios"
    with pytest.raises(InputError):
        retarget_ratios(pd.Series([5.0, 5.0, 5.0]))
