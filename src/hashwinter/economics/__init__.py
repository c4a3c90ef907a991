"""The economics of one machine: revenue, costs, shutdown price, payback, NPV."""

from hashwinter.economics.costs import energy_per_day, margin_per_day, power_cost_per_day
from hashwinter.economics.payback import daily_margins, npv, payback_days
from hashwinter.economics.revenue import coins_per_day, hashprice, revenue_per_day
from hashwinter.economics.shutdown import breakeven_efficiency, breakeven_tariff, shutdown_price
from hashwinter.economics.table import TABLE_COLUMNS, shutdown_cube, shutdown_table

__all__ = [
    "TABLE_COLUMNS",
    "breakeven_efficiency",
    "breakeven_tariff",
    "coins_per_day",
    "daily_margins",
    "energy_per_day",
    "hashprice",
    "margin_per_day",
    "npv",
    "payback_days",
    "power_cost_per_day",
    "revenue_per_day",
    "shutdown_cube",
    "shutdown_price",
    "shutdown_table",
]
