"""The position book: each owner's positions in instruments, and the instrument protocol.

The book holds, per instrument ``i``, a :class:`Position` of arrays shaped
``(V, P, O)``: the quantity held [coin] (> 0 long, < 0 short) and the entry
price [currency/coin]. Each step, after the cohorts have mined and before the
treasury, the engine asks every instrument three things:

* :meth:`Instrument.mark` — its price in the step, from the coin's spot price;
* :meth:`Instrument.settle` — fill the step's orders at the mark and pay what
  is due in the step: cash and coins per owner (variation margin, funding,
  delivery or cash settlement at expiry), and the position after the step;
* :meth:`Instrument.margin` — cash the owner must hold against the position
  (reported in the ledger; margin calls and liquidation come with the
  instruments that need them).

The cash and coins an instrument pays enter the owner's balances, and the
conservation checks count them like any other flow. :class:`FixedPriceForward`
is the simplest instrument: a forward sale (or purchase) at a fixed price,
settled in cash (or in coins) on its expiry day.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["FixedPriceForward", "Instrument", "Position", "Settlement"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class Position:
    """An instrument's positions per (variant, path, owner).

    Attributes
    ----------
    quantity : ndarray (V, P, O)
        Coins long (> 0) or short (< 0). [coin]
    entry : ndarray (V, P, O)
        Average entry price of the open quantity (0 when flat). [currency/coin]

    """

    quantity: FloatArray
    entry: FloatArray

    @classmethod
    def flat(cls, shape: tuple[int, int, int]) -> Position:
        """Return no position."""
        return cls(np.zeros(shape), np.zeros(shape))


@dataclasses.dataclass(frozen=True)
class Settlement:
    """What one instrument did in one step, arrays (V, P, O).

    Attributes
    ----------
    position : Position
        The book after the step.
    cash : ndarray
        Cash received by the owner (< 0 paid). [currency]
    coins : ndarray
        Coins received by the owner (< 0 delivered). [coin]

    """

    position: Position
    cash: FloatArray
    coins: FloatArray


class Instrument(Protocol):
    """A tradable contract on the coin (see the module docstring)."""

    @property
    def name(self) -> str:
        """Label in the ledger."""
        ...

    def mark(self, day: int, spot: FloatArray) -> FloatArray:
        """Return the instrument's price in the step, (P,) or broadcastable (currency/coin).

        Parameters
        ----------
        day : int
            Day of the step (index into the run's days).
        spot : ndarray (P,)
            Coin price of the step. [currency/coin]

        """
        ...

    def settle(self, step: int, day: int, last_step_of_day: bool, position: Position,
               order: FloatArray, mark: FloatArray) -> Settlement:
        """Fill ``order`` (V, P, O, in coins) at ``mark`` and pay what is due in the step."""
        ...

    def margin(self, position: Position, mark: FloatArray) -> FloatArray:
        """Return the cash held against the position, (V, P, O), in currency."""
        ...


@dataclasses.dataclass(frozen=True)
class FixedPriceForward:
    """A forward at a fixed price, settled on its expiry day.

    A short of ``q`` coins (``quantity = -q``) entered at ``price`` receives
    ``q·(price − S)`` in cash at the close of the expiry day (``S`` the day's
    spot price): a loss when the coin rose, a gain when it fell, so that the
    coins sold that day at ``S`` plus the forward fetch ``q·price`` in all. With
    ``settle_in = "coin"`` the same value is paid in coins at ``S``:
    ``q·(price − S)/S``. Orders after the expiry day are not filled. No margin
    (an over-the-counter contract), unless ``margin_rate`` is set (a share of
    the notional at the mark).

    Parameters
    ----------
    price : float
        Contract price. [currency/coin]
    expiry_day : int
        Index of the settlement day in the run's days.
    settle_in : {"cash", "coin"}
        Currency of the settlement.
    margin_rate : float, default 0
        Margin as a share of ``|quantity|·mark``. [fraction]
    name : str, default "forward"

    """

    price: float
    expiry_day: int
    settle_in: Literal["cash", "coin"] = "cash"
    margin_rate: float = 0.0
    name: str = "forward"

    def __post_init__(self) -> None:
        if not np.isfinite(self.price) or self.price <= 0:
            raise InputError("must be > 0", field="forward.price")
        if self.expiry_day < 0:
            raise InputError("must be >= 0", field="forward.expiry_day")
        if self.settle_in not in ("cash", "coin"):
            raise InputError("must be cash or coin", field="forward.settle_in")
        if not 0 <= self.margin_rate <= 1:
            raise InputError("must be between 0 and 1", field="forward.margin_rate")

    def mark(self, day: int, spot: FloatArray) -> FloatArray:
        """Return the spot price (a forward's value moves with the coin)."""
        return spot

    def settle(self, step: int, day: int, last_step_of_day: bool, position: Position,
               order: FloatArray, mark: FloatArray) -> Settlement:
        """Add the order to the position; settle everything at the close of the expiry day."""
        zero = np.zeros(position.quantity.shape)
        if day > self.expiry_day:
            return Settlement(position, zero, zero)
        quantity = position.quantity + order
        entry = np.where(quantity != 0, self.price, 0.0)
        if day == self.expiry_day and last_step_of_day:
            value = quantity * (mark - self.price)  # owner's gain from the contract
            if self.settle_in == "cash":
                return Settlement(Position.flat(quantity.shape), value, zero)
            return Settlement(Position.flat(quantity.shape), zero, value / mark)
        return Settlement(Position(quantity, entry), zero, zero)

    def margin(self, position: Position, mark: FloatArray) -> FloatArray:
        """Return ``margin_rate·|quantity|·mark``."""
        return np.asarray(self.margin_rate * np.abs(position.quantity) * mark)
