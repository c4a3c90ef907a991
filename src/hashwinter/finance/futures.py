"""Dated futures: linear (USD-margined) and inverse (coin-margined) P&L, notional and fees.

Positions are *signed*: a positive size is long, a negative size short. The
size is in the unit the contract is written in:

=============  ===========================  ======================  ==================
contract       size                         P&L and margin in       P&L of a close
=============  ===========================  ======================  ==================
linear         coins ``q``                  USD (the quote)         ``q (S1 - S0)``
inverse        face value ``F`` [USD]       coins                   ``F (1/S0 - 1/S1)``
=============  ===========================  ======================  ==================

The inverse contract was the 2018 standard on the exchanges Chinese miners
used (BitMEX, OKEx, Huobi): a contract *is* a number of US dollars (OKEx: 100
USD per BTC contract) and is settled in the coin. Its P&L in coins is convex
in the price: a short of face ``F`` gains ``F (1/S1 - 1/S0)`` coins, more when
the price falls by ``x`` than it loses when the price rises by ``x``; in USD
at the close price, ``F (1/S1 - 1/S0) S1 = F (1 - S1/S0)`` is linear again, so
an inverse short of face ``c S0`` on ``c`` coins held locks their USD value.

Every function broadcasts over numpy arrays (variants x paths x owners x
positions, or any other shape), and ``inverse`` may itself be an array so one
call handles a book of mixed contracts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = [
    "InverseFuture",
    "LinearFuture",
    "check_expiry",
    "inverse_pnl",
    "linear_pnl",
    "notional_coins",
    "notional_usd",
    "pnl",
    "trade_fee",
]

FloatArray = npt.NDArray[np.float64]


def linear_pnl(qty: npt.ArrayLike, entry: npt.ArrayLike, exit: npt.ArrayLike) -> FloatArray:
    """Return the P&L of a linear (USD-margined) position closed at ``exit``.

    Parameters
    ----------
    qty : array_like
        Signed size, long > 0. [coin]
    entry, exit : array_like
        Entry and close (or mark) price. [USD/coin]

    Returns
    -------
    ndarray
        ``qty * (exit - entry)``. [USD]

    Examples
    --------
    A short of 30 coins at 6,000 closed at 5,400 gains 30 x 600:

    >>> float(linear_pnl(-30.0, 6000.0, 5400.0))
    18000.0

    """
    q = np.asarray(qty, dtype=np.float64)
    move = np.asarray(exit, dtype=np.float64) - np.asarray(entry, dtype=np.float64)
    return np.asarray(q * move, dtype=np.float64)


def inverse_pnl(face: npt.ArrayLike, entry: npt.ArrayLike, exit: npt.ArrayLike) -> FloatArray:
    """Return the P&L of an inverse (coin-margined) position closed at ``exit``.

    Parameters
    ----------
    face : array_like
        Signed face value, long > 0. [USD]
    entry, exit : array_like
        Entry and close (or mark) price (> 0). [USD/coin]

    Returns
    -------
    ndarray
        ``face * (1/entry - 1/exit)``. [coin]

    Examples
    --------
    A short of 6,000 USD face at 6,000 closed at 5,000 gains
    ``6000 (1/5000 - 1/6000) = 0.2`` coins; closed at 7,000 it loses only
    ``6000 (1/6000 - 1/7000) = 0.142857`` coins (the convexity):

    >>> round(float(inverse_pnl(-6000.0, 6000.0, 5000.0)), 6)
    0.2
    >>> round(float(inverse_pnl(-6000.0, 6000.0, 7000.0)), 6)
    -0.142857

    """
    f = np.asarray(face, dtype=np.float64)
    e = np.asarray(entry, dtype=np.float64)
    x = np.asarray(exit, dtype=np.float64)
    return np.asarray(f * (1.0 / e - 1.0 / x), dtype=np.float64)


def pnl(
    size: npt.ArrayLike, entry: npt.ArrayLike, exit: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the P&L of linear or inverse positions (mixed books in one call).

    Parameters
    ----------
    size : array_like
        Signed size: coins for linear, USD face for inverse.
    entry, exit : array_like
        Entry and close (or mark) price (> 0). [USD/coin]
    inverse : array_like of bool
        True where the contract is inverse.

    Returns
    -------
    ndarray
        P&L in each contract's margin currency: USD (linear) or coins (inverse).

    """
    inv = np.asarray(inverse, dtype=bool)
    return np.where(inv, inverse_pnl(size, entry, exit), linear_pnl(size, entry, exit))


def notional_usd(size: npt.ArrayLike, price: npt.ArrayLike, inverse: npt.ArrayLike) -> FloatArray:
    """Return the unsigned notional in USD: ``|q| S`` (linear) or ``|F|`` (inverse). [USD]."""
    s = np.abs(np.asarray(size, dtype=np.float64))
    return np.where(np.asarray(inverse, dtype=bool), s, s * np.asarray(price, dtype=np.float64))


