"""``/shutdown``: the shutdown-price table of a day (or an explicit state), and its history.

The same calls as ``hashwinter shutdown``: the day's
:class:`~hashwinter.state.NetworkState` from the store (or the built-in 25 Nov 2018
state), :func:`~hashwinter.economics.network.in_currency` and
:func:`~hashwinter.economics.network.with_overrides` for explicit values, then the
columns of :func:`~hashwinter.economics.table.shutdown_table`. The table is the board's
hot path (issue 16: 400 requests/s on two cores), so it avoids pandas end to end: the
day's state comes from the worker's :class:`~hashwinter.data.network.StoredSeries`
(the stored series read once, see :mod:`hashwinter.web.store`), the table from
:func:`~hashwinter.economics.table.shutdown_columns`, and the body is written by orjson
(the response model documents it; validating our own output again would cost more than
computing it). No response is cached: every request computes its state and table.

``/shutdown/series`` gives, for a period, the coin price and each machine's shutdown
price day by day (:func:`~hashwinter.economics.table.shutdown_cube` over the stored
states).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from hashwinter.chain.coins import COIN_ALGORITHM
from hashwinter.cli.shutdown import DEFAULT_MODELS, default_tariffs
from hashwinter.data import network_states
from hashwinter.economics.network import in_currency, with_overrides
from hashwinter.economics.table import shutdown_columns, shutdown_cube
from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware import Machine, default_catalog
from hashwinter.reports.shutdown_view import JSON_KEYS
from hashwinter.state import WINTER_2018, NetworkState
from hashwinter.web.problems import (
    PROBLEM_RESPONSES,
    ErrorItem,
    ProblemError,
    input_problem,
    parameter_locator,
)
from hashwinter.web.routes._common import parse_day, store_of

__all__ = ["router"]

router = APIRouter(tags=["shutdown"], responses={**PROBLEM_RESPONSES, 404: PROBLEM_RESPONSES[422]
                                                 | {"description": "No history store"}})

#: Longest period of /shutdown/series. [days]
MAX_SERIES_DAYS = 3660
_PARAMS = {"--tariff": "tariff", "--model": "model", "--pool-fee": "pool_fee",
           "--currency": "currency", "--fx": "fx", "--price": "price",
           "--difficulty": "difficulty", "--subsidy": "subsidy",
           "--fees-per-block": "fees_per_block", "start": "from", "end": "to"}


class StateOut(BaseModel):
    """The network state a table was computed on."""

    date: dt.date | None
    coin: str
    currency: str
    difficulty: float
    subsidy: float = Field(description="Block subsidy [coin/block].")
    fees_per_block: float = Field(description="[coin/block]")
    price: float = Field(description="[currency/coin]")
    fx_per_usd: float = Field(description="[currency/USD]")
    notes: list[str]


class Row(BaseModel):
    """One machine at one tariff (the ``hashwinter shutdown --format json`` record)."""

    model: str
    hashrate_ths: float
    power_w: float
    efficiency_j_th: float
    coins_per_day: float | None
    revenue_per_day: float | None
    power_cost_per_day: float | None
    margin_per_day: float | None
    shutdown_price: float | None
    tariff: float
    currency: str
    electricity_share: float | None
    price: float
    above_shutdown: bool


class ShutdownTable(BaseModel):
    """A shutdown-price table."""

    state: StateOut
    pool_fee: float
    tariffs: list[float]
    models: list[str]
    rows: list[Row]


class MachineSeries(BaseModel):
    """One machine's shutdown price per day at the chosen tariff."""

    model: str
    shutdown_price: list[float | None] = Field(description="[currency/coin]")


class ShutdownSeries(BaseModel):
    """The coin price against each machine's shutdown price, day by day."""

    currency: str
    coin: str
    tariff: float
    pool_fee: float
    dates: list[dt.date]
    price: list[float | None] = Field(description="[currency/coin]")
    machines: list[MachineSeries]


#: Keys of a row: those of ``hashwinter shutdown --format json``, in its order.
ROW_KEYS = (*JSON_KEYS, "electricity_share", "price", "above_shutdown")


