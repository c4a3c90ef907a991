"""Forward fill (hashwinter.fill) against hand computations."""

from __future__ import annotations

import numpy as np

from hashwinter.fill import NAT, asof, last_valid_index


def test_asof_skips_missing_values_and_carries_the_last_one():
    # ECB-like rates: Thu 6.90, Fri NaN (a holiday row), Mon 6.95. Sat/Sun/Fri keep Thursday's.
    days = np.array([10, 11, 14])
    got, when = asof(days, [6.90, np.nan, 6.95], np.array([9, 10, 11, 12, 13, 14, 20]))
    np.testing.assert_array_equal(got, [np.nan, 6.90, 6.90, 6.90, 6.90, 6.95, 6.95])
    assert when.tolist() == [NAT, 10, 10, 10, 10, 14, 14]


def test_asof_on_datetime64_days_of_any_shape():
    src = np.array(["2018-11-23", "2018-11-26"], dtype="datetime64[D]")  # Friday, Monday
    asked = np.array([["2018-11-22", "2018-11-24"], ["2018-11-25", "2018-11-26"]],
                     dtype="datetime64[D]")
    got, when = asof(src, [6.94, 6.95], asked)
    np.testing.assert_array_equal(got, [[np.nan, 6.94], [6.94, 6.95]])
    assert np.isnat(when[0, 0]) and when[1, 0] == np.datetime64("2018-11-23")
    empty, never = asof(src, [np.nan, np.nan], asked)
    assert np.isnan(empty).all() and np.isnat(never).all()


def test_last_valid_index_along_the_last_axis():
    valid = np.array([[False, True, False, True, False],
                      [True, False, False, False, False]])
    assert last_valid_index(valid).tolist() == [[-1, 1, 1, 3, 3], [0, 0, 0, 0, 0]]
