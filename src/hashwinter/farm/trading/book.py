"""The trading ledger of a backtest: fleet size, trades, book value and realised gains.

:func:`trade_book` walks the days of a backtest's ledger (variant 0, path 0)
with one book per cohort: the undepreciated cost ``K`` and the book value ``B``
of the machines held, pooled at average cost. A fleet item opens at its cost
depreciated straight-line to the first day (its ``depreciation_years``); a
purchase adds its price to both; each day the machines held lose
``K / (n x life)`` each (``life``: the fleet item's depreciation period, two
years for purchases), never below zero; a sale or scrapping takes its share
``sold / held`` of ``K`` and ``B``, and the **realised gain** is the proceeds
less that share of ``B`` (negative: a realised loss).

:func:`trading_comparison` puts the legs of a decision side by side (Lao Luo's
"sold / stored / run").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = ["TRADING_KINDS", "WITHOUT_TRADING_SUFFIX", "has_trading", "opening_book",
           "trade_book", "trading_comparison", "trading_tables", "used_price_paths",
           "without_trading"]

#: The registered kinds of the trading rules (farm/trading/config.py).
TRADING_KINDS = frozenset({"sell_above_value", "buy_payback", "buy_fleet", "scrap_below_value",
                           "sell_on_date", "store_until_recovery"})


#: Suffix of the "without" twin of a trading farm in a scenario's outputs.
WITHOUT_TRADING_SUFFIX = " (without trading)"


def has_trading(farm: Any) -> bool:
    """Whether a loaded farm has a trading rule among its ``[[policies]]``."""
    return any(getattr(p, "kind", None) in TRADING_KINDS for p in farm.config.policies)


def without_trading(farm: Any, *, name: str | None = None) -> Any:
    """Return the same loaded farm without its trading rules (the "without" leg), or None.

    ``name``: a new name for it (a scenario's twin is ``<name> (without trading)``).
    """
    import dataclasses

    config = farm.config
    kept = [p for p in config.policies if getattr(p, "kind", None) not in TRADING_KINDS]
    if len(kept) == len(config.policies):
        return None
    update: dict[str, Any] = {"policies": kept}
    if name is not None:
        update["name"] = name
    return dataclasses.replace(farm, config=config.model_copy(update=update))

_PURCHASE_LIFE_YEARS = 2.0


def _opening_book(result: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return opening_book(result.farm_run)


def opening_book(fr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (undepreciated cost, book value, life in days) per cohort on a run's first day.

    ``fr`` is a :class:`~hashwinter.farm.build.FarmRun`. A fleet item bought before the
    first day opens at its cost depreciated straight-line to that day; purchase cohorts
    and items bought later open empty (their price arrives as a purchase).
    """
    cohorts = fr.spec.cohorts
    context = fr.context
    items = context.fleet_item if context is not None and context.fleet_item else tuple(
        range(cohorts.n))
    role = context.role if context is not None and context.role else ("fleet",) * cohorts.n
    fleet = fr.farm.config.fleet
    first = np.datetime64(fr.spec.clock.dates[0], "D")
    cost = np.zeros(cohorts.n)
    book = np.zeros(cohorts.n)
    life = np.full(cohorts.n, _PURCHASE_LIFE_YEARS * JULIAN_YEAR_DAYS)
    for c, (i, r) in enumerate(zip(items, role, strict=True)):
        if i < 0:
            continue
        item = fleet[i]
        life[c] = item.depreciation_years * JULIAN_YEAR_DAYS
        if r != "fleet" or np.datetime64(item.purchase_date, "D") > first:
            continue  # bought inside the window: its capex arrives as a purchase below
        age = float((first - np.datetime64(item.purchase_date, "D")) / np.timedelta64(1, "D"))
        cost[c] = item.count * item.unit_price
        book[c] = cost[c] * max(0.0, 1.0 - age / life[c])
    return cost, book, life


def trade_book(result: Any) -> pd.DataFrame:
    """Return one row per day of a backtest's fleet and trades (variant 0, path 0).

    Columns: ``date``; ``fleet_machines`` (held at the day's end), ``bought``,
    ``sold``, ``scrapped`` [machines]; ``purchase_cost``, ``sale_proceeds``,
    ``scrap_proceeds``, ``book_value_disposed``, ``realised_gain``,
    ``depreciation``, ``book_value`` [run currency].
    """
    daily = result.ledger.daily_cohort()
    cohorts = result.farm_run.spec.cohorts
    cost, book, life = _opening_book(result)
    held = np.asarray(daily["installed"][:, 0, 0], dtype=np.float64)  # (D, C) mean of day
    bought, sold = daily["bought"][:, 0, 0], daily["sold"][:, 0, 0]
    scrapped = daily["scrapped"][:, 0, 0]
    buy_cost = daily["bought"][:, 0, 0] * 0.0 + result.ledger.trade("buy_cost")[
        :, 0, 0].reshape(len(held), -1, cohorts.n).sum(axis=1)
    proceeds = daily["sale_proceeds"][:, 0, 0]
    scrap_cash = daily["scrap_proceeds"][:, 0, 0]
    n = held[0] - bought[0] + sold[0] + scrapped[0]
    rows = []
    for d in range(len(held)):
        out = sold[d] + scrapped[d]
        share = np.divide(out, n, out=np.zeros_like(n), where=n > 0)
        disposed = book * share
        cost, book = cost * (1 - share), book - disposed
        n = n - out + bought[d]
        cost, book = cost + buy_cost[d], book + buy_cost[d]
        dep = np.minimum(book, np.divide(cost, life, out=np.zeros_like(cost), where=life > 0))
        book = book - dep
        rows.append((n.sum(), bought[d].sum(), sold[d].sum(), scrapped[d].sum(),
                     buy_cost[d].sum(), proceeds[d].sum(), scrap_cash[d].sum(), disposed.sum(),
                     (proceeds[d] + scrap_cash[d] - disposed).sum(), dep.sum(), book.sum()))
    frame = pd.DataFrame(rows, columns=[
        "fleet_machines", "bought", "sold", "scrapped", "purchase_cost", "sale_proceeds",
        "scrap_proceeds", "book_value_disposed", "realised_gain", "depreciation",
        "book_value"])
    frame.insert(0, "date", pd.to_datetime(result.farm_run.spec.clock.dates))
    ccy = result.farm_run.farm.config.currency.lower()
    return frame.rename(columns={k: f"{k}_{ccy}" for k in _MONEY})


_MONEY = ("purchase_cost", "sale_proceeds", "scrap_proceeds", "book_value_disposed",
          "realised_gain", "depreciation", "book_value")


def trading_tables(result: Any) -> list[Any]:
    """Return the price tables of a backtest's trading rules (empty: no trading rule)."""
    policy = result.farm_run.policy
    parts = getattr(policy, "parts", (policy,))
    return [p.tables for p in parts if hasattr(p, "tables")]


def used_price_paths(result: Any) -> pd.DataFrame | None:
    """Return each model's used-machine price path against its shutdown price, or None.

    One row per day and model (its first cohort): ``market_price``, ``keep_value``
    [farm currency/machine] from the first trading rule's table, and the day's
    ``shutdown_price`` [farm currency/coin] and ``price`` of the coin from the ledger.
    """
    tables = trading_tables(result)
    if not tables:
        return None
    table = tables[0]
    cohorts = result.farm_run.spec.cohorts
    daily = result.ledger.daily_cohort()
    dates = pd.to_datetime(result.farm_run.spec.clock.dates)
    frames = []
    seen: set[str] = set()
    for c, model in enumerate(cohorts.model):
        if model in seen:
            continue
        seen.add(model)
        frames.append(pd.DataFrame({
            "date": dates, "model": model, "market_price": table.market[0, c],
            "keep_value": table.keep[0, c], "scrap_value": table.scrap[c],
            "shutdown_price": daily["shutdown_price"][:, 0, 0, c],
            "coin_price": daily["price"][:, 0, 0, c]}))
    return pd.concat(frames, ignore_index=True)


def trading_comparison(legs: Mapping[str, Any]) -> pd.DataFrame:
    """Return one row per figure and one column per leg (backtest results of one farm).

    Figures: coins mined [coin], power cost, machine sales, purchases, realised gain,
    cash at the end [run currency], machines held at the end, and the value of what
    is held at the end at the last day's close (cash + coins x price).
    """
    figures: dict[str, dict[str, float]] = {}
    for name, result in legs.items():
        c, t = result.cohorts, result.treasury
        ccy, coin = result.currency.lower(), result.farm_run.farm.config.coin.lower()
        book = trade_book(result)
        m = result.farm_run.farm.config.currency.lower()
        last = t["date"].max()
        end = t[t["date"] == last]
        price = float(end[f"price_{ccy}_per_{coin}"].iloc[0])
        figures[name] = {
            f"coins mined [{coin.upper()}]": float(c[f"coins_mined_{coin}"].sum()),
            f"power cost [{ccy.upper()}]": float(c[f"power_cost_{ccy}"].sum()),
            f"machine sales [{ccy.upper()}]": float(book[f"sale_proceeds_{m}"].sum()
                                                   + book[f"scrap_proceeds_{m}"].sum()),
            f"machine purchases [{ccy.upper()}]": float(book[f"purchase_cost_{m}"].sum()),
            f"realised gain [{ccy.upper()}]": float(book[f"realised_gain_{m}"].sum()),
            f"cash at the end [{ccy.upper()}]": float(end[f"cash_{ccy}"].sum()),
            f"cash + coins at the end [{ccy.upper()}]": float(
                end[f"cash_{ccy}"].sum() + end[f"coins_{coin}"].sum() * price),
            "machines held at the end": float(book["fleet_machines"].iloc[-1]),
        }
    names = list(legs)
    keys = list(figures[names[0]])
    data: dict[str, Any] = {"figure": keys}
    for name in names:
        data[name] = [figures[name][k] for k in keys]
    return pd.DataFrame(data)
