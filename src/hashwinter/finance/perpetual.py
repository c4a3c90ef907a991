"""Perpetual swaps: futures without expiry, tied to spot by periodic funding.

At every funding time (BitMEX XBTUSD: 04:00, 12:00 and 20:00 UTC since
2016-06-04, daily at 12:00 before) each open position exchanges
``rate x notional``: a **positive rate means longs pay shorts**. For the
inverse XBTUSD (face ``F`` USD) the payment is in coins, ``rate x |F| / mark``;
for a linear (USDT-style) perpetual of ``q`` coins it is ``rate x |q| x mark``
USD. Received by the holder of signed size ``s``::

    funding received = -rate * s / mark     [coin]  inverse
    funding received = -rate * s * mark     [USD]   linear

so a short (``s < 0``) receives when the rate is positive and **pays** when it
is negative. In November 2018 the 90 BitMEX rates summed to -2.22 %: a short
hedge paid about 2.2 % of its notional that month (see docs/hedging.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.finance.futures import pnl, trade_fee

__all__ = ["Perpetual", "funding_payment", "funding_payments"]

FloatArray = npt.NDArray[np.float64]


def funding_payment(
    rate: npt.ArrayLike, size: npt.ArrayLike, mark: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the funding *received* by a position at one funding time.

    Parameters
    ----------
    rate : array_like
        Funding rate of the interval; > 0: longs pay shorts. [fraction]
    size : array_like
        Signed size: coins (linear) or USD face (inverse).
    mark : array_like
        Mark price at the funding time. [USD/coin]
    inverse : array_like of bool
        True where the contract is inverse.

    Returns
    -------
    ndarray
        Funding received (< 0: paid), in the margin currency: coins for
        inverse, USD for linear.

    Examples
    --------
    A short of 4,000 USD face when the rate is -0.1 % and the mark 4,000
    pays 0.001 coins:

    >>> float(funding_payment(-0.001, -4000.0, 4000.0, True))
    -0.001

    """
    r = np.asarray(rate, dtype=np.float64)
    s = np.asarray(size, dtype=np.float64)
    m = np.asarray(mark, dtype=np.float64)
    return np.asarray(np.where(np.asarray(inverse, dtype=bool), -r * s / m, -r * s * m),
                      dtype=np.float64)


def funding_payments(
    rates: npt.ArrayLike, size: npt.ArrayLike, marks: npt.ArrayLike, inverse: npt.ArrayLike
) -> FloatArray:
    """Return the funding received at every funding time (times on the last axis).

    Parameters
    ----------
    rates : array_like
        Rates, shape ``(n_times,)`` (one history) or ``B + (n_times,)``
        (simulated per path). [fraction]
    size, inverse : array_like
        Position fields, shape ``B``.
    marks : array_like
        Mark prices, shape ``B + (n_times,)``. [USD/coin]

    Returns
    -------
    ndarray
        Shape ``B + (n_times,)``; sum over the last axis for the total.

    """
    s = np.asarray(size, dtype=np.float64)[..., None]
    inv = np.asarray(inverse, dtype=bool)[..., None]
    return funding_payment(rates, s, marks, inv)


@dataclasses.dataclass(frozen=True)
class Perpetual:
    """A perpetual swap contract.

    Attributes
    ----------
    inverse : bool
        True for a coin-margined contract with USD face (BitMEX XBTUSD), False
        for a USD-margined one sized in coins.
    interval_hours : float
        Hours between funding times (8 on BitMEX since 2016-06-04).
    taker_fee, maker_fee : float
        Fee rates on notional (BitMEX 2018: 0.075 %, -0.025 %). [fraction]
    symbol : str
        Name, e.g. ``"XBTUSD"``.

    """

    inverse: bool = True
    interval_hours: float = 8.0
    taker_fee: float = 0.00075
    maker_fee: float = -0.00025
    symbol: str = "XBTUSD"

    def __post_init__(self) -> None:
        if not np.isfinite(self.interval_hours) or not 0 < self.interval_hours <= 24 * 7:
            raise InputError(f"must be in (0, 168] hours (got {self.interval_hours!r})",
                             field="interval_hours")
        for name in ("taker_fee", "maker_fee"):
            value = getattr(self, name)
            if not np.isfinite(value) or not -0.01 <= value <= 0.1:
                raise InputError(f"must be a fee rate in [-0.01, 0.1] (got {value!r})",
                                 field=name)

    def pnl(self, size: npt.ArrayLike, entry: npt.ArrayLike, exit: npt.ArrayLike) -> FloatArray:
        """P&L of a close at ``exit`` (funding excluded), margin currency."""
        return pnl(size, entry, exit, self.inverse)

    def fee(self, size: npt.ArrayLike, price: npt.ArrayLike, *, taker: bool = True) -> FloatArray:
        """Fee of trading ``size`` at ``price``, margin currency."""
        return trade_fee(size, price, self.taker_fee if taker else self.maker_fee, self.inverse)

    def funding(
        self, rates: npt.ArrayLike, size: npt.ArrayLike, marks: npt.ArrayLike
    ) -> FloatArray:
        """Funding received at each funding time (see :func:`funding_payments`)."""
        return funding_payments(rates, size, marks, self.inverse)
