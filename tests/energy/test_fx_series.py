"""Dated FX rates with forward fill, on the real ECB USD/CNY series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file, winter_data_file
from hashwinter.energy import FxSeries
from hashwinter.errors import InputError


def _series(path) -> FxSeries:
    return FxSeries.from_frame(pd.read_csv(path), date_column="date",
                               columns={"CNY": "cny_per_usd"}, source="usd_cny_daily.csv")


@pytest.fixture(scope="module")
def ecb() -> FxSeries:
    """The winter fixture's ECB rates (2018-10-01 .. 2019-03-29)."""
    return _series(winter_data_file("usd_cny_daily.csv"))


@pytest.fixture(scope="module")
def ecb_full() -> FxSeries:
    """All of ../shared/data's ECB rates (2014-01-02 .. 2025-12-31)."""
    return _series(shared_data_file("usd_cny_daily.csv"))


def test_weekend_of_the_story_is_forward_filled(ecb: FxSeries) -> None:
    # Friday 2018-11-23: 6.94732; Saturday 24 and Sunday 25 carry it; Monday 26: 6.94086.
    got = ecb.rate_on(["2018-11-23", "2018-11-24", "2018-11-25", "2018-11-26"], "CNY")
    np.testing.assert_allclose(got.rates, [6.94732, 6.94732, 6.94732, 6.94086])
    assert got.filled.tolist() == [False, True, True, False]
    assert got.filled_dates == ["2018-11-24", "2018-11-25"]
    assert [str(d) for d in got.observed_on] == ["2018-11-23"] * 3 + ["2018-11-26"]
    assert got.note() == (
        "CNY per USD forward-filled: 2018-11-24 from 2018-11-23, 2018-11-25 from 2018-11-23"
    )


def test_single_currency_needs_no_name_and_times_are_truncated(ecb: FxSeries) -> None:
    got = ecb.rate_on(pd.DatetimeIndex(["2018-11-25 18:30"]))
    assert got.rates.tolist() == [6.94732]
    assert ecb.rate_on("2018-11-26").note() is None


def test_convert_on_a_day(ecb: FxSeries) -> None:
    # The story's 25 Nov 2018 price: 27,400 CNY at Friday's 6.94732 = 3,943.9669 USD.
    assert ecb.convert(27_400, "CNY", "USD", "2018-11-25") == pytest.approx(3_943.9669, abs=1e-4)
    np.testing.assert_allclose(
        ecb.convert(np.array([1.0, 1.0]), "USD", "CNY", ["2018-11-25", "2018-11-26"]),
        [6.94732, 6.94086],
    )
    assert ecb.convert(5.0, "CNY", "CNY", "1999-01-01") == 5.0


def test_outside_the_range_fails_clearly(ecb_full: FxSeries) -> None:
    with pytest.raises(InputError) as info:
        ecb_full.rate_on(["2013-12-31", "2014-01-02"])
    assert info.value.field == "date"
    assert "2013-12-31 is before the CNY FX series starts (2014-01-02)" in str(info.value)
    assert info.value.source == "usd_cny_daily.csv"
    with pytest.raises(InputError) as info:
        ecb_full.rate_on(["2026-01-01", "2026-01-02"])
    assert "2026-01-02 is after the CNY FX series ends (2025-12-31) (and 1 more)" in str(info.value)


def test_gap_longer_than_max_fill_is_refused() -> None:
    s = pd.Series([7.0, 7.1], index=pd.to_datetime(["2020-01-01", "2020-01-20"]))
    fx = FxSeries.from_series(s, "CNY", max_fill_days=7)
    assert float(fx.rate_on("2020-01-08").rates) == 7.0
    with pytest.raises(InputError) as info:
        fx.rate_on("2020-01-09")
    assert "no CNY rate within 7 days before 2020-01-09 (last observation 2020-01-01)" in str(
        info.value
    )


def test_nan_is_a_missing_day_per_currency() -> None:
    frame = pd.DataFrame(
        {"CNY": [6.9, np.nan, 7.0], "EUR": [0.9, 0.91, np.nan]},
        index=["2020-01-06", "2020-01-07", "2020-01-08"],
    )
    fx = FxSeries.from_frame(frame)
    assert fx.currencies == ["CNY", "EUR"]
    cny = fx.rate_on(["2020-01-07"], "CNY")
    assert cny.rates.tolist() == [6.9]
    assert cny.filled.tolist() == [True]
    assert float(fx.fx_per_usd("2020-01-07")["EUR"]) == 0.91
    with pytest.raises(InputError, match="after the EUR FX series ends"):
        fx.rate_on("2020-01-08", "EUR")  # each currency's range is its own
    with pytest.raises(InputError) as info:
        fx.rate_on("2020-01-07")  # two currencies: which?
    assert info.value.field == "currency"
    with pytest.raises(InputError) as info:
        fx.rate_on("2020-01-07", "JPY")
    assert "JPY" in info.value.message


@pytest.mark.parametrize(
    ("values", "index", "needle"),
    [
        ([6.9, 7.0], ["2020-01-06", "2020-01-06"], "duplicate date 2020-01-06"),
        ([6.9, -7.0], ["2020-01-06", "2020-01-07"], "rate on 2020-01-07 must be a positive"),
        ([np.nan], ["2020-01-06"], "no observations"),
        ([6.9], ["not a date"], "unreadable date"),
    ],
)
def test_bad_series(values: list[float], index: list[str], needle: str) -> None:
    with pytest.raises(InputError) as info:
        FxSeries.from_series(pd.Series(values, index=index), "CNY")
    assert needle in str(info.value)


def test_missing_columns() -> None:
    frame = pd.DataFrame({"day": ["2020-01-06"], "rate": [6.9]})
    with pytest.raises(InputError) as info:
        FxSeries.from_frame(frame, date_column="date")
    assert info.value.field == "date_column"
    with pytest.raises(InputError) as info:
        FxSeries.from_frame(frame, date_column="day", columns={"CNY": "cny"})
    assert info.value.field == "columns"