def notional_coins(
    size: npt.ArrayLike, price: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the unsigned notional in coins: ``|q|`` (linear) or ``|F| / S`` (inverse). [coin]."""
    s = np.abs(np.asarray(size, dtype=np.float64))
    return np.where(np.asarray(inverse, dtype=bool), s / np.asarray(price, dtype=np.float64), s)


def trade_fee(
    size: npt.ArrayLike, price: npt.ArrayLike, rate: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the fee of trading ``size`` at ``price``, in the margin currency.

    Parameters
    ----------
    size : array_like
        Signed size traded (its sign is ignored).
    price : array_like
        Trade price. [USD/coin]
    rate : array_like
        Fee rate on notional (taker, maker, settlement or liquidation; a
        negative maker rate is a rebate). [fraction]
    inverse : array_like of bool
        True where the contract is inverse.

    Returns
    -------
    ndarray
        ``rate * |q| * S`` [USD] for linear, ``rate * |F| / S`` [coin] for inverse.

    """
    inv = np.asarray(inverse, dtype=bool)
    r = np.asarray(rate, dtype=np.float64)
    return np.where(inv, r * notional_coins(size, price, True),
                    r * notional_usd(size, price, False))


def check_expiry(entry: dt.date, expiry: dt.date, *, field: str = "expiry") -> int:
    """Return the days from ``entry`` to ``expiry``; InputError unless expiry is later.

    Examples
    --------
    >>> check_expiry(dt.date(2018, 11, 1), dt.date(2018, 12, 1))
    30

    """
    days = (expiry - entry).days
    if days <= 0:
        raise InputError(f"must be after the entry date {entry.isoformat()} "
                         f"(got {expiry.isoformat()})", field=field)
    return days


def _check_rates(**rates: float) -> None:
    for name, value in rates.items():
        if not np.isfinite(value) or not -0.01 <= value <= 0.1:
            raise InputError(f"must be a fee rate in [-0.01, 0.1] (got {value!r})", field=name)


@dataclasses.dataclass(frozen=True)
class _Future:
    """Fields and methods common to linear and inverse dated futures."""

    expiry: dt.date
    contract_size: float
    taker_fee: float = 0.00075
    maker_fee: float = -0.00025
    settlement_fee: float = 0.0005
    symbol: str = ""

    INVERSE = False

    def __post_init__(self) -> None:
        if not np.isfinite(self.contract_size) or self.contract_size <= 0:
            raise InputError(f"must be > 0 (got {self.contract_size!r})", field="contract_size")
        _check_rates(taker_fee=self.taker_fee, maker_fee=self.maker_fee,
                     settlement_fee=self.settlement_fee)

    def days_to_expiry(self, entry: dt.date) -> int:
        """Days from ``entry`` to expiry (InputError if the contract has expired)."""
        return check_expiry(entry, self.expiry)

    def pnl(self, size: npt.ArrayLike, entry: npt.ArrayLike, exit: npt.ArrayLike) -> FloatArray:
        """P&L of a signed ``size`` (see :func:`pnl`) in the margin currency."""
        return pnl(size, entry, exit, self.INVERSE)

    def fee(self, size: npt.ArrayLike, price: npt.ArrayLike, *, taker: bool = True) -> FloatArray:
        """Fee of trading ``size`` at ``price`` (taker or maker rate), margin currency."""
        return trade_fee(size, price, self.taker_fee if taker else self.maker_fee, self.INVERSE)

    def settlement(
        self, size: npt.ArrayLike, entry: npt.ArrayLike, settle_price: npt.ArrayLike
    ) -> FloatArray:
        """Cash flow at expiry: P&L at ``settle_price`` minus the settlement fee."""
        return self.pnl(size, entry, settle_price) - trade_fee(
            size, settle_price, self.settlement_fee, self.INVERSE)


@dataclasses.dataclass(frozen=True)
class LinearFuture(_Future):
    """A USD-margined dated future: size in coins, P&L and margin in USD.

    Attributes
    ----------
    expiry : datetime.date
        Settlement day (at the index price of that day).
    contract_size : float
        Coins per contract (CME: 5; many exchanges: 0.001). [coin]
    taker_fee, maker_fee, settlement_fee : float
        Fee rates on notional (defaults: BitMEX 2018, 0.075 % taker, -0.025 %
        maker rebate, 0.05 % settlement). [fraction]
    symbol : str
        Name, e.g. ``"BTCUSDT_181228"``.

    """

    contract_size: float = 1.0

    def contracts(self, coins: npt.ArrayLike) -> FloatArray:
        """Whole contracts for ``coins`` (rounded toward zero; sign kept). [contracts]."""
        return np.trunc(np.asarray(coins, dtype=np.float64) / self.contract_size)


@dataclasses.dataclass(frozen=True)
class InverseFuture(_Future):
    """A coin-margined dated future: size is USD face, P&L and margin in coins.

    Attributes
    ----------
    expiry : datetime.date
        Settlement day.
    contract_size : float
        Face value of one contract (OKEx BTC quarterlies 2018: 100; BitMEX: 1). [USD]
    taker_fee, maker_fee, settlement_fee : float
        Fee rates on notional. [fraction]
    symbol : str
        Name, e.g. ``"XBTZ18"``.

    """

    contract_size: float = 100.0
    INVERSE = True

    def contracts(self, coins: npt.ArrayLike, price: npt.ArrayLike) -> FloatArray:
        """Whole contracts whose face is worth ``coins`` at ``price`` (toward zero). [contracts]."""
        face = np.asarray(coins, dtype=np.float64) * np.asarray(price, dtype=np.float64)
        return np.trunc(face / self.contract_size)
