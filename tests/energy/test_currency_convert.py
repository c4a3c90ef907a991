"""Currency codes, conversion through explicit USD rates, and Money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from datafiles import winter_data_file
from hashwinter.energy import Money, convert, normalize_currency
from hashwinter.errors import InputError


@pytest.fixture(scope="module")
def ecb_2018_11_23() -> pd.Series:
    """The ECB row of Friday 2018-11-23 (usd_cny_daily.csv, the winter fixture's copy)."""
    frame = pd.read_csv(winter_data_file("usd_cny_daily.csv"), index_col="date")
    return frame.loc["2018-11-23"]


def test_the_row_is_the_one_the_tests_quote(ecb_2018_11_23: pd.Series) -> None:
    assert ecb_2018_11_23["cny_per_usd"] == pytest.approx(6.94732)
    assert ecb_2018_11_23["usd_per_eur"] == pytest.approx(1.1352)
    assert ecb_2018_11_23["cny_per_eur"] == pytest.approx(7.8866)


def test_cny_to_usd_by_hand(ecb_2018_11_23: pd.Series) -> None:
    rate = float(ecb_2018_11_23["cny_per_usd"])
    # 27,400 CNY (BTC on 2018-11-25 in the story) / 6.94732 CNY/USD = 3,943.9669 USD
    assert convert(27_400, "CNY", "USD", {"CNY": rate}) == pytest.approx(3_943.9669, abs=1e-4)
    # 1,000 USD * 6.94732 = 6,947.32 CNY
    assert convert(1_000, "USD", "CNY", {"CNY": rate}) == pytest.approx(6_947.32)


def test_cross_rate_through_usd_matches_ecb(ecb_2018_11_23: pd.Series) -> None:
    # EUR per USD = 1 / 1.1352; 100 EUR -> CNY through USD must give the ECB's own
    # 7.8866 CNY/EUR (the CSV's cross rate is rounded to 5 decimals).
    fx = {"CNY": float(ecb_2018_11_23["cny_per_usd"]), "eur": 1 / 1.1352}
    assert convert(100, "EUR", "CNY", fx) == pytest.approx(788.66, rel=1e-5)


def test_unknown_currency_names_it_and_the_flag() -> None:
    with pytest.raises(InputError) as info:
        convert(100, "EUR", "USD", {"CNY": 6.94})
    assert info.value.field == "currency"
    assert "EUR" in info.value.message
    assert "--fx" in info.value.message


def test_same_currency_needs_no_rate() -> None:
    assert convert(5.0, "cny", "CNY") == 5.0
    assert convert(5.0, "USD", "USD", None) == 5.0


@pytest.mark.parametrize("rate", [0.0, -6.9, float("nan"), float("inf")])
def test_bad_rate(rate: float) -> None:
    with pytest.raises(InputError) as info:
        convert(1, "CNY", "USD", {"CNY": rate})
    assert info.value.field == "fx.CNY"


def test_usd_rate_must_be_one() -> None:
    with pytest.raises(InputError):
        convert(1, "CNY", "USD", {"CNY": 6.9, "USD": 1.1})


def test_arrays_and_series_align() -> None:
    amounts = np.array([6.9, 13.8, 70.0])
    rates = np.array([6.9, 6.9, 7.0])
    np.testing.assert_allclose(convert(amounts, "CNY", "USD", {"CNY": rates}), [1.0, 2.0, 10.0])
    s_amount = pd.Series([69.0, 70.0], index=["2018-11-23", "2018-11-26"])
    s_rate = pd.Series([7.0, 6.9], index=["2018-11-26", "2018-11-23"])  # other order
    got = convert(s_amount, "CNY", "USD", {"CNY": s_rate})
    assert got["2018-11-23"] == pytest.approx(10.0)
    assert got["2018-11-26"] == pytest.approx(10.0)


@pytest.mark.parametrize("bad", ["RMB1", "US", "€", "", 840])
def test_bad_codes(bad: object) -> None:
    with pytest.raises(InputError) as info:
        normalize_currency(bad, field="currency")
    assert info.value.field == "currency"


def test_money() -> None:
    a = Money(27_400, "cny")
    assert a.currency == "CNY"
    usd = a.to("USD", {"CNY": 6.94732})
    assert usd.currency == "USD"
    assert usd.amount == pytest.approx(3_943.9669, abs=1e-4)
    assert (a + Money(600, "CNY")).amount == 28_000
    assert (2 * Money(1.5, "USD")).amount == 3.0
    assert str(Money(1234.5, "USD")) == "1,234.50 USD"
    with pytest.raises(InputError):
        a + Money(1, "USD")
