"""``hashwinter shutdown``: the shutdown-price table for a network state and tariffs."""

from __future__ import annotations

import datetime as dt
import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashwinter.cli.consoles import stderr_console, stdout_console
from hashwinter.errors import InputError
from hashwinter.state import WINTER_2018, NetworkState

if TYPE_CHECKING:
    from hashwinter.hardware import Catalog, Machine

__all__ = ["DEFAULT_MODELS", "default_tariffs", "shutdown_command"]

#: The machines shown when no --model is given: those the 2018 story names, then
#: later generations; only those released by the state's date are shown.
DEFAULT_MODELS: tuple[str, ...] = (
    "Antminer S7",
    "Antminer S9",
    "Antminer T9+",
    "AvalonMiner 741",
    "AvalonMiner 841",
    "WhatsMiner M3",
    "WhatsMiner M10",
    "Ebit E9+",
    "Antminer S17 Pro",
    "Antminer S19 Pro",
    "WhatsMiner M30S++",
    "Antminer S19 XP",
    "WhatsMiner M50S",
    "Antminer S21",
    "WhatsMiner M60S",
)

#: Tariffs shown when no --tariff is given, per currency [currency/kWh]:
#: CNY 0.08 Sichuan wet season, 0.28 Shihezi and Sichuan dry season, 0.40 a small farm.
_DEFAULT_TARIFFS: dict[str, tuple[float, ...]] = {
    "CNY": (0.08, 0.28, 0.40),
    "USD": (0.03, 0.05, 0.07),
}


class OutputFormat(enum.StrEnum):
    """Output forms of the table."""

    table = "table"
    csv = "csv"
    json = "json"


def default_tariffs(currency: str, fx_per_usd: float) -> tuple[float, ...]:
    """Return the tariffs shown by default in ``currency`` [currency/kWh]."""
    if currency in _DEFAULT_TARIFFS:
        return _DEFAULT_TARIFFS[currency]
    return tuple(float(f"{t * fx_per_usd:.3g}") for t in _DEFAULT_TARIFFS["USD"])


def _machines(catalog: Catalog, names: list[str] | None, state: NetworkState) -> list[Machine]:
    if not names:
        defaults = [catalog.get(name) for name in DEFAULT_MODELS]
        if state.date is None:
            return defaults
        chosen = [m for m in defaults if m.release is None or m.release <= state.date]
        if not chosen:
            first = min(defaults, key=lambda m: m.release or dt.date.max)
            # An empty table with exit 0 reads as "no machine is profitable".
            raise InputError(
                f"none of the default models was released by {state.date} (the first, "
                f"{first.model}, came out {first.release}): name a machine with --model",
                field="--date",
            )
        return chosen
    # A model named twice (or by two aliases) is one row.
    chosen = list({m.model: m for m in (catalog.get(name) for name in names)}.values())
    from hashwinter.chain.coins import COIN_ALGORITHM

    algorithm = COIN_ALGORITHM.get(state.coin)
    for machine in chosen:
        if algorithm is not None and machine.algorithm != algorithm:
            raise InputError(
                f"{machine.model} mines {machine.algorithm}, not {state.coin}'s {algorithm}",
                field="--model",
            )
    return chosen


def _base_state(
    date: str | None, currency: str | None, fx: float | None, store: Path | None
) -> NetworkState:
    if date is None:
        return WINTER_2018
    from hashwinter.data.network import load_network_state

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise InputError(f"not a date YYYY-MM-DD: {date!r}", field="--date") from None
    # With --fx the rate is the user's: read the day in USD and convert with it, so a
    # currency the store has no rates for works too.
    stored_currency = "USD" if fx is not None else (currency or "USD").upper()
    return load_network_state(day, stored_currency, store_path=store)


