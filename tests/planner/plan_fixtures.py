"""Shared inputs of the planner tests: the real 2018-2019 history in CNY, the example files."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

from hashwinter.engine import market_from_coinmetrics
from hashwinter.planner import MarketView, view_from_market

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# The rule of tests/conftest.py, not imported from it: in a whole-suite run
# tests/fuzz/conftest.py can hold the module name "conftest" first.
SHARED_DATA = Path(os.environ.get("HASHWINTER_SHARED_DATA",
                                  Path(__file__).resolve().parents[3] / "shared" / "data"))


def shared_data_file(name: str) -> Path:
    """Return the path of a real data file; fail loudly (never skip) if it is missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(f"real data file missing: {path} (set HASHWINTER_SHARED_DATA)", pytrace=False)
    return path


@functools.cache
def history_view(start: str = "2018-11-01", end: str = "2019-12-31") -> MarketView:
    """Real daily BTC history (Coin Metrics) with ECB USD/CNY, in CNY."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    fx = pd.read_csv(shared_data_file("usd_cny_daily.csv"))
    return view_from_market(market_from_coinmetrics(btc, fx, currency="CNY", start=start,
                                                    end=end))
