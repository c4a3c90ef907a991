"""Margin: initial and maintenance margin, bankruptcy and liquidation prices, liquidation.

Convention (isolated margin, as on BitMEX and OKEx in 2018)
-------------------------------------------------------------
A position of signed size ``s`` entered at ``E`` with leverage ``L`` posts the
*initial margin* ``IM = notional at entry / L``: ``|q| E / L`` USD for a
linear contract, ``|F| / (E L)`` coins for an inverse one. Its equity at a
mark ``S`` is ``IM + P&L(S)``. The *maintenance margin* is a rate ``m`` on the
**mark value** of the position: ``m |q| S`` USD (linear), ``m |F| / S`` coins
(inverse). The position is liquidated on the first mark at or beyond the
*liquidation price*, where equity equals maintenance margin; the *bankruptcy
price* is where equity is zero (``m = 0``). Solving ``IM + P&L(S) = m value(S)``:

=========  ==============================  ===============================
           long                            short
=========  ==============================  ===============================
linear     ``E (1 - 1/L) / (1 - m)``       ``E (1 + 1/L) / (1 + m)``
inverse    ``E (1 + m) / (1 + 1/L)``       ``E (1 - m) / (1 - 1/L)``
=========  ==============================  ===============================

(bankruptcy: the same with ``m = 0``). A linear long with ``L <= 1`` and an
inverse short with ``L <= 1`` are never liquidated: the first formula is ``<= 0``
(a price is positive), and for the inverse short at 1x the equity is
``F/E + F (1/S - 1/E) = F/S`` coins, worth exactly ``F`` USD at any price, always
above its maintenance margin ``m F / S`` when ``m < 1``. The liquidation price
is then reported as ``0`` (long) or ``inf`` (short). A position with
``m >= 1/L`` would be liquidated at entry; config validation refuses it.

Leverage here is *effective* leverage, entry notional over collateral: a
position with more collateral than ``IM`` is the same formula with a lower ``L``.

Liquidation closes the position at the liquidation mark ``S*`` (the first mark
at or beyond the liquidation price), realises ``P&L(S*)`` and charges the
liquidation fee ``f`` once, on the notional at ``S*``. The owner cannot lose more
than the collateral: a loss beyond it (a gap through the bankruptcy price) is
the exchange's insurance fund's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hashwinter.finance.futures import notional_coins, notional_usd, pnl, trade_fee

__all__ = [
    "MarkedPath",
    "bankruptcy_price",
    "first_liquidation",
    "initial_margin",
    "liquidation_loss",
    "liquidation_price",
    "maintenance_margin",
    "mark_path",
    "mark_to_market",
    "variation_margin",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _value(size: npt.ArrayLike, price: npt.ArrayLike, inverse: npt.ArrayLike) -> FloatArray:
    """Notional in the margin currency: USD (linear) or coins (inverse)."""
    inv = np.asarray(inverse, dtype=bool)
    return np.where(inv, notional_coins(size, price, True), notional_usd(size, price, False))


def initial_margin(
    size: npt.ArrayLike, entry: npt.ArrayLike, leverage: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the collateral posted at entry: entry notional / leverage (margin currency).

    Examples
    --------
    A 5x short of 30 coins at 6,000 USD posts 36,000 USD; an inverse 1x
    short of 180,000 USD face at 6,000 posts 30 coins:

    >>> float(initial_margin(-30.0, 6000.0, 5.0, False))
    36000.0
    >>> float(initial_margin(-180_000.0, 6000.0, 1.0, True))
    30.0

    """
    return np.asarray(_value(size, entry, inverse) / np.asarray(leverage, dtype=np.float64),
                      dtype=np.float64)


