"""Shared inputs of the farm tests: real daily history in CNY (read once).

``history()`` is the committed winter fixture (2018-10-01 .. 2019-03-31, runs on any clone);
``full_history()`` is 2017-2019 from ../shared/data, for farms whose window starts earlier
(sichuan_hydro.toml: 2018-09-01) and for messages that name the stored range.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from datafiles import WINTER_FIRST, WINTER_LAST, shared_data_file, winter_data_file
from hashwinter.engine import DailyMarket, market_from_coinmetrics

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@functools.cache
def _frames(full: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    where = shared_data_file if full else winter_data_file
    return (pd.read_csv(where("btc_daily.csv")), pd.read_csv(where("usd_cny_daily.csv")))


@functools.cache
def history(currency: str = "CNY") -> DailyMarket:
    """Real daily BTC history of the 2018 winter (Coin Metrics) with ECB USD/CNY."""
    btc, fx = _frames()
    return market_from_coinmetrics(btc, fx, currency=currency, start=WINTER_FIRST,
                                   end=WINTER_LAST)


@functools.cache
def full_history(currency: str = "CNY") -> DailyMarket:
    """Real daily BTC history 2017-2019 (Coin Metrics) with ECB USD/CNY, in ``currency``."""
    btc, fx = _frames(full=True)
    return market_from_coinmetrics(btc, fx, currency=currency, start="2017-01-01",
                                   end="2019-12-31")


def btc_rows() -> pd.DataFrame:
    """btc_daily.csv of the winter, indexed by date."""
    return _frames()[0].set_index("date")


def cny_per_usd(day: str) -> float:
    """ECB USD/CNY on ``day`` (in the winter) or the last business day before it."""
    fx = _frames()[1].set_index("date")["cny_per_usd"]
    return float(fx.loc[:day].iloc[-1])
