"""The price and network view a plan is made on: history, a flat projection, or given paths.

A :class:`MarketView` is daily arrays shaped ``(paths, days)``: one path for
history or a projection, many for the paths of a Monte Carlo (the planner
then averages each path's margins, so the expectation of ``max(margin, 0)``
is taken path by path, not on the mean price).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from hashwinter.engine.market import DailyMarket
from hashwinter.errors import InputError
from hashwinter.state import NetworkState

__all__ = ["MarketView", "flat_view", "view_from_market"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class MarketView:
    """Daily coin price and network state over a plan's horizon.

    Attributes
    ----------
    dates : ndarray of datetime64[D], shape (D,)
    price : ndarray, shape (P, D)
        Coin price. [currency/coin]
    difficulty : ndarray, shape (P, D)
    subsidy : ndarray, shape (P, D)
        [coin/block]
    fees_per_block : ndarray, shape (P, D)
        [coin/block]
    currency : str
        Currency of ``price`` (the farm's).
    fx_per_usd : mapping of str to ndarray (D,)
        Units of each currency per USD (to convert tariffs in other currencies).
    label : str
        What the view is (``"history"``, ``"flat from 2018-11-01"``).

    """

    dates: npt.NDArray[np.datetime64]
    price: FloatArray
    difficulty: FloatArray
    subsidy: FloatArray
    fees_per_block: FloatArray
    currency: str
    fx_per_usd: Mapping[str, FloatArray] = dataclasses.field(default_factory=dict)
    label: str = ""

    @property
    def n_paths(self) -> int:
        """Number of paths (1 for history or a projection)."""
        return int(self.price.shape[0])

    def fx_factor(self, currency: str) -> FloatArray:
        """Return view-currency units per unit of ``currency``, per day (D,)."""
        if currency == self.currency:
            return np.ones(self.dates.size)
        have = {**{"USD": np.ones(self.dates.size)}, **dict(self.fx_per_usd)}
        if currency not in have or self.currency not in have:
            raise InputError(f"no {currency}/{self.currency} exchange rate in the view "
                             f"(have {', '.join(sorted(have))})", field="tariff.currency")
        return np.asarray(have[self.currency] / have[currency], dtype=np.float64)

    def window(self, start: np.datetime64, end: np.datetime64) -> MarketView:
        """Return the days from ``start`` to ``end`` (both included)."""
        keep = (self.dates >= start) & (self.dates <= end)
        if not keep.any():
            raise InputError(f"the view has no days in {start} .. {end}", field="--from")
        return dataclasses.replace(
            self, dates=self.dates[keep], price=self.price[:, keep],
            difficulty=self.difficulty[:, keep], subsidy=self.subsidy[:, keep],
            fees_per_block=self.fees_per_block[:, keep],
            fx_per_usd={k: np.asarray(v)[keep] for k, v in self.fx_per_usd.items()})


def _paths(values: npt.ArrayLike, p: int, d: int) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    return np.broadcast_to(arr.reshape((-1, d)) if arr.ndim else arr, (p, d)).copy()


def view_from_market(market: DailyMarket, *, label: str = "history") -> MarketView:
    """Return the view of a :class:`~hashwinter.engine.market.DailyMarket` (history or paths)."""
    d = market.dates.size
    p = max(np.asarray(a).shape[0] for a in (market.price, market.difficulty, market.subsidy,
                                             market.fees_per_block))
    return MarketView(
        dates=np.asarray(market.dates, dtype="datetime64[D]"),
        price=_paths(market.price, p, d), difficulty=_paths(market.difficulty, p, d),
        subsidy=_paths(market.subsidy, p, d), fees_per_block=_paths(market.fees_per_block, p, d),
        currency=market.currency,
        fx_per_usd={k: np.asarray(v, dtype=np.float64) for k, v in market.fx_per_usd.items()},
        label=label)


def flat_view(state: NetworkState, start: object, end: object, *,
              fx_per_usd: Mapping[str, float] | None = None) -> MarketView:
    """Return a flat projection: ``state``'s price and network held on every day.

    Parameters
    ----------
    state : NetworkState
        The day to hold (e.g. the last day of history).
    start, end : date or str
        First and last day of the horizon.
    fx_per_usd : mapping of str to float, optional
        Other currencies' rates (units per USD), held too.

    """
    a, b = np.datetime64(str(start), "D"), np.datetime64(str(end), "D")
    if b < a:
        raise InputError(f"{b} is before {a}", field="--to")
    dates = np.arange(a, b + np.timedelta64(1, "D"), dtype="datetime64[D]")
    n = dates.size
    rates = {**(fx_per_usd or {}), state.currency: state.fx_per_usd}
    fx = {k: np.full(n, float(v)) for k, v in rates.items() if k != "USD"}
    return MarketView(dates=dates, price=np.full((1, n), state.price),
                      difficulty=np.full((1, n), state.difficulty),
                      subsidy=np.full((1, n), state.subsidy),
                      fees_per_block=np.full((1, n), state.fees_per_block),
                      currency=state.currency, fx_per_usd=fx,
                      label=f"flat from {state.date or a}")