def shutdown_command(
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Machine model or alias (repeatable). Default: a set from the "
            "story's machines to today's, those released by the state's date.",
        ),
    ] = None,
    tariff: Annotated[
        list[float] | None,
        typer.Option(
            "--tariff", "-t", help="Electricity price per kWh in --currency (repeatable)."
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(help="Currency of prices and tariffs, e.g. CNY or USD. Default: the state's."),
    ] = None,
    fx: Annotated[
        float | None, typer.Option(help="Exchange rate: units of --currency per USD.")
    ] = None,
    difficulty: Annotated[float | None, typer.Option(help="Network difficulty.")] = None,
    subsidy: Annotated[
        float | None,
        typer.Option(help="Block subsidy in coins. Default: the one in force at the state's date."),
    ] = None,
    price: Annotated[float | None, typer.Option(help="Coin price in --currency.")] = None,
    fees_per_block: Annotated[
        float | None, typer.Option(help="Transaction fees per block in coins.")
    ] = None,
    pool_fee: Annotated[float, typer.Option(help="Pool fee as a fraction.")] = 0.02,
    date: Annotated[
        str | None,
        typer.Option(help="Network state of this day (YYYY-MM-DD) from the history store."),
    ] = None,
    store: Annotated[
        Path | None, typer.Option(envvar="HASHWINTER_STORE", help="History store file (DuckDB).")
    ] = None,
    catalog: Annotated[
        list[Path] | None,
        typer.Option(
            help="User machine catalog (TOML or CSV) merged over the built-in one (repeatable)."
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv or json.")
    ] = OutputFormat.table,
) -> None:
    """Show which machines are above or below their shutdown price, and by how much.

    With no network flags the built-in example state is used: 25 Nov 2018,
    difficulty 6,653,303,141,406, subsidy 12.5 BTC, fees 0.26 BTC/block,
    BTC 27,400 CNY at 6.94 CNY/USD. Explicit flags override any part of a state.
    """
    # Imported here, not at the top: `hashwinter --help` and the other commands do not
    # pay for numpy and pandas (docs/architecture.md, "Start-up").
    import numpy as np

    from hashwinter.economics.network import in_currency, with_overrides
    from hashwinter.economics.table import shutdown_columns, shutdown_table
    from hashwinter.hardware import default_catalog, load_catalog
    from hashwinter.ranges import check
    from hashwinter.reports.shutdown_view import to_csv, to_json, to_rich_table

    # Every flag against the registry of plausible ranges (hashwinter.ranges): a
    # tariff of 1e308 would overflow to a margin of -inf.
    if check("fraction", pool_fee, field="--pool-fee") >= 1:
        raise InputError(f"must be < 1 (got {pool_fee:g})", field="--pool-fee")
    for kind, flag, value in (
        ("fx_per_usd", "--fx", fx), ("difficulty", "--difficulty", difficulty),
        ("coins_per_block", "--subsidy", subsidy), ("coin_price", "--price", price),
        ("coins_per_block", "--fees-per-block", fees_per_block),
    ):
        if value is not None:
            check(kind, value, field=flag)
    for value in tariff or ():
        check("tariff_per_kwh", value, field="--tariff")
    state = _base_state(date, currency, fx, store)
    state = in_currency(state, currency, fx)
    state = with_overrides(
        state, difficulty=difficulty, subsidy=subsidy, fees_per_block=fees_per_block, price=price
    )
    # A tariff given twice is one column.
    tariffs = tuple(dict.fromkeys(tariff)) if tariff else default_tariffs(
        state.currency, state.fx_per_usd
    )
    machines_catalog = default_catalog()
    for path in catalog or []:
        machines_catalog = machines_catalog.merged_with(load_catalog(path))
    machines = _machines(machines_catalog, model, state)
    inputs = ([m.model for m in machines], np.array([m.hashrate for m in machines]),
              np.array([m.power for m in machines]), tariffs, state)
    if output_format is OutputFormat.table:
        # The terminal table needs the columns only: no pandas (a quarter of the run).
        columns = shutdown_columns(*inputs, pool_fee=pool_fee)
        stdout_console().print(to_rich_table(columns, state, pool_fee))
        notes = stderr_console()
        for note in state.notes:
            notes.print(f"note: {note}", markup=False)
        return
    table = shutdown_table(*inputs, pool_fee=pool_fee)
    if output_format is OutputFormat.json:
        sys.stdout.write(to_json(table) + "\n")
    else:
        sys.stdout.write(to_csv(table))
