"""Machines as tradable assets: the trading rules of a farm (docs/assets.md, "Decisions").

:mod:`~hashwinter.farm.trading.prices` precomputes the (cohort, day) market and
keep values, :mod:`~hashwinter.farm.trading.rules` holds the engine policies,
:mod:`~hashwinter.farm.trading.config` their registered ``[[policies]]`` kinds
and :mod:`~hashwinter.farm.trading.book` the realised gains and the fleet over time.
"""

from hashwinter.farm.trading.config import (
    BuyFleetConfig,
    BuyPaybackConfig,
    ScrapBelowValueConfig,
    SellAboveValueConfig,
    SellOnDateConfig,
    StoreUntilRecoveryConfig,
    TradingValuation,
)
from hashwinter.farm.trading.prices import TradeTables, trade_tables
from hashwinter.farm.trading.rules import (
    BlockBuy,
    BuyRule,
    ScrapRule,
    SellOnDate,
    SellRule,
    SiteLimits,
    StoreRule,
)

__all__ = [
    "BlockBuy",
    "BuyFleetConfig",
    "BuyPaybackConfig",
    "BuyRule",
    "ScrapBelowValueConfig",
    "ScrapRule",
    "SellAboveValueConfig",
    "SellOnDate",
    "SellOnDateConfig",
    "SellRule",
    "SiteLimits",
    "StoreRule",
    "StoreUntilRecoveryConfig",
    "TradeTables",
    "TradingValuation",
    "trade_tables",
]
