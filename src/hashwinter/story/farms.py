"""Backtests of the shipped farm files, and of variants of them, on the story's store.

A variant is the farm file's document with a few keys replaced (its window, policy or
fleet), validated by :func:`hashwinter.farm.farm_from_dict` like the file itself, so every
change the story makes to a shipped scenario is written out in the section that makes it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hashwinter.farm import BacktestResult, backtest_from_store, farm_from_dict, load_farm

__all__ = ["daily_totals", "farm_doc", "leg_row", "run_doc", "run_file"]


def farm_doc(path: Path) -> dict[str, Any]:
    """Return the parsed TOML document of a farm file (to derive a variant from)."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def run_file(path: Path, store: Path, start: str | None = None,
             end: str | None = None) -> BacktestResult:
    """Backtest a shipped farm file as it is, over its window or ``start``..``end``."""
    return backtest_from_store(load_farm(path), store, start=start, end=end)


def run_doc(doc: Mapping[str, Any], store: Path, source: str) -> BacktestResult:
    """Backtest a farm document (a variant of ``source``, named in errors)."""
    return backtest_from_store(farm_from_dict(doc, source=source), store)


def leg_row(name: str, result: BacktestResult) -> dict[str, object]:
    """One line of a side-by-side table of farm legs (currency of the farm)."""
    s = result.summary
    return {"leg": name, "from": s.start.isoformat(), "to": s.end.isoformat(),
            "coins_mined": s.coins_mined, "revenue": s.revenue, "power_cost": s.power_cost,
            "operating_margin": s.operating_margin, "machine_sales": s.machine_sales,
            "fixed_costs": s.fixed_costs, "cash_end": s.cash_end, "equity_end": s.equity_end,
            "broke": s.broke_date.isoformat() if s.broke_date else ""}


def daily_totals(result: BacktestResult) -> pd.DataFrame:
    """Per day: coins mined, revenue, power cost, machines installed and unplugged (all cohorts)."""
    ccy = result.currency.lower()
    c = result.cohorts
    cols = {"coins_mined_btc": "coins", f"revenue_{ccy}": "revenue",
            f"power_cost_{ccy}": "power_cost", "installed_machines": "installed",
            "unplugged_machines": "unplugged"}
    out = c.groupby("date", sort=True)[list(cols)].sum().rename(columns=cols)
    out.index = pd.DatetimeIndex(out.index)
    return out
