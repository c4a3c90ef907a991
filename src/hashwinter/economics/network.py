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
    return state.replace(price=price, currency=target, fx_per_usd=rate)


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
    new = state.replace(
        difficulty=difficulty, subsidy=subsidy, fees_per_block=fees_per_block, price=price
    )
    if new.subsidy + new.fees_per_block <= 0:
        raise InputError("subsidy plus fees per block must be > 0", field="--subsidy")
    return new
