"""The tests' data finder: skip without ../shared/data, fail where it is required."""

from __future__ import annotations

import csv

import pytest

import datafiles
from datafiles import WINTER_FIRST, WINTER_LAST, shared_data_file, winter_data_file


@pytest.mark.parametrize(("env", "required"), [
    ({}, False), ({"CI": "true"}, True), ({"HASHWINTER_REQUIRE_SHARED": "1"}, True),
    ({"CI": "false", "HASHWINTER_REQUIRE_SHARED": "0"}, False),
])
def test_missing_full_data_skips_or_fails(monkeypatch, tmp_path, env, required):
    for name in ("CI", "HASHWINTER_REQUIRE_SHARED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(datafiles, "SHARED_DATA", tmp_path / "absent")
    expected = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(expected, match=r"needs the full real data: .*absent/btc_daily\.csv"):
        shared_data_file("btc_daily.csv")


def test_the_winter_fixture_is_one_winter_within_200_rows():
    for name, first, last, rows in (("btc_daily.csv", WINTER_FIRST, WINTER_LAST, 182),
                                    ("usd_cny_daily.csv", WINTER_FIRST, "2019-03-29", 127)):
        with open(winter_data_file(name), newline="", encoding="utf-8") as fh:
            dates = [row["date"] for row in csv.DictReader(fh)]
        assert (dates[0], dates[-1], len(dates)) == (first, last, rows), name
        assert dates == sorted(set(dates))
    assert (datafiles.WINTER_DATA / "LICENSE").is_file()


def test_the_winter_fixture_is_a_verbatim_subset():
    # Every line of the fixture is a line of the full file (where that is present).
    for name in ("btc_daily.csv", "usd_cny_daily.csv"):
        full = set(shared_data_file(name).read_text(encoding="utf-8").splitlines())
        part = winter_data_file(name).read_text(encoding="utf-8").splitlines()
        assert set(part) <= full, name
