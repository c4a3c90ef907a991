"""Seasonal tariffs: hand values, 29 February, the year end, coverage errors, array == loop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hashwinter.energy import SICHUAN_HYDRO_2018, Season, SeasonalTariff
from hashwinter.energy.seasonal import month_day_slot

# Sichuan 2018 as the story tells it: wet (hydro) 0.08 CNY/kWh Apr-Oct, dry
# (thermal) 0.28 Nov-Mar. Hand values from those spans.
SICHUAN_CASES = [
    ("2018-11-25", 0.28),  # the story's day: dry season, S9 near its shutdown price
    ("2018-07-01", 0.08),  # wet season
    ("2018-03-31T23:59:59", 0.28),  # last second of the dry season
    ("2018-04-01T00:00:00", 0.08),  # first second of the wet season
    ("2018-10-31T23:59:59", 0.08),
    ("2018-11-01T00:00:00", 0.28),
    ("2018-12-31T23:00", 0.28),  # the dry season wraps the year end
    ("2019-01-01T00:00", 0.28),
    ("2016-02-29T12:00", 0.28),  # leap day inside the wrapping dry span
    ("2000-02-29", 0.28),
    ("1900-03-01", 0.28),  # 1900 is not a leap year: 1 March still in the dry span
]


@pytest.mark.parametrize(("when", "price"), SICHUAN_CASES)
def test_sichuan_hand_values(when: str, price: float) -> None:
    assert SICHUAN_HYDRO_2018.price_per_kwh(when) == pytest.approx(price)


def test_array_shape_and_dtype_follow_input() -> None:
    times = np.array(
        ["2018-07-01", "2018-11-25", "2018-04-01", "2019-02-28"], dtype="datetime64[D]"
    )
    got = SICHUAN_HYDRO_2018.price_per_kwh(times.reshape(2, 2))
    assert got.shape == (2, 2)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [[0.08, 0.28], [0.08, 0.28]])


def test_season_index_names_the_season() -> None:
    idx = SICHUAN_HYDRO_2018.season_index(["2018-07-01", "2018-11-25"])
    assert [SICHUAN_HYDRO_2018.seasons[i].name for i in idx] == ["wet", "dry"]


def test_leap_day_takes_28_february_when_no_span_names_it() -> None:
    # Winter ends on 02-28; 29 Feb is named by nobody and borrows 28 Feb's price.
    t = SeasonalTariff(
        currency="EUR",
        seasons=[
            Season(start="03-01", end="10-31", price=0.10),
            Season(start="11-01", end="02-28", price=0.20),
        ],
    )
    assert t.price_per_kwh("2020-02-29") == pytest.approx(0.20)
    assert t.price_per_kwh("2020-03-01") == pytest.approx(0.10)


def test_leap_day_named_explicitly() -> None:
    t = SeasonalTariff(
        currency="EUR",
        seasons=[
            Season(start="02-29", end="10-31", price=0.10),  # starts on leap day
            Season(start="11-01", end="02-28", price=0.20),
        ],
    )
    assert t.price_per_kwh("2020-02-29") == pytest.approx(0.10)
    assert t.price_per_kwh("2021-03-01") == pytest.approx(0.10)
    assert t.price_per_kwh("2021-02-28") == pytest.approx(0.20)


def test_one_season_all_year() -> None:
    t = SeasonalTariff(currency="CNY", seasons=[Season(start="01-01", end="12-31", price=0.3)])
    np.testing.assert_allclose(t.price_per_kwh(["2020-02-29", "2021-06-30"]), [0.3, 0.3])


def test_uncovered_days_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        SeasonalTariff(
            currency="CNY",
            seasons=[
                Season(start="04-15", end="10-31", price=0.08),
                Season(start="11-01", end="03-31", price=0.28),
            ],
        )
    (err,) = info.value.errors()
    assert err["loc"] == ("seasons",)
    assert "days not covered by any season: 04-01..04-14" in err["msg"]


def test_overlapping_days_are_named_with_their_seasons() -> None:
    with pytest.raises(ValidationError) as info:
        SeasonalTariff(
            currency="CNY",
            seasons=[
                Season(start="04-01", end="11-10", price=0.08),
                Season(start="11-01", end="03-31", price=0.28),
            ],
        )
    msg = info.value.errors()[0]["msg"]
    assert "more than one season (seasons[0] and seasons[1]): 11-01..11-10" in msg


def test_uncovered_run_across_the_year_end_is_one_range() -> None:
    with pytest.raises(ValidationError) as info:
        SeasonalTariff(currency="CNY", seasons=[Season(start="01-06", end="12-25", price=0.1)])
    assert "not covered by any season: 12-26..01-05" in info.value.errors()[0]["msg"]


@pytest.mark.parametrize("bad", ["4-1", "04/01", "13-01", "02-30", "00-10", "04-31"])
def test_bad_month_day(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Season(start=bad, end="10-31", price=0.1)
    assert info.value.errors()[0]["loc"] == ("start",)


def test_month_day_slot() -> None:
    assert month_day_slot("01-01") == 0
    assert month_day_slot("02-29") == 59
    assert month_day_slot("03-01") == 60
    assert month_day_slot("12-31") == 365


def test_frozen() -> None:
    with pytest.raises(ValidationError):
        SICHUAN_HYDRO_2018.currency = "USD"  # type: ignore[misc]


# ---- vectorized lookup == a plain loop over timestamps ------------------------

LEAP = dt.date(2000, 1, 1)


def _md(slot: int) -> str:
    return (LEAP + dt.timedelta(days=slot)).strftime("%m-%d")


@st.composite
def seasonal_tariffs(draw: st.DrawFn) -> SeasonalTariff:
    """Random valid tariffs: cut the leap calendar at k points; sometimes skip 29 Feb."""
    cuts = sorted(draw(st.sets(st.integers(0, 365), min_size=1, max_size=6)))
    seasons = []
    for i, start in enumerate(cuts):
        end = (cuts[(i + 1) % len(cuts)] - 1) % 366
        seasons.append([start, end])
    # Leave 29 Feb to the fallback rule: a span ending on it ends on 28 Feb instead,
    # or a span starting on it starts on 1 March (unless it is only that day).
    if draw(st.booleans()):
        for s in seasons:
            if s[1] == 59 and s[0] != 59:
                s[1] = 58
            elif s[0] == 59 and s[1] != 59:
                s[0] = 60
    prices = draw(st.lists(st.floats(0.01, 2.0), min_size=len(seasons), max_size=len(seasons)))
    return SeasonalTariff(
        currency="CNY",
        seasons=[
            Season(start=_md(a), end=_md(b), price=p)
            for (a, b), p in zip(seasons, prices, strict=True)
        ],
    )


def _reference_price(tariff: SeasonalTariff, when: dt.datetime) -> float:
    """One timestamp at a time, by comparing (month, day) tuples."""

    def covers(season: Season, md: tuple[int, int]) -> bool:
        a = tuple(int(x) for x in season.start.split("-"))
        b = tuple(int(x) for x in season.end.split("-"))
        return a <= md <= b if a <= b else (md >= a or md <= b)

    md = (when.month, when.day)
    hits = [s for s in tariff.seasons if covers(s, md)]
    if not hits and md == (2, 29):
        hits = [s for s in tariff.seasons if covers(s, (2, 28))]
    assert len(hits) == 1
    return hits[0].price


timestamps = st.lists(
    st.datetimes(min_value=dt.datetime(1890, 1, 1), max_value=dt.datetime(2110, 12, 31)),
    min_size=1,
    max_size=200,
)
# Days a naive generator rarely hits: leap days, year ends, season edges.
edge_days = st.sampled_from(
    [
        dt.datetime(2016, 2, 29, 12),
        dt.datetime(2000, 2, 29),
        dt.datetime(1900, 2, 28, 23, 59, 59),
        dt.datetime(1900, 3, 1),
        dt.datetime(2018, 12, 31, 23, 59, 59),
        dt.datetime(2019, 1, 1),
        dt.datetime(1969, 12, 31, 23, 59, 59),
    ]
)


@given(seasonal_tariffs(), timestamps, st.lists(edge_days, max_size=5))
def test_vectorized_equals_loop(
    tariff: SeasonalTariff, times: list[dt.datetime], edges: list[dt.datetime]
) -> None:
    whens = [t.replace(microsecond=0) for t in times + edges]
    arr = np.array(whens, dtype="datetime64[s]")
    expected = [_reference_price(tariff, w) for w in whens]
    np.testing.assert_array_equal(tariff.price_per_kwh(arr), expected)
