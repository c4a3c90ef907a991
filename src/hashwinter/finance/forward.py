"""Forwards: OTC contracts settled once at maturity, no margin, a counterparty that may default.

A forward of signed size ``q`` coins at the agreed price ``K`` pays, at
maturity, ``q (S_T - K)`` USD (a miner selling forward has ``q < 0`` and
receives ``|q| (K - S_T)``, positive when the price has fallen). Nothing is
posted or marked in between, so there are no margin calls and no
liquidation; the risk is instead that the counterparty does not pay what it
owes. With a default probability ``p`` over the contract's life and a
recovery rate ``R`` on the amount owed, only a payoff in the owner's favour
is at risk::

    expected loss   = p (1 - R) max(q (S_T - K), 0)
    expected payoff = q (S_T - K) - expected loss

A default when the owner owes money changes nothing (the owner still pays
the defaulter's estate), the usual one-sided convention of credit exposure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.finance.futures import check_expiry

__all__ = ["Forward", "expected_default_loss", "forward_payoff", "realised_payoff"]

FloatArray = npt.NDArray[np.float64]


def forward_payoff(qty: npt.ArrayLike, strike: npt.ArrayLike, spot: npt.ArrayLike) -> FloatArray:
    """Return the payoff at maturity, ``qty (spot - strike)``. [USD].

    Examples
    --------
    >>> float(forward_payoff(-30.0, 6000.0, 5400.0))
    18000.0

    """
    q = np.asarray(qty, dtype=np.float64)
    move = np.asarray(spot, dtype=np.float64) - np.asarray(strike, dtype=np.float64)
    return np.asarray(q * move, dtype=np.float64)


def expected_default_loss(
    qty: npt.ArrayLike,
    strike: npt.ArrayLike,
    spot: npt.ArrayLike,
    default_probability: npt.ArrayLike,
    recovery: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Return the expected loss from the counterparty's default, ``p (1 - R) max(payoff, 0)``.

    Examples
    --------
    A 5 % default probability with nothing recovered on a forward that owes
    the owner 18,000 USD:

    >>> float(expected_default_loss(-30.0, 6000.0, 5400.0, 0.05))
    900.0

    """
    owed = np.maximum(forward_payoff(qty, strike, spot), 0.0)
    p = np.asarray(default_probability, dtype=np.float64)
    return np.asarray(p * (1.0 - np.asarray(recovery, dtype=np.float64)) * owed,
                      dtype=np.float64)


def realised_payoff(
    qty: npt.ArrayLike,
    strike: npt.ArrayLike,
    spot: npt.ArrayLike,
    defaulted: npt.ArrayLike,
    recovery: npt.ArrayLike = 0.0,
) -> FloatArray:
    """Return the payoff actually received on paths where the counterparty did or did not default.

    Parameters
    ----------
    qty, strike, spot : array_like
        As in :func:`forward_payoff`.
    defaulted : array_like of bool
        True where the counterparty has defaulted by maturity (e.g. a
        uniform draw ``< p`` per path).
    recovery : array_like
        Share of the amount owed that is recovered after a default. [fraction]

    Returns
    -------
    ndarray
        The payoff, with only ``R`` of a positive payoff paid where defaulted. [USD]

    """
    payoff = forward_payoff(qty, strike, spot)
    cut = np.where(np.asarray(defaulted, dtype=bool) & (payoff > 0),
                   (1.0 - np.asarray(recovery, dtype=np.float64)) * payoff, 0.0)
    return np.asarray(payoff - cut, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class Forward:
    """An OTC forward agreed on ``entry`` for settlement on ``maturity``.

    Attributes
    ----------
    entry, maturity : datetime.date
        Trade and settlement days (maturity after entry).
    strike : float
        Agreed price. [USD/coin]
    default_probability : float
        Probability the counterparty defaults before settlement. [fraction]
    recovery : float
        Share of the amount owed recovered after a default. [fraction]

    """

    entry: dt.date
    maturity: dt.date
    strike: float
    default_probability: float = 0.0
    recovery: float = 0.0

    def __post_init__(self) -> None:
        check_expiry(self.entry, self.maturity, field="maturity")
        if not np.isfinite(self.strike) or self.strike <= 0:
            raise InputError(f"must be > 0 (got {self.strike!r})", field="strike")
        for name in ("default_probability", "recovery"):
            value = getattr(self, name)
            if not np.isfinite(value) or not 0 <= value <= 1:
                raise InputError(f"must be in [0, 1] (got {value!r})", field=name)

    def expected_payoff(self, qty: npt.ArrayLike, spot: npt.ArrayLike) -> FloatArray:
        """Payoff at maturity net of the expected default loss. [USD]."""
        return forward_payoff(qty, self.strike, spot) - expected_default_loss(
            qty, self.strike, spot, self.default_probability, self.recovery)
