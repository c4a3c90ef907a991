"""The timestamp forms every tariff accepts, and what they mean."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hashwinter.energy import SICHUAN_HYDRO_2018, SeasonalTariff
from hashwinter.energy.times import (
    as_local_datetime64,
    day_of_leap_year,
    hour_of_day,
    hour_of_week,
    month_index,
    weekday,
)
from hashwinter.errors import InputError

FORMS = [
    "2018-11-25T10:00",
    np.datetime64("2018-11-25T10:00"),
    dt.datetime(2018, 11, 25, 10),
    pd.Timestamp("2018-11-25 10:00"),
    pd.Timestamp("2018-11-25 10:00", tz="Asia/Shanghai"),  # its own wall time
]


@pytest.mark.parametrize("when", FORMS)
def test_scalar_forms(when: object) -> None:
    assert as_local_datetime64(when) == np.datetime64("2018-11-25T10:00:00")


def test_date_and_array_forms() -> None:
    assert as_local_datetime64(dt.date(2018, 11, 25)) == np.datetime64("2018-11-25T00:00")
    idx = pd.date_range("2018-11-25", periods=3, freq="D")
    for form in (idx, pd.Series(idx), idx.to_numpy(), list(idx.strftime("%Y-%m-%d"))):
        np.testing.assert_array_equal(as_local_datetime64(form), idx.to_numpy())


def test_calendar_fields() -> None:
    t = np.array(
        ["2018-11-25T23:59:59", "2016-02-29T00:00", "1969-12-31T13:00"], dtype="datetime64[s]"
    )
    # leap calendar: 1 Nov is slot 305 (31+29+31+30+31+30+31+31+30+31), so 25 Nov is 329
    assert day_of_leap_year(t).tolist() == [329, 59, 365]
    assert hour_of_day(t).tolist() == [23, 0, 13]
    assert weekday(t).tolist() == [6, 0, 2]  # Sunday, Monday, Wednesday
    assert hour_of_week(t).tolist() == [6 * 24 + 23, 0, 2 * 24 + 13]
    # months since 1970-01: (2018 - 1970) * 12 + 10; (2016 - 1970) * 12 + 1; -1
    assert month_index(t).tolist() == [586, 553, -1]


def test_calendar_fields_over_a_wide_range_skip_the_day_table() -> None:
    # More than a million days apart: computed directly, same answers.
    t = np.array(["0100-03-01", "2018-11-25T05:00", "4000-02-29"], dtype="datetime64[s]")
    assert day_of_leap_year(t).tolist() == [60, 329, 59]
    assert month_index(t).tolist()[1] == 586


def test_time_zone_moves_the_season_boundary() -> None:
    # 16:00 UTC on 31 Oct is midnight of 1 Nov in Sichuan (UTC+8): the dry season.
    local = SeasonalTariff.model_validate(
        {**SICHUAN_HYDRO_2018.model_dump(), "timezone": "Asia/Shanghai"}
    )
    np.testing.assert_allclose(
        local.price_per_kwh(["2018-10-31T15:59:59", "2018-10-31T16:00:00"]), [0.08, 0.28]
    )
    aware = pd.DatetimeIndex(["2018-10-31T16:00"]).tz_localize("UTC")
    np.testing.assert_allclose(local.price_per_kwh(aware), [0.28])
    # Without a zone an aware time is read on its own clock: 16:00 on 31 Oct.
    np.testing.assert_allclose(SICHUAN_HYDRO_2018.price_per_kwh(aware), [0.08])


@pytest.mark.parametrize("bad", ["yesterday", ["2018-11-25", "NaT"], 3.5j])
def test_bad_times(bad: object) -> None:
    with pytest.raises(InputError) as info:
        SICHUAN_HYDRO_2018.price_per_kwh(bad)
    assert info.value.field == "times"


def test_nat_in_pandas_index() -> None:
    with pytest.raises(InputError, match="NaT"):
        SICHUAN_HYDRO_2018.price_per_kwh(pd.DatetimeIndex(["2018-11-25", None]))