def _rows(columns: dict[str, np.ndarray], currency: str) -> list[dict[str, Any]]:
    """Return the records of ``hashwinter shutdown --format json`` from table columns.

    Non-finite numbers stay floats here; orjson writes them as ``null``.
    """
    n = columns["model"].size
    values = [[currency] * n if k == "currency" else columns[k].tolist() for k in ROW_KEYS]
    return [dict(zip(ROW_KEYS, row, strict=True)) for row in zip(*values, strict=True)]


def _problem(exc: InputError | InputErrors) -> ProblemError:
    return input_problem(exc, parameter_locator(_PARAMS))


@functools.cache
def _default_machines() -> tuple[Machine, ...]:
    catalog = default_catalog()
    return tuple(catalog.get(n) for n in DEFAULT_MODELS)


def _machines(names: list[str] | None, state: NetworkState) -> list[Machine]:
    catalog = default_catalog()
    if not names:
        chosen = list(_default_machines())
        if state.date is not None:
            chosen = [m for m in chosen if m.release is None or m.release <= state.date]
        return chosen
    errors: list[InputError] = []
    out: dict[str, Machine] = {}
    for i, name in enumerate(names):
        try:
            machine = catalog.get(name)
        except InputError as exc:
            errors.append(InputError(exc.message, field="model"))
            continue
        algorithm = COIN_ALGORITHM.get(state.coin)
        if algorithm is not None and machine.algorithm != algorithm:
            errors.append(InputError(f"{machine.model} (model[{i}]) mines {machine.algorithm}, "
                                     f"not {state.coin}'s {algorithm}", field="model"))
        out.setdefault(machine.model, machine)
    if errors:
        raise _problem(InputErrors(errors))
    return list(out.values())


def _finite(values: Any) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _check_number(name: str, value: float | None, low: float, *, strict: bool) -> None:
    if value is None:
        return
    if not math.isfinite(value) or (value <= low if strict else value < low):
        sign = ">" if strict else ">="
        raise ProblemError(422, f"{name}: must be {sign} {low:g} (got {value!r})",
                           [ErrorItem(detail=f"must be {sign} {low:g} (got {value!r})",
                                      parameter=name)])


DayQ = Annotated[str | None, Query(description="Day YYYY-MM-DD from the history store; "
                                   "default: the built-in 25 Nov 2018 state.",
                                   examples=["2018-12-15"])]
CurrencyQ = Annotated[str | None, Query(description="Currency of prices and tariffs (ISO "
                                        "code, e.g. CNY, USD). Default: the state's.",
                                        max_length=8, examples=["CNY"])]
TariffQ = Annotated[list[float] | None, Query(description="Tariff per kWh in the currency "
                                              "(repeatable).", max_length=20)]
ModelQ = Annotated[list[str] | None, Query(description="Machine model or alias (repeatable).",
                                           max_length=50)]
PoolFeeQ = Annotated[float, Query(ge=0, lt=1, description="Pool fee [fraction].")]


