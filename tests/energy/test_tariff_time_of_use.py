"""Time-of-use tariffs: hand values, weekends, midnight wrap, time zones, array == loop."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hashwinter.energy import TimeOfUseBand, TimeOfUseTariff

# A peak/valley schedule with a cheaper weekend night (prices invented for the test).
TOU = TimeOfUseTariff(
    currency="CNY",
    bands=[
        TimeOfUseBand(name="peak", start=8, end=22, price=0.60),
        TimeOfUseBand(name="valley", start=22, end=8, price=0.30, days="weekday"),
        TimeOfUseBand(name="weekend valley", start=22, end=8, price=0.20, days="weekend"),
    ],
)


@pytest.mark.parametrize(
    ("when", "price"),
    [
        ("2018-11-26T07:59:59", 0.30),  # Monday before the peak
        ("2018-11-26T08:00:00", 0.60),
        ("2018-11-26T21:59:59", 0.60),
        ("2018-11-26T22:00:00", 0.30),
        ("2018-11-26T23:30:00", 0.30),  # the valley wraps midnight
        ("2018-11-25T03:00:00", 0.20),  # Sunday night
        ("2018-11-24T12:00:00", 0.60),  # Saturday noon: the "all" band
        ("2018-11-30T23:00:00", 0.30),  # Friday night is a weekday
        ("2018-12-01T00:00:00", 0.20),  # Saturday 00:00
    ],
)
def test_hand_values(when: str, price: float) -> None:
    assert TOU.price_per_kwh(when) == pytest.approx(price)


def test_band_index() -> None:
    idx = TOU.band_index(["2018-11-26T12:00", "2018-11-25T03:00"])
    assert [TOU.bands[i].name for i in idx] == ["peak", "weekend valley"]


def test_end_equal_to_start_is_the_whole_day() -> None:
    t = TimeOfUseTariff(currency="USD", bands=[TimeOfUseBand(start=0, end=24, price=0.05)])
    np.testing.assert_allclose(t.price_per_kwh(["2020-01-01T00:00", "2020-01-04T23:59"]), 0.05)
    t = TimeOfUseTariff(currency="USD", bands=[TimeOfUseBand(start=6, end=6, price=0.05)])
    assert t.price_per_kwh("2020-01-01T05:00") == pytest.approx(0.05)


def test_site_time_zone_reads_naive_times_as_utc() -> None:
    # 00:00 UTC is 08:00 in China (no DST): the start of the peak.
    t = TOU.model_copy(update={"timezone": "Asia/Shanghai"})
    t = TimeOfUseTariff.model_validate(t.model_dump())
    np.testing.assert_allclose(
        t.price_per_kwh(["2018-11-25T23:59:59", "2018-11-26T00:00:00"]), [0.30, 0.60]
    )
    aware = pd.DatetimeIndex(["2018-11-26T08:00"]).tz_localize("Asia/Shanghai")
    np.testing.assert_allclose(t.price_per_kwh(aware), [0.60])


def test_unknown_time_zone() -> None:
    with pytest.raises(ValidationError) as info:
        TimeOfUseTariff(currency="CNY", timezone="Mars/Olympus", bands=TOU.bands)
    assert info.value.errors()[0]["loc"] == ("timezone",)
    assert "Mars/Olympus" in info.value.errors()[0]["msg"]


def test_uncovered_hours_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        TimeOfUseTariff(
            currency="CNY",
            bands=[
                TimeOfUseBand(start=8, end=22, price=1),
                TimeOfUseBand(start=23, end=6, price=1),
            ],
        )
    (err,) = info.value.errors()
    assert err["loc"] == ("bands",)
    assert err["msg"] == ("Value error, hours not covered by any band: 06:00-08:00, 22:00-23:00")


def test_weekend_only_problems_say_so() -> None:
    with pytest.raises(ValidationError) as info:
        TimeOfUseTariff(
            currency="CNY",
            bands=[
                TimeOfUseBand(start=0, end=24, price=1),
                TimeOfUseBand(start=8, end=9, price=2, days="weekend"),
            ],
        )
    assert info.value.errors()[0]["msg"].endswith(
        "hours covered by more than one band (bands[0] and bands[1]) at weekends: 08:00-09:00"
    )


def test_weekday_only_schedule_leaves_weekends_uncovered() -> None:
    with pytest.raises(ValidationError) as info:
        TimeOfUseTariff(
            currency="CNY", bands=[TimeOfUseBand(start=0, end=24, price=1, days="weekday")]
        )
    assert "hours not covered by any band at weekends: 00:00-24:00" in str(info.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", 24), ("start", -1), ("end", 25), ("start", 8.5), ("days", "holiday")],
)
def test_bad_band_fields(field: str, value: object) -> None:
    data: dict[str, object] = {"start": 0, "end": 24, "price": 1.0}
    data[field] = value
    with pytest.raises(ValidationError) as info:
        TimeOfUseBand.model_validate(data)
    assert info.value.errors()[0]["loc"] == (field,)


# ---- vectorized lookup == a plain loop ----------------------------------------


def _bands_for(draw: st.DrawFn, days: str) -> list[TimeOfUseBand]:
    cuts = sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=5)))
    out = []
    for i, start in enumerate(cuts):
        end = cuts[(i + 1) % len(cuts)]
        out.append(TimeOfUseBand(start=start, end=end, price=draw(st.floats(0.01, 2.0)), days=days))  # type: ignore[arg-type]
    return out


@st.composite
def tou_tariffs(draw: st.DrawFn) -> TimeOfUseTariff:
    if draw(st.booleans()):
        bands = _bands_for(draw, "all")
    else:
        bands = _bands_for(draw, "weekday") + _bands_for(draw, "weekend")
    return TimeOfUseTariff(currency="CNY", bands=draw(st.permutations(bands)))


def _reference_price(tariff: TimeOfUseTariff, when: dt.datetime) -> float:
    weekend = when.weekday() >= 5
    hits = []
    for band in tariff.bands:
        if (band.days == "weekday" and weekend) or (band.days == "weekend" and not weekend):
            continue
        length = (band.end - band.start) % 24 or 24
        if (when.hour - band.start) % 24 < length:
            hits.append(band)
    assert len(hits) == 1
    return hits[0].price


@given(
    tou_tariffs(),
    st.lists(
        st.datetimes(dt.datetime(1890, 1, 1), dt.datetime(2110, 12, 31)), min_size=1, max_size=200
    ),
)
def test_vectorized_equals_loop(tariff: TimeOfUseTariff, times: list[dt.datetime]) -> None:
    whens = [t.replace(microsecond=0) for t in times]
    got = tariff.price_per_kwh(np.array(whens, dtype="datetime64[s]"))
    np.testing.assert_array_equal(got, [_reference_price(tariff, w) for w in whens])


@given(
    tou_tariffs(),
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]),
    st.lists(
        st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2037, 12, 31)), min_size=1, max_size=100
    ),
)
def test_time_zone_equals_loop(
    tariff: TimeOfUseTariff, zone: str, times: list[dt.datetime]
) -> None:
    # Naive times are UTC; the loop converts each with zoneinfo (DST included).
    local_tariff = TimeOfUseTariff.model_validate({**tariff.model_dump(), "timezone": zone})
    whens = [t.replace(microsecond=0) for t in times]
    tz = zoneinfo.ZoneInfo(zone)
    expected = [
        _reference_price(tariff, w.replace(tzinfo=dt.UTC).astimezone(tz).replace(tzinfo=None))
        for w in whens
    ]
    got = local_tariff.price_per_kwh(np.array(whens, dtype="datetime64[s]"))
    np.testing.assert_array_equal(got, expected)
