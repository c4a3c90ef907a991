"""Shared inputs of the planner tests: the real 2018-2019 history in CNY, the example files."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from datafiles import shared_data_file
from hashwinter.engine import market_from_coinmetrics
from hashwinter.planner import MarketView, view_from_market

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

@functools.cache
def history_view(start: str = "2018-11-01", end: str = "2019-12-31") -> MarketView:
    """Real daily BTC history (Coin Metrics) with ECB USD/CNY, in CNY."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    fx = pd.read_csv(shared_data_file("usd_cny_daily.csv"))
    return view_from_market(market_from_coinmetrics(btc, fx, currency="CNY", start=start,
                                                    end=end))
