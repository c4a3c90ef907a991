"""Built-in example tariffs against their rows in the shared power-price data."""

from __future__ import annotations

import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.energy import (
    EXAMPLE_TARIFFS,
    F2POOL_BENCHMARK,
    SHIHEZI_2018,
    SICHUAN_HYDRO_2018,
    example_tariff,
)
from hashwinter.errors import InputError

SICHUAN_URL = (
    "https://news.8btc.com/bitcoin-mining-rigs-are-moved-to-sichuan-as-wet-season-draws-near"
)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return pd.read_csv(shared_data_file("mining_power_prices.csv"))


def _row(prices: pd.DataFrame, url: str, season: str) -> pd.Series:
    rows = prices[(prices.source_url == url) & prices.season_or_period.str.contains(season)]
    assert len(rows) == 1, (url, season)
    return rows.iloc[0]


def test_sichuan_prices_are_the_8btc_rows(prices: pd.DataFrame) -> None:
    wet = _row(prices, SICHUAN_URL, "wet season")
    dry = _row(prices, SICHUAN_URL, "dry season")
    assert (wet.currency, dry.currency) == ("CNY", "CNY") == (SICHUAN_HYDRO_2018.currency,) * 2
    by_name = {s.name: s.price for s in SICHUAN_HYDRO_2018.seasons}
    assert by_name == {"wet": wet.price_low, "dry": dry.price_low}


def test_sichuan_story_days() -> None:
    # 25 Nov 2018 (the story's day) is dry season; 1 July is wet.
    assert SICHUAN_HYDRO_2018.price_per_kwh("2018-11-25") == pytest.approx(0.28)
    assert SICHUAN_HYDRO_2018.price_per_kwh("2018-07-01") == pytest.approx(0.08)


def test_shihezi_and_f2pool_rows(prices: pd.DataFrame) -> None:
    shihezi = _row(prices, "https://fb.box/crypto/69775.html", "contract price")
    assert (SHIHEZI_2018.price, SHIHEZI_2018.currency) == (shihezi.price_low, shihezi.currency)
    f2pool = _row(prices, "https://fb.box/crypto/67996.html", "Nov 2018")
    assert "F2Pool" in f2pool.price_kind
    assert (F2POOL_BENCHMARK.price, F2POOL_BENCHMARK.currency) == (f2pool.price_low, "CNY")


def test_lookup_by_name() -> None:
    assert example_tariff("Sichuan-Hydro-2018") is SICHUAN_HYDRO_2018
    assert set(EXAMPLE_TARIFFS) == {"sichuan_hydro_2018", "shihezi_2018", "f2pool_benchmark"}
    with pytest.raises(InputError) as info:
        example_tariff("ordos")
    assert "shihezi_2018" in info.value.message
