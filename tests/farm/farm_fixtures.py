"""Shared inputs of the farm tests: the real 2017-2019 history in CNY (read once)."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from datafiles import shared_data_file
from hashwinter.engine import DailyMarket, market_from_coinmetrics

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@functools.cache
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_csv(shared_data_file("btc_daily.csv")),
            pd.read_csv(shared_data_file("usd_cny_daily.csv")))


@functools.cache
def history(currency: str = "CNY") -> DailyMarket:
    """Real daily BTC history 2017-2019 (Coin Metrics) with ECB USD/CNY, in ``currency``."""
    btc, fx = _frames()
    return market_from_coinmetrics(btc, fx, currency=currency, start="2017-01-01",
                                   end="2019-12-31")


def btc_rows() -> pd.DataFrame:
    """btc_daily.csv indexed by date."""
    return _frames()[0].set_index("date")


def cny_per_usd(day: str) -> float:
    """ECB USD/CNY on ``day`` or the last business day before it."""
    fx = _frames()[1].set_index("date")["cny_per_usd"]
    return float(fx.loc[:day].iloc[-1])
