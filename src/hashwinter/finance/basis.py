"""Futures prices: from data where the store has them, otherwise spot times a basis model.

The *basis* is the futures premium over spot, quoted as an annualised,
continuously compounded rate ``b``: a future with ``tau`` days to expiry is
priced ``F = S exp(b tau / 365.25)`` (contango ``b > 0``, backwardation
``b < 0``), and ``F`` converges to spot at expiry. Two models:

``ConstantBasis``
    One annual rate ``b`` (0 gives the story's zero-basis hedge).
``MomentumBasis``
    ``b_t = clip(b0 + beta ln(S_t / S_{t-w}), floor, cap)``: the premium rises
    after a rally and falls, often below zero, after a crash, as quarterly
    futures did in late 2017 and November 2018. ``S_{t-w}`` is the spot
    ``w`` days earlier on the same path (the first spot for the first ``w``
    days). The defaults are assumptions: the store has no basis history
    for 2017-2019 (see ../shared/data/SOURCES.md, "not a futures-basis file").

:func:`futures_prices` applies a model to spot arrays of any shape with time
on the last axis, so every Monte Carlo path gets its futures curve from its
own spot path; :func:`prices_on` reads observed futures prices (e.g. from the
store) on given days instead.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.units import JULIAN_YEAR_DAYS

__all__ = ["ConstantBasis", "MomentumBasis", "futures_prices", "prices_on"]

FloatArray = npt.NDArray[np.float64]



@dataclasses.dataclass(frozen=True)
class ConstantBasis:
    """A constant annualised basis.

    Attributes
    ----------
    annual : float
        Basis per year, continuously compounded. [1/year]

    """

    annual: float = 0.0

    def annual_basis(self, spot: npt.ArrayLike) -> FloatArray:
        """Basis per year on each spot day (same shape as ``spot``). [1/year]."""
        return np.full(np.shape(spot), self.annual, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class MomentumBasis:
    """Basis as a function of the trailing return on the same path.

    Attributes
    ----------
    base : float
        Basis after a flat window, ``b0``. [1/year]
    beta : float
        Basis change per unit of trailing log return. [1/year]
    window_days : int
        Trailing window ``w`` (in steps of the spot array). [day]
    floor, cap : float
        Limits of the basis. [1/year]

    """

    base: float = 0.05
    beta: float = 0.5
    window_days: int = 30
    floor: float = -0.5
    cap: float = 1.0

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise InputError(f"must be >= 1 (got {self.window_days})", field="window_days")
        if not self.floor <= self.base <= self.cap:
            raise InputError(f"base must lie in [floor, cap] = [{self.floor:g}, {self.cap:g}] "
                             f"(got {self.base:g})", field="base")

    def annual_basis(self, spot: npt.ArrayLike) -> FloatArray:
        """Basis per year on each day of each path (time on the last axis). [1/year]."""
        s = np.asarray(spot, dtype=np.float64)
        log_s = np.log(s)
        n = s.shape[-1]
        lag = np.minimum(np.arange(n), self.window_days)
        back = np.take(log_s, np.arange(n) - lag, axis=-1)
        return np.asarray(np.clip(self.base + self.beta * (log_s - back), self.floor, self.cap),
                          dtype=np.float64)


BasisModel = ConstantBasis | MomentumBasis


def futures_prices(
    spot: npt.ArrayLike, days_to_expiry: npt.ArrayLike, model: BasisModel
) -> FloatArray:
    """Return the futures price on each day of each path: ``S exp(b tau / 365.25)``.

    Parameters
    ----------
    spot : array_like
        Spot prices, time on the last axis (e.g. paths x days). [USD/coin]
    days_to_expiry : array_like
        Days left ``tau`` on each day (broadcast against ``spot``; 0 at expiry). [day]
    model : ConstantBasis or MomentumBasis
        Basis model.

    Returns
    -------
    ndarray
        Futures prices, shape of ``spot``. [USD/coin]

    Examples
    --------
    A 10 % a year contango on a 365.25-day future:

    >>> round(float(futures_prices([6000.0], [365.25], ConstantBasis(0.10))[0]), 2)
    6631.03

    """
    s = np.asarray(spot, dtype=np.float64)
    tau = np.asarray(days_to_expiry, dtype=np.float64)
    if np.any(tau < 0):
        raise InputError("days to expiry must be >= 0 (a future past its expiry has no price)",
                         field="days_to_expiry")
    b = model.annual_basis(s)
    return np.asarray(s * np.exp(b * tau / JULIAN_YEAR_DAYS), dtype=np.float64)


def prices_on(
    days: npt.ArrayLike, data_days: npt.ArrayLike, data_prices: npt.ArrayLike, *,
    symbol: str = "", field: str = "futures price"
) -> FloatArray:
    """Return observed prices on ``days``; InputError naming the first day without one.

    Parameters
    ----------
    days : array_like of datetime64[D]
        Days wanted.
    data_days, data_prices : array_like
        Observed days (sorted, unique) and prices [USD/coin], e.g. from the store.
    symbol : str
        Contract name, for the message.
    field : str
        Field named in the error.

    Returns
    -------
    ndarray
        Price on each wanted day. [USD/coin]

    """
    want = np.asarray(days, dtype="datetime64[D]")
    have = np.asarray(data_days, dtype="datetime64[D]")
    prices = np.asarray(data_prices, dtype=np.float64)
    idx = np.clip(np.searchsorted(have, want), 0, max(len(have) - 1, 0))
    found = have[idx] == want if len(have) else np.zeros(want.shape, dtype=bool)
    if not np.all(found):
        first = want[~found].ravel()[0]
        raise InputError(f"no price for {symbol or 'the contract'} on {first}", field=field)
    return np.asarray(prices[idx], dtype=np.float64)
