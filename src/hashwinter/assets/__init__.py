"""Machines as assets: what a used machine is worth (see docs/assets.md)."""

from hashwinter.assets.table import value_table
from hashwinter.assets.valuation import (
    expected_call_margin,
    option_adjusted_value,
)

__all__ = ["expected_call_margin", "option_adjusted_value", "value_table"]
