"""Resolve the network state a shutdown table is evaluated on.

A state starts from a base (the built-in :data:`~hashwinter.state.WINTER_2018`
example, or a day of stored history), is re-expressed in the currency asked for,
and then explicit values (difficulty, subsidy, fees, price) override any part.
"""

from __future__ import annotations

import math

from hashwinter.errors import InputError
from hashwinter.state import NetworkState

__all__ = ["in_currency", "with_overrides"]


def _positive(value: float | None, field: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"must be {bound} (got {value:g})", field=field)


def _overridden(state: NetworkState, note: str, *topics: str) -> tuple[str, ...]:
    """Return ``state.notes`` without those about ``topics``, plus ``note``.

    A state's notes say where each value came from (e.g. a forward-filled FX rate);
    once a flag replaces the value, those notes would contradict the numbers shown.
    """
    kept = tuple(n for n in state.notes if not any(t in n for t in topics))
    return (*kept, note)


def in_currency(
    state: NetworkState, currency: str | None, fx_per_usd: float | None
) -> NetworkState:
    """Return ``state`` with its price expressed in ``currency``.

    Parameters
    ----------
    state : NetworkState
        The base state; its ``fx_per_usd`` converts its own currency.
    currency : str or None
        ISO code wanted; None keeps the state's currency.
    fx_per_usd : float or None
        Units of ``currency`` per USD; required for a currency the state cannot
        convert to by itself (anything but USD and its own currency).

    Raises
    ------
    InputError
        For an unknown currency without a rate, or a non-positive rate.

    """
    _positive(fx_per_usd, "--fx")
    target = (currency or state.currency).upper()
    if len(target) != 3 or not target.isalpha():
        raise InputError(f"not an ISO 4217 code: {currency!r}", field="--currency")
    if fx_per_usd is not None:
        rate = fx_per_usd
    elif target == state.currency:
        rate = state.fx_per_usd
    elif target == "USD":
        rate = 1.0
    else:
        raise InputError(
            f"no exchange rate for {target} in this network state "
            f"(it knows {state.currency} and USD); pass --fx with {target} per USD",
            field="--currency",
        )
    if target == "USD" and not math.isclose(rate, 1.0):
        raise InputError(f"USD per USD must be 1 (got {rate:g})", field="--fx")
    price = state.price_usd * rate
    notes = state.notes
    if fx_per_usd is not None or target != state.currency:
        how = "--fx" if fx_per_usd is not None else "--currency"
        notes = _overridden(
            state, f"price converted from USD at {rate:g} {target}/USD ({how})",
            "/USD rate", "price converted", "price from the stored",
        )
    return state.replace(price=price, currency=target, fx_per_usd=rate, notes=notes)


def with_overrides(
    state: NetworkState,
    *,
    difficulty: float | None = None,
    subsidy: float | None = None,
    fees_per_block: float | None = None,
    price: float | None = None,
) -> NetworkState:
    """Return ``state`` with the given values replacing its own (after validation).

    Raises
    ------
    InputError
        Naming the flag of a value that is out of range.

    """
    _positive(difficulty, "--difficulty")
    _positive(subsidy, "--subsidy", allow_zero=True)
    _positive(fees_per_block, "--fees-per-block", allow_zero=True)
    _positive(price, "--price", allow_zero=True)
    notes = state.notes
    for value, flag, topics in (
        (difficulty, "--difficulty", ("difficulty", "retarget")),
        (subsidy, "--subsidy", ("subsidy",)),
        (fees_per_block, "--fees-per-block", ("fee",)),
        (price, "--price", ("price", "/USD rate")),
    ):
        if value is not None:
            notes = _overridden(state.replace(notes=notes), f"{flag[2:]} from {flag}", *topics)
    new = state.replace(
        difficulty=difficulty,
        subsidy=subsidy,
        fees_per_block=fees_per_block,
        price=price,
        notes=notes,
    )
    if new.subsidy + new.fees_per_block <= 0:
        raise InputError("subsidy plus fees per block must be > 0", field="--subsidy")
    return new
