"""Render a shutdown table (see :func:`hashwinter.economics.shutdown_table`).

Three forms: a rich terminal table (one row per machine, a margin and a shutdown
price column per tariff, green above water and red below), CSV and JSON (one
record per machine and tariff, the documented contract other tools read).

The terminal table is drawn from the table's columns alone, so ``hashwinter shutdown``
renders :func:`~hashwinter.economics.table.shutdown_columns` without loading pandas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hashwinter.chain.coins import algorithm_of
from hashwinter.state import NetworkState

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

__all__ = ["JSON_KEYS", "state_caption", "to_csv", "to_json", "to_rich_table"]

#: Keys of each JSON record (the contract of ``hashwinter shutdown --format json``),
#: followed by the extra keys ``electricity_share``, ``price`` and ``above_shutdown``.
JSON_KEYS: tuple[str, ...] = (
    "model",
    "hashrate_ths",
    "power_w",
    "efficiency_j_th",
    "coins_per_day",
    "revenue_per_day",
    "power_cost_per_day",
    "margin_per_day",
    "shutdown_price",
    "tariff",
    "currency",
)
_EXTRA_KEYS: tuple[str, ...] = ("electricity_share", "price", "above_shutdown")


def to_json(table: pd.DataFrame) -> str:
    """Return the table as a strict JSON list of objects.

    A value that is not finite is null with a flag beside it: the shutdown price
    of a machine that mines nothing (no reward) is ``null`` with
    ``"shutdown_price_flag": "never"`` (no price makes it pay).
    """
    from hashwinter.reports.finite import dumps

    records = []
    for row in table[list(JSON_KEYS + _EXTRA_KEYS)].to_dict(orient="records"):
        record = {str(k): v for k, v in row.items()}
        record["above_shutdown"] = bool(record["above_shutdown"])
        records.append(record)
    return dumps(records, indent=2, ensure_ascii=False)


def to_csv(table: pd.DataFrame) -> str:
    """Return the table as CSV with a header row (non-finite cells empty, with a flag column)."""
    from hashwinter.reports.finite import finite_frame

    return str(finite_frame(table).to_csv(index=False, float_format="%.10g"))


def state_caption(state: NetworkState, pool_fee: float) -> str:
    """Return a one-paragraph description of the network state used."""
    when = state.date.isoformat() if state.date else "hypothetical state"
    parts = [
        f"{state.coin} {when}: price {state.price:,.2f} {state.currency}",
        f"difficulty {state.difficulty:,.0f}" + (
            "" if algorithm_of(state.coin) in (None, "sha256")
            else " (Bitcoin's unit: hashes/block / 2^32)"),
        f"subsidy {state.subsidy:g} + fees {state.fees_per_block:.4g} {state.coin}/block",
        f"pool fee {pool_fee:.2%}",
    ]
    if state.currency != "USD":
        parts.append(f"{state.fx_per_usd:g} {state.currency}/USD")
    return "; ".join(parts)


def _money(value: float) -> str:
    if not math.isfinite(value):
        return "∞"
    return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"


def to_rich_table(
    table: pd.DataFrame | Mapping[str, Any], state: NetworkState, pool_fee: float
) -> Table:
    """Return a rich table: one row per machine, margin and shutdown price per tariff.

    ``table`` is a :func:`~hashwinter.economics.table.shutdown_table` or its columns
    (:func:`~hashwinter.economics.table.shutdown_columns`: the same values without pandas).
    """
    from rich.table import Table
    from rich.text import Text

    column = {name: list(table[name]) for name in (
        "model", "hashrate_ths", "power_w", "efficiency_j_th", "coins_per_day",
        "revenue_per_day", "margin_per_day", "shutdown_price", "price_to_shutdown",
        "above_shutdown", "tariff")}  # fmt: skip
    rows_of: dict[str, list[int]] = {}  # model -> its rows, models in order of appearance
    for i, model in enumerate(column["model"]):
        rows_of.setdefault(str(model), []).append(i)
    ccy = state.currency
    tariffs = list(dict.fromkeys(column["tariff"]))
    out = Table(title="Shutdown prices (关机价)", caption=state_caption(state, pool_fee))
    out.add_column("Model", style="bold")
    # Ethash machines read in MH/s and J/MH (the columns hold TH/s and J/TH).
    mega = algorithm_of(state.coin) == "ethash"
    rate_unit, scale = ("MH/s", 1e6) if mega else ("TH/s", 1.0)
    for name in (rate_unit, "W", "J/MH" if mega else "J/TH", f"{state.coin}/day",
                 f"Revenue {ccy}/day"):
        out.add_column(name, justify="right")
    coin = state.coin
    for tariff in tariffs:
        # Say what the values are and in which unit; the tariff is the condition.
        out.add_column(f"Margin {ccy}/day @{tariff:g} {ccy}/kWh", justify="right")
        out.add_column(f"Shutdown price {ccy}/{coin} @{tariff:g} {ccy}/kWh", justify="right")
    for model, rows in rows_of.items():
        first = rows[0]
        cells: list[str | Text] = [
            model,
            f"{column['hashrate_ths'][first] * scale:,.2f}",
            f"{column['power_w'][first]:,.0f}",
            f"{column['efficiency_j_th'][first] / scale:,.{3 if mega else 1}f}",
            f"{column['coins_per_day'][first]:.6f}",
            _money(column["revenue_per_day"][first]),
        ]
        for i in rows:
            style = "green" if column["above_shutdown"][i] else "red"
            cells.append(Text(_money(column["margin_per_day"][i]), style=style))
            gap = column["price_to_shutdown"][i]
            label = (f"{_money(column['shutdown_price'][i])} ({gap:+.0%})" if math.isfinite(gap)
                     else "—")
            cells.append(Text(label, style=style))
        out.add_row(*cells)
    return out
