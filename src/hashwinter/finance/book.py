"""One step of a book of positions: the kernels an engine's position book calls each mark.

The state of a book is a :class:`Book` of plain arrays that all broadcast to
one shape, e.g. ``(variants, paths, owners, positions)``: signed size, entry
price, last mark, collateral, the maintenance and liquidation-fee rates, and
whether each slot is inverse, a perpetual, and open. Three pure functions
advance it; none of them loops over positions:

:func:`mark`
    Mark every open position at the new price: variation margin since the
    last mark, and liquidation of those at or beyond their liquidation
    price (closed, fee charged once). Repeated over a path it gives exactly
    :func:`hashwinter.finance.margin.mark_path`.
:func:`fund`
    Funding received by open perpetuals at a funding time.
:func:`settle`
    Close chosen positions at a price (expiry, roll, the end of a hedge):
    the P&L since the last mark and the trading or settlement fee.

:func:`margin` reports the initial and maintenance margin of what is open.
Amounts are in each slot's margin currency: USD for linear, coins for
inverse slots; the engine books them to the owner's cash or coins.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hashwinter.finance.futures import notional_coins, notional_usd, pnl, trade_fee
from hashwinter.finance.margin import liquidation_loss, liquidation_price
from hashwinter.finance.perpetual import funding_payment

__all__ = ["Book", "MarkResult", "fund", "margin", "mark", "open_book", "settle"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class Book:
    """Positions as arrays of one broadcast shape (e.g. variants x paths x owners x positions).

    Attributes
    ----------
    size : ndarray
        Signed size: coins (linear) or USD face (inverse); 0 in an empty slot.
    entry : ndarray
        Entry price. [USD/coin]
    last_mark : ndarray
        Price of the last mark (the entry price before the first). [USD/coin]
    collateral : ndarray
        Collateral posted, margin currency (effective leverage = entry
        notional / collateral).
    maintenance_rate, liquidation_fee : ndarray
        Rates on mark notional. [fraction]
    inverse, perpetual, is_open : ndarray of bool
        Slot kind and state.

    """

    size: FloatArray
    entry: FloatArray
    last_mark: FloatArray
    collateral: FloatArray
    maintenance_rate: FloatArray
    liquidation_fee: FloatArray
    inverse: BoolArray
    perpetual: BoolArray
    is_open: BoolArray

    def leverage(self) -> FloatArray:
        """Effective leverage: entry notional / collateral (inf without collateral)."""
        value = np.where(self.inverse, notional_coins(self.size, self.entry, True),
                         notional_usd(self.size, self.entry, False))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.where(self.collateral > 0, value / self.collateral, np.inf),
                              dtype=np.float64)


def open_book(
    size: npt.ArrayLike,
    entry: npt.ArrayLike,
    leverage: npt.ArrayLike,
    *,
    inverse: npt.ArrayLike,
    perpetual: npt.ArrayLike = False,
    maintenance_rate: npt.ArrayLike = 0.005,
    liquidation_fee: npt.ArrayLike = 0.005,
) -> Book:
    """Open positions at ``entry`` with the initial margin of ``leverage`` as collateral.

    Fees of opening are not included (use :func:`hashwinter.finance.trade_fee`).
    """
    arrays = np.broadcast_arrays(
        np.asarray(size, dtype=np.float64), np.asarray(entry, dtype=np.float64),
        np.asarray(leverage, dtype=np.float64), np.asarray(maintenance_rate, dtype=np.float64),
        np.asarray(liquidation_fee, dtype=np.float64), np.asarray(inverse, dtype=bool),
        np.asarray(perpetual, dtype=bool))
    s, e, lev, m, f, inv, perp = (np.array(a) for a in arrays)
    value = np.where(inv, notional_coins(s, e, True), notional_usd(s, e, False))
    return Book(s, e, e.copy(), value / lev, m, f, inv, perp, s != 0)


class MarkResult(NamedTuple):
    """What one mark did.

    Attributes
    ----------
    book : Book
        The book after the mark (liquidated slots closed, last mark updated).
    variation : ndarray
        Variation margin received (< 0: paid), margin currency.
    liquidated : ndarray of bool
        Slots liquidated at this mark.
    fee : ndarray
        Liquidation fee charged at this mark, margin currency.

    """

    book: Book
    variation: FloatArray
    liquidated: BoolArray
    fee: FloatArray


def mark(book: Book, price: npt.ArrayLike) -> MarkResult:
    """Mark the open positions at ``price`` (broadcast against the book).

    A long at or below, or a short at or above, its liquidation price is
    liquidated: closed at ``price``, its loss capped at the collateral, the
    liquidation fee charged once (see :mod:`hashwinter.finance.margin`).
    """
    p = np.asarray(price, dtype=np.float64)
    liq = liquidation_price(book.size, book.entry, book.leverage(), book.maintenance_rate,
                            book.inverse)
    long = book.size > 0
    hit = book.is_open & np.where(long, p <= liq, p >= liq)
    marked = pnl(book.size, book.entry, book.last_mark, book.inverse)
    now = pnl(book.size, book.entry, p, book.inverse)
    realised, fee = liquidation_loss(book.size, book.entry, p, book.collateral,
                                     book.liquidation_fee, book.inverse)
    variation = np.where(book.is_open, np.where(hit, realised, now) - marked, 0.0)
    fee = np.where(hit, fee, 0.0)
    last = np.where(book.is_open, p, book.last_mark)
    new = dataclasses.replace(book, last_mark=np.asarray(last, dtype=np.float64),
                              is_open=book.is_open & ~hit)
    return MarkResult(new, np.asarray(variation, dtype=np.float64), hit,
                      np.asarray(fee, dtype=np.float64))


def fund(book: Book, rate: npt.ArrayLike, price: npt.ArrayLike) -> FloatArray:
    """Funding received by the open perpetuals at a funding time (0 elsewhere)."""
    paid = funding_payment(rate, book.size, price, book.inverse)
    return np.asarray(np.where(book.is_open & book.perpetual, paid, 0.0), dtype=np.float64)


def settle(
    book: Book, price: npt.ArrayLike, which: npt.ArrayLike, fee_rate: npt.ArrayLike
) -> tuple[Book, FloatArray, FloatArray]:
    """Close the open positions where ``which`` is true at ``price``.

    Returns
    -------
    book : Book
        With those slots closed.
    pnl_since_mark : ndarray
        P&L from the last mark to ``price`` (the earlier P&L was paid as
        variation margin), margin currency.
    fee : ndarray
        Trading or settlement fee at ``fee_rate`` on the notional at ``price``.

    """
    p = np.asarray(price, dtype=np.float64)
    closing = book.is_open & np.asarray(which, dtype=bool)
    since = pnl(book.size, book.entry, p, book.inverse) - pnl(book.size, book.entry,
                                                               book.last_mark, book.inverse)
    fee = trade_fee(book.size, p, fee_rate, book.inverse)
    new = dataclasses.replace(book, is_open=book.is_open & ~closing,
                              last_mark=np.asarray(np.where(closing, p, book.last_mark),
                                                   dtype=np.float64))
    return (new, np.asarray(np.where(closing, since, 0.0), dtype=np.float64),
            np.asarray(np.where(closing, fee, 0.0), dtype=np.float64))


def margin(book: Book, price: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return (collateral posted, maintenance margin at ``price``) of the open positions."""
    value = np.where(book.inverse, notional_coins(book.size, price, True),
                     notional_usd(book.size, price, False))
    return (np.asarray(np.where(book.is_open, book.collateral, 0.0), dtype=np.float64),
            np.asarray(np.where(book.is_open, book.maintenance_rate * value, 0.0),
                       dtype=np.float64))
