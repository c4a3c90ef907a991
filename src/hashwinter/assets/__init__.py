"""Machines as assets: what a used machine is worth (see docs/assets.md)."""

from hashwinter.assets.table import value_table
from hashwinter.assets.valuation import (
    DAYS_PER_YEAR,
    expected_call_margin,
    option_adjusted_value,
)

__all__ = ["DAYS_PER_YEAR", "expected_call_margin", "option_adjusted_value", "value_table"]
