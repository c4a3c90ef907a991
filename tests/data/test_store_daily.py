"""Daily-series helpers against plain loops (hypothesis), and parser round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_helpers import write

from hashwinter.data import HistoryStore, read_csv
from hashwinter.data.daily import missing_days, retarget_flags, runs, to_days
from hashwinter.errors import InputError
from hashwinter.fill import NAT, asof

sorted_days = st.lists(st.integers(17_000, 17_400), min_size=0, max_size=40, unique=True).map(
    lambda xs: np.array(sorted(xs), dtype=np.int64))


@settings(max_examples=60, deadline=None)
@given(sorted_days, st.lists(st.integers(16_990, 17_410), min_size=1, max_size=30),
       st.data())
def test_asof_equals_a_loop(src, asked, data):
    values = np.array([data.draw(st.one_of(st.just(np.nan), st.floats(1, 1e6)))
                       for _ in src], dtype=float)
    days = np.array(asked, dtype=np.int64)
    got, when = asof(src, values, days)
    for d, g, w in zip(days, got, when, strict=True):
        earlier = [(s, v) for s, v in zip(src, values, strict=True) if s <= d and not np.isnan(v)]
        if earlier:
            assert (w, g) == earlier[-1]
        else:
            assert w == NAT and np.isnan(g)


@settings(max_examples=60, deadline=None)
@given(sorted_days)
def test_runs_and_missing_days_partition_the_span(days):
    covered = [d for first, last in runs(days) for d in range(first, last + 1)]
    assert covered == days.tolist()
    if days.size:
        gaps = [d for first, last in missing_days(days) for d in range(first, last + 1)]
        assert sorted(covered + gaps) == list(range(int(days[0]), int(days[-1]) + 1))


# A retarget changes difficulty by a factor in [1/4, 4]; 1 (no change) is not a retarget.
FACTORS = st.floats(0.3, 3.5).filter(lambda f: abs(f - 1) > 1e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(2, 12), FACTORS), min_size=1, max_size=8),
       st.floats(0.05, 0.95))
def test_retargets_found_in_daily_means(epochs, blend):
    # Build a daily mean series: plateaus, each retarget inside a day (a blended day).
    level, values, expected = 1e12, [], []
    for length, factor in epochs:
        values += [level] * length
        new = level * factor
        values.append(level * (1 - blend) + new * blend)  # the retarget day's mean
        expected.append((len(values) - 1, factor - 1))
        level = new
    values += [level] * 3
    days = np.arange(len(values), dtype=np.int64) + 17_000
    flag, change, blended, around = retarget_flags(days, np.array(values))
    found = [(int(i), change[i]) for i in np.flatnonzero(flag)]
    assert [i for i, _ in found] == [i for i, _ in expected]
    for (_, got), (_, want) in zip(found, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-9)
    assert (blended == flag).all()
    for i, _ in found:  # before and after are the neighbouring plateaus
        assert (around[0][i], around[1][i]) == (values[i - 1], values[i + 1])


@settings(max_examples=40, deadline=None)
# Prices up to the plausible 1e8 per coin (hashwinter.ranges "coin_price").
@given(st.lists(st.tuples(st.integers(0, 3000), st.floats(1e-6, 1e8, allow_subnormal=False)),
                min_size=1, max_size=30, unique_by=lambda t: t[0]))
def test_generic_csv_round_trip(tmp_path_factory, points):
    lines = ["date,value"] + [f"{np.datetime64('2015-01-01') + d},{v!r}" for d, v in points]
    path = write(tmp_path_factory.mktemp("rt") / "s.csv", "\n".join(lines))
    frame = read_csv(path, series="price", asset="BTC", currency="USD")
    want = sorted(points)
    assert frame["price"].tolist() == [v for _, v in want]
    assert to_days(frame["date"].to_numpy()).tolist() == [16436 + d for d, _ in want]


def test_store_open_conflicts_are_one_line(tmp_path):
    path = tmp_path / "h.duckdb"
    with HistoryStore.open(path, write=True):
        with pytest.raises(InputError, match="already open for writing in this process"):
            HistoryStore.open(path)
    junk = write(tmp_path / "junk.duckdb", "not a database " * 400)
    with pytest.raises(InputError, match="cannot open the store") as info:
        HistoryStore.open(junk)
    assert "\n" not in str(info.value)
