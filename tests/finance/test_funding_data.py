"""Real BitMEX XBTUSD funding 2016-2020: what the data says, and the funding models."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from datafiles import shared_data_file
from hashwinter.data.importers import read_funding
from hashwinter.finance import AR1Funding, ConstantFunding, FundingHistory, daily_sums

FILE = "btc_futures_2018.csv"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    """The file read with the csv module (independent of our importer)."""
    with open(shared_data_file(FILE), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def history() -> FundingHistory:
    return FundingHistory.from_frame(read_funding(shared_data_file(FILE)))


def test_2018_mean_is_minus_0_0072_percent_per_8h(rows, history):
    # SOURCES.md: "The 2018 mean is -0.0072%/8 h (~ -7.9%/yr)".
    rates = [float(r["funding_rate"]) for r in rows if r["timestamp_utc"].startswith("2018")]
    assert len(rates) == 365 * 3
    assert sum(rates) / len(rates) == pytest.approx(-0.0000719461, rel=1e-6)
    assert round(100 * sum(rates) / len(rates), 4) == -0.0072
    year = history.window("2018-01-01", "2019-01-01")
    assert year.rates.mean() == pytest.approx(sum(rates) / len(rates), rel=1e-12)
    assert year.rates.mean() * 3 * 365 == pytest.approx(-0.0788, abs=5e-4)  # -7.9 %/yr


def test_november_2018_rates_sum_to_minus_2_2_percent(rows, history):
    nov = [float(r["funding_rate"]) for r in rows if r["timestamp_utc"].startswith("2018-11")]
    assert len(nov) == 90  # 30 days x 3
    assert sum(nov) == pytest.approx(-0.022242, abs=1e-9)
    assert history.window("2018-11-01", "2018-12-01").rates.sum() == pytest.approx(sum(nov))
    # Negative: shorts paid longs; a short hedge paid 2.2 % of its face that month. Counted
    # in the file: 37 of the 90 rates are negative, all from 2018-11-15 04:00 (the crash
    # after the Bitcoin Cash fork); from then on they sum to -3.35 %.
    nov = history.window("2018-11-01", "2018-12-01")
    assert np.count_nonzero(nov.rates < 0) == 37
    assert str(nov.times[nov.rates < 0][0]) == "2018-11-15T04:00:00"
    assert nov.rates[nov.times >= np.datetime64("2018-11-15")].sum() == pytest.approx(-0.033512)


def test_history_spacing_and_per_8h_scaling(history):
    assert history.times.size == 4866 and history.symbol == "XBTUSD"
    gaps = np.diff(history.times).astype(np.int64) / 3600
    np.testing.assert_array_equal(gaps, history.interval_hours[1:])
    assert set(np.unique(history.interval_hours)) == {8.0, 24.0}
    daily = history.interval_hours == 24
    np.testing.assert_allclose(history.per_8h()[daily], history.rates[daily] / 3)


def test_daily_sums_match_a_loop(history):
    window = history.window("2018-11-01", "2018-12-01")
    days, sums = daily_sums(window.times, window.rates)
    assert len(days) == 30
    for day, total in zip(days, sums, strict=True):
        mask = window.times.astype("datetime64[D]") == day
        assert total == pytest.approx(window.rates[mask].sum(), abs=1e-15)


def test_ar1_fit_on_the_8h_series_and_its_simulation(history):
    after = history.interval_hours == 8
    model = AR1Funding.fit(history.rates[after])
    # Funding is persistent; the figures quoted in docs/hedging.md.
    assert np.count_nonzero(after) == 4844
    assert model.phi == pytest.approx(0.755, abs=5e-4)
    assert model.mean == pytest.approx(0.000126, abs=5e-7)
    assert model.sigma == pytest.approx(0.000749, abs=5e-7)
    assert model.stationary_std() == pytest.approx(0.00114, abs=5e-6)
    assert model.mean == pytest.approx(history.rates[after].mean(), abs=2e-5)
    # The vectorized simulation equals the recursion run in a loop on the same shocks.
    sim = model.simulate(50, 4, np.random.default_rng(3), start=0.0001)
    rng = np.random.default_rng(3)
    shocks = model.sigma * rng.standard_normal((4, 50))
    loop = np.empty((4, 50))
    for p in range(4):
        x = 0.0001 - model.mean
        for t in range(50):
            x = model.phi * x + shocks[p, t]
            loop[p, t] = x + model.mean
    np.testing.assert_allclose(sim, loop, rtol=1e-12, atol=1e-15)
    # Long run: many paths reproduce the stationary mean and spread.
    many = model.simulate(400, 2000, np.random.default_rng(5))
    assert many.mean() == pytest.approx(model.mean, abs=3 * model.stationary_std() / 40)
    assert many.std() == pytest.approx(model.stationary_std(), rel=0.05)
    capped = AR1Funding(model.mean, model.phi, model.sigma, cap=0.00375).simulate(
        400, 100, np.random.default_rng(5))
    assert np.abs(capped).max() <= 0.00375


def test_constant_funding():
    rates = ConstantFunding(-0.000072).simulate(90, 3)
    assert rates.shape == (3, 90) and rates.sum() == pytest.approx(-0.000072 * 270)


def test_the_rate_is_not_significantly_tied_to_the_intervals_return(history):
    """Why the simulated funding ignores the path's returns: regressing each 8-hourly rate
    on the previous rate and on the log return of the XBTUSD trade price over the interval
    (2,651 intervals where both marks are known) gives a return coefficient of -3.1e-4
    with a standard error of 2.5e-4 (t = -1.2): no link the data can support."""
    after = history.interval_hours == 8
    r, marks = history.rates[after], history.marks[after]
    ret = np.diff(np.log(marks))  # ret[t - 1]: the interval ending at funding time t
    y, lag, x = r[2:], r[1:-1], ret[1:]
    ok = np.isfinite(x)
    design = np.column_stack([np.ones(ok.sum()), lag[ok], x[ok]])
    coef, *_ = np.linalg.lstsq(design, y[ok], rcond=None)
    resid = y[ok] - design @ coef
    se = np.sqrt(np.diag(resid.var(ddof=3) * np.linalg.inv(design.T @ design)))
    assert ok.sum() == 2651
    assert coef[2] == pytest.approx(-3.1e-4, abs=5e-6)
    assert se[2] == pytest.approx(2.5e-4, abs=5e-6)
    assert abs(coef[2] / se[2]) < 2
