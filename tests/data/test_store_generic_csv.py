"""The generic date,value importer."""

from __future__ import annotations

import pytest
from store_helpers import write

from hashwinter.data import read_csv
from hashwinter.errors import InputError, InputErrors


def test_price_series_with_header(tmp_path):
    path = write(tmp_path / "btc_cny.csv", "date,close\n2018-11-25,27400\n2018-11-24,26440.5\n")
    frame = read_csv(path, series="price", asset="btc", currency="cny")
    assert frame.attrs["kind"] == "price"
    assert frame[["asset", "quote"]].drop_duplicates().values.tolist() == [["BTC", "CNY"]]
    assert frame["price"].tolist() == [26440.5, 27400.0]  # sorted by date


def test_fx_series_without_header(tmp_path):
    frame = read_csv(write(tmp_path / "x.csv", "2018-11-23,6.94732\n"), series="fx",
                     currency="CNY")
    assert frame.attrs["kind"] == "fx"
    assert frame["currency"].tolist() == ["CNY"] and frame["per_usd"].tolist() == [6.94732]


@pytest.mark.parametrize(("series", "column"), [("difficulty", "difficulty"),
                                                ("hashrate", "hashrate_hs"),
                                                ("blocks", "blocks"), ("fees", "fees"),
                                                ("issuance", "issuance")])
def test_chain_series(tmp_path, series, column):
    frame = read_csv(write(tmp_path / "s.csv", "date,value\n2018-12-04,138\n"), series=series)
    assert frame.attrs["kind"] == "chain"
    assert frame["asset"].tolist() == ["BTC"] and frame[column].tolist() == [138.0]


def test_bad_rows_and_arguments(tmp_path):
    path = write(tmp_path / "s.csv", "date,value\n2018-12-04,1.5\n2018-12-05,\n2018-12-04,3\n")
    with pytest.raises(InputErrors) as info:
        read_csv(path, series="blocks")
    assert [str(e) for e in info.value.errors] == [
        f"{path}:2:2: value: must be a whole number (got 1.5)",
        f"{path}:3:2: value: empty value",
        f"{path}:4:1: date: duplicate date 2018-12-04 (first on line 2)",
    ]
    with pytest.raises(InputError, match="unknown series 'volume'"):
        read_csv(path, series="volume")
    with pytest.raises(InputError, match="currency: required"):
        read_csv(path, series="fx")
    with pytest.raises(InputError, match="expected two columns"):
        read_csv(write(tmp_path / "t.csv", "a,b,c\n1,2,3\n"), series="price")
