"""The trading ledger of every path: an engine recorder for Monte Carlo and sweeps.

:func:`~hashwinter.farm.trading.book.trade_book` walks one backtest path day by
day; :class:`TradeRecorder` keeps the same books for every (variant, path) at once,
vectorized over ``(V, P, C)``: per cohort the undepreciated cost ``K`` and book
value ``B`` of the machines held, pooled at average cost. A sale or scrapping
takes its share ``out / held before`` of both and realises ``proceeds - share x
B``; a purchase adds its price to both; at each day's end every cohort loses
``K / life`` of book (never below zero). The opening books are
:func:`~hashwinter.farm.trading.book.opening_book`'s.

Recorded at each day's end, per (variant, path), the figures of
:data:`TRADE_FIGURES` (cumulative since the start except ``fleet`` and
``book_value``, which are levels).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.engine.step import RunMeta, StepData

__all__ = ["TRADE_FIGURES", "TradeRecorder"]

FloatArray = npt.NDArray[np.float64]

#: What :attr:`TradeRecorder.figures` holds on its last axis, in order: machines held at
#: the day's end; machines bought, sold and scrapped; purchase cost, sale and scrap
#: proceeds, realised gain (proceeds less the book value disposed) [currency]; book value.
TRADE_FIGURES = ("fleet", "bought", "sold", "scrapped", "purchase_cost", "proceeds",
                 "realised_gain", "book_value")


class TradeRecorder:
    """Engine recorder of the fleet and its trades on every path (see the module docstring).

    Parameters
    ----------
    cost, book, life_days : ndarray (C,)
        Opening undepreciated cost and book value of each cohort [currency], and the
        depreciation period of its machines [day].
    price_cohorts : ndarray of int (M,), optional
        Cohorts whose used-machine price and shutdown price are kept per day and path
        (one per model): :attr:`used_price` [currency/machine], from ``market``, and
        :attr:`shutdown_price` [currency/coin], the day's avoidable cost over coins
        mined per running machine (its last step), ``(days, variants, paths, M)``.
    market : ndarray (P|1, C, D), optional
        The trading rule's market price table (:class:`~hashwinter.farm.trading.prices.
        TradeTables`). [currency/machine]

    """

    def __init__(self, cost: FloatArray, book: FloatArray, life_days: FloatArray, *,
                 price_cohorts: npt.NDArray[np.int64] | None = None,
                 market: FloatArray | None = None) -> None:
        self._cost0 = np.asarray(cost, dtype=np.float64)
        self._book0 = np.asarray(book, dtype=np.float64)
        self._life = np.asarray(life_days, dtype=np.float64)
        self._pick = None if price_cohorts is None or market is None else np.asarray(
            price_cohorts, dtype=np.int64)
        self._market = market

    def begin(self, meta: RunMeta) -> None:
        """Allocate ``(days, variants, paths, figures)`` and the per-cohort books."""
        d, v, p, c = meta.clock.n_days, meta.n_variants, meta.n_paths, meta.cohorts.n
        self._spd = meta.clock.steps_per_day
        self.figures = np.zeros((d, v, p, len(TRADE_FIGURES)))
        self._cost = np.broadcast_to(self._cost0, (v, p, c)).copy()
        self._book = np.broadcast_to(self._book0, (v, p, c)).copy()
        self._sums = np.zeros((v, p, len(TRADE_FIGURES)))
        # Depreciation per day of each cohort: K / life, recomputed as K changes.
        self._per_day = np.divide(1.0, self._life, out=np.zeros(c), where=self._life > 0)
        m = 0 if self._pick is None else self._pick.size
        self.used_price = np.zeros((d, v, p, m))
        self.shutdown_price = np.zeros((d, v, p, m))

    def record(self, data: StepData) -> None:
        """Update the books with the step's trades; store at the day's last step."""
        shape = self._cost.shape
        held = np.broadcast_to(np.asarray(data.installed, dtype=np.float64), shape)
        tr = data.trades
        if tr is not None:
            out = tr.sold + tr.scrapped
            before = held + out - tr.bought  # machines held before the step's trades
            share = np.divide(out, before, out=np.zeros(shape), where=before > 0)
            disposed = self._book * share
            proceeds = tr.sale_proceeds + tr.scrap_proceeds
            self._cost = self._cost * (1.0 - share) + tr.buy_cost
            self._book = self._book - disposed + tr.buy_cost
            s = self._sums
            s[..., 1] += tr.bought.sum(axis=-1)
            s[..., 2] += tr.sold.sum(axis=-1)
            s[..., 3] += tr.scrapped.sum(axis=-1)
            s[..., 4] += tr.buy_cost.sum(axis=-1)
            s[..., 5] += proceeds.sum(axis=-1)
            s[..., 6] += (proceeds - disposed).sum(axis=-1)
        if (data.step + 1) % self._spd:
            return
        self._book = self._book - np.minimum(self._book, self._cost * self._per_day)
        self._sums[..., 0] = held.sum(axis=-1)
        self._sums[..., 7] = self._book.sum(axis=-1)
        self.figures[data.day] = self._sums
        if self._pick is not None and self._market is not None:
            pick = self._pick
            self.used_price[data.day] = np.broadcast_to(
                self._market[:, pick, data.day], self.used_price.shape[1:])
            cost = np.broadcast_to(data.cost_per_machine, shape)[..., pick]
            coins = np.broadcast_to(data.coins_per_machine, shape)[..., pick]
            with np.errstate(divide="ignore", invalid="ignore"):
                self.shutdown_price[data.day] = np.where(coins > 0, cost / coins, np.nan)

    def kernel_trade_book(self) -> str | None:
        """Return why the compiled kernel cannot keep this ledger, or None (it can)."""
        if self._pick is not None:
            return ("the trade recorder's used and shutdown prices per model have no "
                    "compiled form yet")
        return None

    def opening_books(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Return the opening cost and book value [currency] and life [day] per cohort."""
        return self._cost0, self._book0, self._life

    def load_day(self, day: int, figures: FloatArray) -> None:
        """Take day ``day``'s figures (V, P, len(TRADE_FIGURES)) from the compiled kernel."""
        self.figures[day] = figures

    def finish(self) -> TradeRecorder:
        """Return itself (:attr:`figures` is the result)."""
        return self
