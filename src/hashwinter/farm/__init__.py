"""Farms: config files (sites, fleet, treasury, policy), policies and backtests.

>>> from hashwinter.farm import load_farm, backtest   # doctest: +SKIP
>>> result = backtest(load_farm("examples/shihezi_hu_haifeng.toml"), market)  # doctest: +SKIP

See docs/farms.md.
"""

from hashwinter.farm.backtest import (
    BacktestResult,
    backtest,
    backtest_from_store,
    check_ledger_balances,
    convert_ledger,
)
from hashwinter.farm.build import (
    FarmRun,
    build_farm_run,
    farm_window,
    needed_currencies,
    resolve_window,
    site_tariff_table,
)
from hashwinter.farm.coin_choice import MostProfitableCoinConfig
from hashwinter.farm.config import (
    CapexItem,
    FarmConfig,
    FleetItem,
    LoadedFarm,
    OwnerConfig,
    PolicyConfig,
    SiteConfig,
    TreasuryConfig,
    farm_from_dict,
    load_farm,
)
from hashwinter.farm.follow_plan import FollowPlan, FollowPlanConfig, stay_put_farm
from hashwinter.farm.gpu_cycle import GpuCycleConfig, GpuCyclePolicy
from hashwinter.farm.hosting import HostingConfig, HostingContract
from hashwinter.farm.policies import AlwaysOn, MostProfitableCoin, ShutdownPricePolicy
from hashwinter.farm.registry import PolicyContext, load_plugin, policy_kinds, register_policy
from hashwinter.farm.summary import FarmSummary, summarize
from hashwinter.farm.trading import config as _trading  # noqa: F401  (registers trading kinds)

__all__ = [
    "AlwaysOn",
    "BacktestResult",
    "CapexItem",
    "FarmConfig",
    "FarmRun",
    "FarmSummary",
    "FleetItem",
    "FollowPlan",
    "FollowPlanConfig",
    "GpuCycleConfig",
    "GpuCyclePolicy",
    "HostingConfig",
    "HostingContract",
    "LoadedFarm",
    "MostProfitableCoin",
    "MostProfitableCoinConfig",
    "OwnerConfig",
    "PolicyConfig",
    "PolicyContext",
    "ShutdownPricePolicy",
    "SiteConfig",
    "TreasuryConfig",
    "backtest",
    "backtest_from_store",
    "build_farm_run",
    "check_ledger_balances",
    "convert_ledger",
    "farm_from_dict",
    "farm_window",
    "load_farm",
    "load_plugin",
    "needed_currencies",
    "policy_kinds",
    "register_policy",
    "resolve_window",
    "site_tariff_table",
    "stay_put_farm",
    "summarize",
]
