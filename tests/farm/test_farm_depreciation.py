import datetime as dt

import numpy as np
import pytest

from hashwinter.farm.build import _straight_line


@pytest.mark.parametrize("years", [1.0, 2.5, 10.0])
def test_straight_line_charges_exactly_the_amount_over_the_life(years):
    dates = np.arange(np.datetime64("2017-06-01"), np.datetime64("2029-01-01"))
    daily, before, after = _straight_line(dates, dt.date(2018, 1, 1), 365_250.0, years)
    # The whole life inside the window: the charges add up to the amount, no more.
    assert daily.sum() == pytest.approx(365_250.0, rel=1e-12)
    assert before == 0.0 and after == 0.0  # not yet bought at the start; written off at the end
    # Per day: amount / (years * 365.25); nothing before the purchase.
    assert daily[dates < np.datetime64("2018-01-01")].sum() == 0.0
    assert daily[dates == np.datetime64("2018-01-01")][0] == pytest.approx(
        365_250.0 / (years * 365.25))


def test_book_value_bridges_a_window_inside_the_life():
    dates = np.arange(np.datetime64("2018-11-01"), np.datetime64("2019-01-01"))
    daily, before, after = _straight_line(dates, dt.date(2018, 1, 1), 365_250.0, 2.0)
    assert before - after == pytest.approx(daily.sum(), rel=1e-12)