@router.get("/shutdown", response_model=ShutdownTable, summary="Shutdown-price table")
async def get_shutdown(
    request: Request,
    date: DayQ = None,
    currency: CurrencyQ = None,
    tariff: TariffQ = None,
    model: ModelQ = None,
    pool_fee: PoolFeeQ = 0.02,
    fx: Annotated[float | None, Query(description="Units of currency per USD.")] = None,
    price: Annotated[float | None, Query(description="Coin price [currency/coin].")] = None,
    difficulty: Annotated[float | None, Query(description="Network difficulty.")] = None,
    subsidy: Annotated[float | None, Query(description="Block subsidy [coin].")] = None,
    fees_per_block: Annotated[float | None, Query(description="Fees per block [coin].")
                              ] = None,
) -> Any:
    """Every machine against every tariff on one network state, as ``hashwinter shutdown``.

    Explicit ``price``, ``difficulty``, ``subsidy``, ``fees_per_block`` and ``fx`` override
    the day's values (an explicit state when no ``date`` is given).
    """
    # async: ~0.5 ms of numpy per request, cheaper on the event loop than the hop to a
    # worker thread; only a process's first request per currency blocks (reading the
    # stored series once, tens of ms).
    for name, value, strict in (("fx", fx, True), ("price", price, True),
                                ("difficulty", difficulty, True), ("subsidy", subsidy, False),
                                ("fees_per_block", fees_per_block, False)):
        _check_number(name, value, 0.0, strict=strict)
    day = parse_day(date, parameter="date")
    try:
        if day is None:
            state = WINTER_2018
        else:
            stored = "USD" if fx is not None else (currency or "USD").strip().upper()
            state = store_of(request).series("BTC", stored, parameter="date").state(day)
        state = in_currency(state, currency, fx)
        state = with_overrides(state, difficulty=difficulty, subsidy=subsidy,
                               fees_per_block=fees_per_block, price=price)
    except (InputError, InputErrors) as exc:
        raise _problem(exc) from None
    tariffs = tuple(dict.fromkeys(tariff)) if tariff else default_tariffs(
        state.currency, state.fx_per_usd)
    for value in tariffs:
        _check_number("tariff", value, 0.0, strict=False)
    machines = _machines(model, state)
    names = [m.model for m in machines]
    columns = shutdown_columns(names, np.array([m.hashrate for m in machines]),
                               np.array([m.power for m in machines]), tariffs, state,
                               pool_fee=pool_fee)
    body = {
        "state": {"date": state.date, "coin": state.coin, "currency": state.currency,
                  "difficulty": state.difficulty, "subsidy": state.subsidy,
                  "fees_per_block": state.fees_per_block, "price": state.price,
                  "fx_per_usd": state.fx_per_usd, "notes": list(state.notes)},
        "pool_fee": pool_fee,
        "tariffs": list(tariffs),
        "models": names,
        "rows": _rows(columns, state.currency),
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/shutdown/series", response_model=ShutdownSeries,
            summary="Coin price against each machine's shutdown price over a period")
def get_shutdown_series(
    request: Request,
    start: Annotated[str, Query(alias="from", description="First day YYYY-MM-DD.",
                                examples=["2018-09-01"])],
    end: Annotated[str, Query(alias="to", description="Last day YYYY-MM-DD.",
                              examples=["2018-12-31"])],
    tariff: Annotated[float, Query(ge=0, le=100, description="Tariff per kWh in the currency.")
                      ] = 0.28,
    currency: CurrencyQ = None,
    model: ModelQ = None,
    pool_fee: PoolFeeQ = 0.02,
) -> Any:
    """For each stored day of the period: the coin price and each machine's shutdown price."""
    first = parse_day(start, parameter="from")
    last = parse_day(end, parameter="to")
    assert first is not None and last is not None
    if last < first:
        raise ProblemError(422, f"to: {last} is before from {first}",
                           [ErrorItem(detail=f"{last} is before from {first}", parameter="to")])
    if (last - first).days >= MAX_SERIES_DAYS:
        raise ProblemError(422, f"to: at most {MAX_SERIES_DAYS} days after from",
                           [ErrorItem(detail=f"at most {MAX_SERIES_DAYS} days after from",
                                      parameter="to")])
    code = (currency or "USD").strip().upper()
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    try:
        frame = network_states(days, store=store_of(request).get("from"), currency=code)
    except (InputError, InputErrors) as exc:
        located = InputError(exc.message, field="from") if isinstance(exc, InputError) else exc
        raise _problem(located) from None
    machines = _machines(model, NetworkState(
        date=last, difficulty=1.0, subsidy=1.0, fees_per_block=0.0, price=1.0, currency=code))
    reward = frame["subsidy"].to_numpy() + frame["fees_per_block"].to_numpy()
    cube = shutdown_cube(np.array([m.hashrate for m in machines]),
                         np.array([m.power for m in machines]), [tariff],
                         frame["difficulty"].to_numpy(), reward, pool_fee=pool_fee, workers=1)
    return {
        "currency": code, "coin": "BTC", "tariff": tariff, "pool_fee": pool_fee,
        "dates": [d.date() for d in frame.index],
        "price": _finite(frame["price"].to_numpy()),
        "machines": [{"model": m.model, "shutdown_price": _finite(cube[i, 0])}
                     for i, m in enumerate(machines)],
    }