def maintenance_margin(
    size: npt.ArrayLike, mark: npt.ArrayLike, rate: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the maintenance margin: ``rate`` x the position's value at ``mark``."""
    return np.asarray(np.asarray(rate, dtype=np.float64) * _value(size, mark, inverse),
                      dtype=np.float64)


def liquidation_price(
    size: npt.ArrayLike,
    entry: npt.ArrayLike,
    leverage: npt.ArrayLike,
    maintenance_rate: npt.ArrayLike,
    inverse: npt.ArrayLike,
) -> FloatArray:
    """Return the mark at which equity falls to the maintenance margin (see module doc).

    Parameters
    ----------
    size : array_like
        Signed size (only its sign matters). [coin or USD face]
    entry : array_like
        Entry price. [USD/coin]
    leverage : array_like
        Effective leverage, entry notional / collateral (> 0).
    maintenance_rate : array_like
        Maintenance margin rate on mark value, ``m`` (< 1/leverage). [fraction]
    inverse : array_like of bool
        True where the contract is inverse.

    Returns
    -------
    ndarray
        Liquidation price [USD/coin]; ``0`` for a long and ``inf`` for a short
        that can never be liquidated.

    Examples
    --------
    A 5x linear short at 6,000 with 0.5 % maintenance: ``6000 x 1.2 / 1.005``;
    a 1x inverse short is never liquidated:

    >>> round(float(liquidation_price(-1.0, 6000.0, 5.0, 0.005, False)), 2)
    7164.18
    >>> float(liquidation_price(-1.0, 6000.0, 1.0, 0.005, True))
    inf

    """
    long = np.asarray(size, dtype=np.float64) > 0
    e = np.asarray(entry, dtype=np.float64)
    inv_lev = 1.0 / np.asarray(leverage, dtype=np.float64)
    m = np.asarray(maintenance_rate, dtype=np.float64)
    inv = np.asarray(inverse, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear_long = np.maximum(e * (1.0 - inv_lev) / (1.0 - m), 0.0)
        linear_short = e * (1.0 + inv_lev) / (1.0 + m)
        inverse_long = e * (1.0 + m) / (1.0 + inv_lev)
        denominator = 1.0 - inv_lev
        inverse_short = np.where(denominator > 0,
                                 e * (1.0 - m) / np.where(denominator > 0, denominator, 1.0),
                                 np.inf)
    out = np.where(inv, np.where(long, inverse_long, inverse_short),
                   np.where(long, linear_long, linear_short))
    return np.asarray(out, dtype=np.float64)


def bankruptcy_price(
    size: npt.ArrayLike, entry: npt.ArrayLike, leverage: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the mark at which equity is zero (the liquidation price with ``m = 0``).

    Examples
    --------
    A 1x inverse long goes bankrupt at half its entry price; a 5x linear long
    at 80 % of it:

    >>> float(bankruptcy_price(1.0, 6000.0, 1.0, True))
    3000.0
    >>> float(bankruptcy_price(1.0, 6000.0, 5.0, False))
    4800.0

    """
    return liquidation_price(size, entry, leverage, 0.0, inverse)


def mark_to_market(
    size: npt.ArrayLike, entry: npt.ArrayLike, marks: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the unrealised P&L at every mark (marks on the last axis).

    Parameters
    ----------
    size, entry, inverse : array_like
        Position fields, shape ``B`` (any batch shape).
    marks : array_like
        Mark prices, shape ``B + (n_marks,)``. [USD/coin]

    Returns
    -------
    ndarray
        Shape ``B + (n_marks,)``: P&L if closed at each mark (margin currency).

    """
    expand = [np.asarray(a)[..., None] for a in (size, entry, inverse)]
    return pnl(expand[0], expand[1], marks, expand[2])


def variation_margin(
    size: npt.ArrayLike, entry: npt.ArrayLike, marks: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the variation margin paid in (> 0) or called (< 0) at every mark.

    It is the change of unrealised P&L since the previous mark (since entry
    for the first one), so the sum over marks is the P&L at the last mark.
    Same shapes as :func:`mark_to_market`.
    """
    unrealised = mark_to_market(size, entry, marks, inverse)
    return np.diff(unrealised, axis=-1, prepend=0.0)


def first_liquidation(
    marks: npt.ArrayLike, liquidation: npt.ArrayLike, size: npt.ArrayLike
) -> IntArray:
    """Return the index of the first mark at or beyond the liquidation price (-1 if none).

    Parameters
    ----------
    marks : array_like
        Mark prices, shape ``B + (n_marks,)`` (e.g. paths x marks). [USD/coin]
    liquidation : array_like
        Liquidation price of each position, shape ``B``. [USD/coin]
    size : array_like
        Signed size, shape ``B``: a long is liquidated at marks ``<=`` its
        price, a short at marks ``>=`` it.

    Returns
    -------
    ndarray of int64
        Shape ``B``: the mark index of the liquidation, or -1.

    Examples
    --------
    >>> first_liquidation([[100.0, 110.0, 121.0, 130.0, 90.0]], [120.0], [-1.0]).tolist()
    [2]

    """
    s = np.asarray(marks, dtype=np.float64)
    liq = np.asarray(liquidation, dtype=np.float64)[..., None]
    long = (np.asarray(size, dtype=np.float64) > 0)[..., None]
    hit = np.where(long, s <= liq, s >= liq)
    first = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), first, -1).astype(np.int64)


def liquidation_loss(
    size: npt.ArrayLike,
    entry: npt.ArrayLike,
    mark: npt.ArrayLike,
    collateral: npt.ArrayLike,
    fee_rate: npt.ArrayLike,
    inverse: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Return (realised P&L, liquidation fee) of a position liquidated at ``mark``.

    The P&L is that of a close at ``mark``; the fee is ``fee_rate`` on the
    notional at ``mark``, charged once; together they lose at most the
    collateral (the P&L is booked first, the fee takes at most what is left).

    Parameters
    ----------
    size, entry, inverse : array_like
        Position fields.
    mark : array_like
        The liquidation mark. [USD/coin]
    collateral : array_like
        Collateral posted (margin currency, >= 0).
    fee_rate : array_like
        Exchange liquidation fee on notional (e.g. 0.005, an assumption). [fraction]

    Returns
    -------
    realised : ndarray
        P&L booked, ``>= -collateral``. [margin currency]
    fee : ndarray
        Liquidation fee charged, ``>= 0``. [margin currency]

    """
    raw = pnl(size, entry, mark, inverse)
    c = np.asarray(collateral, dtype=np.float64)
    realised = np.maximum(raw, -c)
    fee = np.minimum(trade_fee(size, mark, fee_rate, inverse), np.maximum(c + realised, 0.0))
    return np.asarray(realised, dtype=np.float64), np.asarray(fee, dtype=np.float64)


class MarkedPath(NamedTuple):
    """A position marked through a path of prices, liquidated at most once.

    Attributes
    ----------
    liquidated_at : ndarray of int64
        Shape ``B``: mark of the liquidation, -1 if none.
    variation : ndarray
        Shape ``B + (n_marks,)``: variation margin at each mark; at the
        liquidation mark it is the capped realised loss less the P&L already
        marked, after it 0. [margin currency]
    fees : ndarray
        Shape ``B + (n_marks,)``: the liquidation fee, at the liquidation mark only.
    is_open : ndarray of bool
        Shape ``B + (n_marks,)``: whether the position is still open after each mark.

    """

    liquidated_at: IntArray
    variation: FloatArray
    fees: FloatArray
    is_open: npt.NDArray[np.bool_]


def mark_path(
    size: npt.ArrayLike,
    entry: npt.ArrayLike,
    marks: npt.ArrayLike,
    leverage: npt.ArrayLike,
    maintenance_rate: npt.ArrayLike,
    liquidation_fee: npt.ArrayLike,
    inverse: npt.ArrayLike,
) -> MarkedPath:
    """Mark positions through price paths, liquidating on the first mark beyond.

    The collateral is the initial margin at ``leverage``. Once liquidated a
    position is closed: later marks beyond the price change nothing and
    the fee is charged once.

    Parameters
    ----------
    size, entry, leverage, maintenance_rate, liquidation_fee, inverse : array_like
        Position fields, shape ``B`` (see :func:`liquidation_price`).
    marks : array_like
        Mark prices, shape ``B + (n_marks,)``. [USD/coin]

    Returns
    -------
    MarkedPath
        Liquidation index, variation margin, fees and open mask per mark.

    """
    b = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in
                              (size, entry, leverage, maintenance_rate, liquidation_fee)),
                            np.asarray(inverse, dtype=bool))
    s, e, lev, m, f, inv = b
    prices = np.asarray(marks, dtype=np.float64)
    liq = liquidation_price(s, e, lev, m, inv)
    index = first_liquidation(prices, liq, s)
    collateral = initial_margin(s, e, lev, inv)
    unrealised = mark_to_market(s, e, prices, inv)
    t = np.arange(prices.shape[-1])
    at = index[..., None] == t
    alive = (index[..., None] < 0) | (t < index[..., None])
    last = np.take_along_axis(prices, np.maximum(index, 0)[..., None], axis=-1)[..., 0]
    realised, fee = liquidation_loss(s, e, last, collateral, f, inv)
    before = np.where(index > 0, np.take_along_axis(
        unrealised, np.maximum(index - 1, 0)[..., None], axis=-1)[..., 0], 0.0)
    variation = np.where(alive, np.diff(unrealised, axis=-1, prepend=0.0), 0.0)
    variation = np.where(at, (realised - before)[..., None], variation)
    fees = np.where(at, fee[..., None], 0.0)
    return MarkedPath(index, variation, fees, alive)
