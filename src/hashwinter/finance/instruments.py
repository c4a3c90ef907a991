"""Hedging contracts as engine instruments: futures, perpetuals and forwards in the position book.

:class:`HedgeContract` implements :class:`hashwinter.engine.positions.Instrument`
for the four contracts of a ``[hedge]`` section, one concept with four kinds:

``linear_future``
    USD-margined (run-currency-margined) dated future: P&L, fees and margin in
    cash.
``inverse_future``
    Coin-margined dated future (contract face in currency; P&L, fees and margin
    in coins, paid from and into the owner's coin balance).
``perpetual``
    A swap without expiry (linear or inverse), paying funding at every funding
    time; the hedge closes and reopens it at each roll.
``forward``
    OTC, no margin and no marks; settled in cash at its close, less the expected
    loss from the counterparty's default.

Each step, in this order (the engine calls :meth:`HedgeContract.settle` once per
step, after the cohorts have mined and before the treasury):

1. **mark** every open position at the contract price (variation margin since
   the last mark; liquidation of a position at or beyond its liquidation price,
   with the exchange's fee charged once: :func:`hashwinter.finance.book.mark`);
2. **funding** of open perpetuals (:func:`hashwinter.finance.book.fund`);
3. **close** at the close of a close day (a dated contract's expiry, the roll of
   a perpetual or forward): settlement at the contract price, settlement or
   taker fee; with ``deliver_at_close`` a short delivers the coins it hedged and
   receives their value at spot (the hedged coins are sold when the hedge
   closes; a liquidated hedge's coins are sold then too);
4. **fill** the step's order at the contract price (a new contract after a
   close), with the taker fee; an order on an open position re-bases it at the
   mark (its P&L up to the mark was already paid as variation margin).

The collateral (initial margin, entry notional / leverage) is *held*, not
paid: it is what :meth:`HedgeContract.margin` reports; the P&L flows at each
mark from the owner's cash (linear) or coins (inverse), so a margin call is a
payment the treasury makes like any other (selling coins, or going broke).
Liquidation follows the isolated-margin convention of
:mod:`hashwinter.finance.margin` (maintenance on mark value; the loss is capped
at the collateral).

Contract prices: a perpetual trades at spot; a dated contract or forward at
``spot · exp(b · τ / 365.25)`` (:data:`~hashwinter.units.JULIAN_YEAR_DAYS`),
``τ`` the days to its close, or at observed prices (one per day) where given.
The engine's ``mark`` is the coin's spot price in the run currency; prices in
USD convert at the day's FX rate, so the contract is read as quoted in the run
currency (FX risk between the two is not modelled).

The engine only reads ``Position.quantity`` (coins, > 0 long); the book's own
state travels in :class:`HedgePosition`, a :class:`Position` with more arrays,
so the engine's protocol needs no change. What each step did (notional, entry,
mark, variation margin, funding, fees, realised P&L, liquidations, basis cost)
goes to an optional :class:`BookJournal`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from hashwinter.engine.positions import Position, Settlement
from hashwinter.errors import InputError
from hashwinter.finance import book as fbook
from hashwinter.finance.forward import expected_default_loss, forward_payoff
from hashwinter.finance.futures import inverse_pnl, linear_pnl, trade_fee
from hashwinter.finance.margin import liquidation_loss, liquidation_price
from hashwinter.finance.perpetual import funding_payment
from hashwinter.units import JULIAN_YEAR_DAYS

if TYPE_CHECKING:
    from hashwinter.engine.kernel.protocol import CompiledContract

__all__ = [
    "JOURNAL_FIELDS",
    "KINDS",
    "BookJournal",
    "HedgeContract",
    "HedgePosition",
    "days_to_close",
    "roll_days",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

Kind = Literal["linear_future", "inverse_future", "perpetual", "forward"]
#: Contract kinds of :class:`HedgeContract` (those of ``[hedge] instrument``).
KINDS: tuple[str, ...] = ("linear_future", "inverse_future", "perpetual", "forward")

#: What the journal keeps per step and owner, all in the run currency (coin amounts of
#: inverse contracts valued at the step's spot): ``notional`` (open, at the mark),
#: ``entry`` and ``mark`` (contract prices), ``variation`` margin received, ``funding``
#: received, ``fees`` paid (trading, settlement, liquidation), ``realised`` P&L of the
#: positions closed or liquidated in the step (variation and funding over their life,
#: fees excluded), ``liquidated`` (1 where a position was liquidated), ``basis`` cost
#: paid at entry (``q (F − S)``: a short sold below spot pays), ``margin`` posted,
#: ``maintenance`` margin, ``delivered`` coins [coin] and their ``delivery`` proceeds.
JOURNAL_FIELDS = ("notional", "entry", "mark", "variation", "funding", "fees", "realised",
                  "liquidated", "basis", "margin", "maintenance", "delivered", "delivery")


def roll_days(dates: npt.ArrayLike, roll_day: int) -> BoolArray:
    """Return the days of ``dates`` that are the ``roll_day``-th of their month (D,) bool."""
    if not 1 <= int(roll_day) <= 28:
        raise InputError(f"must be between 1 and 28 (got {roll_day})", field="hedge.roll_day")
    d = np.asarray(dates, dtype="datetime64[D]")
    day_of_month = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return np.asarray(day_of_month == int(roll_day))


def days_to_close(close: npt.ArrayLike, *, strictly_after: bool) -> FloatArray:
    """Return, per day, the days until the next close day (0 on and after the last one).

    Parameters
    ----------
    close : array_like of bool (D,)
        Close days.
    strictly_after : bool
        Count to the next close *after* the day (a contract opened at a close day's
        close runs to the following close); else on or after it (the contract being
        marked, which closes that day).

    Returns
    -------
    ndarray (D,)
        Days to the close. [day]

    """
    c = np.asarray(close, dtype=bool)
    n = c.size
    idx = np.flatnonzero(c)
    days = np.arange(n)
    if idx.size == 0:
        return np.zeros(n)
    pos = np.searchsorted(idx, days, side="right" if strictly_after else "left")
    nxt = np.where(pos < idx.size, idx[np.minimum(pos, idx.size - 1)], days)
    return np.asarray(nxt - days, dtype=np.float64)


class BookJournal:
    """What the book did per step: arrays (steps, V, P, O) per field of :data:`JOURNAL_FIELDS`.

    One journal may serve several instruments: their flows add up (``entry`` and
    ``mark`` keep the last instrument's open values). Memory is
    ``steps × V × P × O × 13`` floats; ``max_values`` refuses larger runs.

    Parameters
    ----------
    max_values : int
        Largest number of values kept.

    """

    def __init__(self, max_values: int = 20_000_000) -> None:
        self.max_values = int(max_values)
        self._steps: dict[int, dict[str, FloatArray]] = {}

    def add(self, step: int, values: dict[str, FloatArray]) -> None:
        """Add one instrument's step (arrays (V, P, O))."""
        row = self._steps.get(step)
        if row is None:
            size = sum(v.size for v in values.values()) * max(len(self._steps) + 1, 1)
            if size > self.max_values:
                raise InputError(f"the book journal would keep {size:,} values, above "
                                 f"{self.max_values:,}", field="journal")
            self._steps[step] = {k: np.array(v, dtype=np.float64) for k, v in values.items()}
            return
        for k, v in values.items():
            if k in ("entry", "mark"):
                row[k] = np.where(v != 0, v, row[k])
            else:
                row[k] = row[k] + v

    def arrays(self, n_steps: int, owner_shape: tuple[int, int, int]) -> dict[str, FloatArray]:
        """Return each field as (steps, V, P, O) (zeros on steps nothing was recorded)."""
        out = {k: np.zeros((n_steps, *owner_shape)) for k in JOURNAL_FIELDS}
        for t, row in self._steps.items():
            for k, v in row.items():
                out[k][t] = v
        return out


@dataclasses.dataclass(frozen=True)
class HedgePosition(Position):
    """The position of one :class:`HedgeContract` per (variant, path, owner).

    Attributes
    ----------
    quantity : ndarray (V, P, O)
        Coins long (> 0) or short (< 0); 0 when flat or liquidated. [coin]
    entry : ndarray (V, P, O)
        Contract price at entry (or the last re-basing). [currency/coin]
    book : hashwinter.finance.book.Book
        The margin state (size: coins for linear, face in currency for inverse).
    hedged : ndarray (V, P, O)
        Coins the open contract was entered for, kept after a liquidation until
        the contract's close (they are delivered then). [coin]
    accrued : ndarray (V, P, O)
        Variation margin and funding received since entry, margin currency.
    life : ndarray (V, P, O)
        Everything the contract paid since entry, fees included (kept after a
        liquidation until the close), margin currency: an inverse hedge's coins
        are sold with the hedged coins at the close.
    liquidation : ndarray (V, P, O)
        Liquidation price of the open position, fixed at entry (it depends on the
        entry price, leverage and maintenance rate only). [currency/coin]

    """

    book: fbook.Book
    hedged: FloatArray
    accrued: FloatArray
    life: FloatArray
    liquidation: FloatArray


@dataclasses.dataclass(frozen=True)
class HedgeContract:
    """A futures, perpetual or forward contract rolled at given close days (see module doc).

    Parameters
    ----------
    kind : {"linear_future", "inverse_future", "perpetual", "forward"}
        The contract.
    close_days : array_like of bool (D,)
        Days at whose close open positions settle: each month's contract expires on
        the roll day (a dated future), the perpetual or forward is closed there.
    inverse_perpetual : bool, default True
        A perpetual is coin-margined (BitMEX XBTUSD) rather than linear.
    leverage : float, default 1
        Effective leverage: entry notional / collateral (> 0).
    maintenance_margin : float, default 0.005
        Maintenance rate on mark value (< 1 / leverage). [fraction]
    taker_fee, settlement_fee, liquidation_fee : float
        Fee rates on notional (trading; at expiry of a dated future; at
        liquidation). [fraction]
    basis_per_year : float, default 0
        Annualised basis of dated contracts and forwards. [1/year]
    observed_prices : array_like (D,), optional
        Observed contract prices per day (replace spot × basis). [currency/coin]
    basis_path : array_like (D,) or (D, P), optional
        Annualised basis per day (and per path), replacing ``basis_per_year``:
        e.g. :class:`hashwinter.finance.basis.MomentumBasis` of each path's own
        spot. [1/year]
    funding : array_like (T,) or (T, P), optional
        Funding rate summed over each step's funding times (perpetual; > 0: longs
        pay shorts). [fraction]
    default_probability, recovery : float, default 0
        Forward: counterparty default over a contract's life, share recovered.
    deliver_at_close : bool, default True
        At a close, a short delivers the coins it hedged and receives their value
        at spot (the hedged coins are sold when the hedge closes).
    name : str
        Label in the ledger (default: the kind).
    journal : BookJournal, optional
        Where each step's detail is written (None: not kept).

    """

    kind: Kind
    close_days: BoolArray
    inverse_perpetual: bool = True
    leverage: float = 1.0
    maintenance_margin: float = 0.005
    taker_fee: float = 0.00075
    settlement_fee: float = 0.0005
    liquidation_fee: float = 0.005
    basis_per_year: float = 0.0
    observed_prices: FloatArray | None = None
    basis_path: FloatArray | None = None
    funding: FloatArray | None = None
    default_probability: float = 0.0
    recovery: float = 0.0
    deliver_at_close: bool = True
    name: str = ""
    journal: BookJournal | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            known = ", ".join(repr(k) for k in KINDS)
            raise InputError(f"must be one of {known} (got {self.kind!r})",
                             field="hedge.instrument")
        if not np.isfinite(self.leverage) or self.leverage <= 0:
            raise InputError(f"must be > 0 (got {self.leverage:g})", field="hedge.leverage")
        if not 0 <= self.maintenance_margin < 1.0 / self.leverage:
            raise InputError(f"must be >= 0 and < 1/leverage = {1.0 / self.leverage:g} "
                             f"(got {self.maintenance_margin:g})",
                             field="hedge.maintenance_margin")
        for field in ("default_probability", "recovery"):
            if not 0 <= getattr(self, field) <= 1:
                raise InputError("must be between 0 and 1", field=f"hedge.{field}")
        close = np.asarray(self.close_days, dtype=bool)
        object.__setattr__(self, "close_days", close)
        object.__setattr__(self, "_tau_mark", days_to_close(close, strictly_after=False))
        object.__setattr__(self, "_tau_open", days_to_close(close, strictly_after=True))
        if self.observed_prices is not None:
            obs = np.asarray(self.observed_prices, dtype=np.float64)
            if obs.shape != close.shape or not np.all(np.isfinite(obs) & (obs > 0)):
                raise InputError("must be one finite price > 0 per day",
                                 field="hedge.observed_prices")
            object.__setattr__(self, "observed_prices", obs)
        if self.basis_path is not None:
            b = np.asarray(self.basis_path, dtype=np.float64)
            if b.ndim not in (1, 2) or b.shape[0] != close.size or not np.all(np.isfinite(b)):
                raise InputError("must be one finite basis per day (and path)",
                                 field="hedge.basis")
            object.__setattr__(self, "basis_path", b)
        if self.funding is not None:
            object.__setattr__(self, "funding", np.asarray(self.funding, dtype=np.float64))
        if not self.name:
            object.__setattr__(self, "name", self.kind)

    def with_journal(self, journal: BookJournal | None) -> HedgeContract:
        """Return the contract writing its steps to ``journal``."""
        return dataclasses.replace(self, journal=journal)

    @property
    def inverse(self) -> bool:
        """Whether P&L, fees and margin are in coins."""
        return self.kind == "inverse_future" or (self.kind == "perpetual"
                                                 and self.inverse_perpetual)

    @property
    def margined(self) -> bool:
        """Whether the contract is marked to market with margin (all but forwards)."""
        return self.kind != "forward"

    def mark(self, day: int, spot: FloatArray) -> FloatArray:
        """Return the spot price: the index the contract price is derived from in ``settle``."""
        return spot

    def contract_price(self, day: int, spot: FloatArray, *, opening: bool) -> FloatArray:
        """Return the contract's price on ``day`` from spot (a new contract if ``opening``)."""
        if self.kind == "perpetual":
            return spot
        if self.observed_prices is not None:
            return np.broadcast_to(self.observed_prices[day], np.shape(spot)).astype(np.float64)
        tau = (self._tau_open if opening else self._tau_mark)[day]  # type: ignore[attr-defined]
        if self.basis_path is not None:
            b = self.basis_path[day]
            b = b[None, :, None] if np.ndim(b) == 1 else b
            return np.asarray(spot * np.exp(b * tau / JULIAN_YEAR_DAYS), dtype=np.float64)
        if self.basis_per_year == 0.0 or tau == 0.0:
            return spot
        return np.asarray(spot * np.exp(self.basis_per_year * tau / JULIAN_YEAR_DAYS))

    def _empty(self, shape: tuple[int, int, int], price: FloatArray) -> HedgePosition:
        zero = np.zeros(shape)
        p = np.array(np.broadcast_to(price, shape), dtype=np.float64)
        book = fbook.Book(size=zero.copy(), entry=p, last_mark=p.copy(), collateral=zero.copy(),
                          maintenance_rate=np.full(shape, self.maintenance_margin),
                          liquidation_fee=np.full(shape, self.liquidation_fee),
                          inverse=np.full(shape, self.inverse),
                          perpetual=np.full(shape, self.kind == "perpetual"),
                          is_open=np.zeros(shape, dtype=bool))
        return HedgePosition(zero.copy(), zero.copy(), book, zero.copy(), zero.copy(),
                             zero.copy(), np.full(shape, np.inf))

    def settle(self, step: int, day: int, last_step_of_day: bool, position: Position,
               order: FloatArray, mark: FloatArray) -> Settlement:
        """Mark, pay funding, close on a close day, fill ``order`` (coins) (see module doc)."""
        shape = position.quantity.shape
        spot = np.broadcast_to(np.asarray(mark, dtype=np.float64), shape)
        price = np.asarray(np.broadcast_to(self.contract_price(day, spot, opening=False), shape))
        pos = position if isinstance(position, HedgePosition) else self._empty(shape, price)
        book, hedged, accrued, life = pos.book, pos.hedged, pos.accrued, pos.life
        liquidation = pos.liquidation
        inverse = self.inverse
        closing = bool(last_step_of_day and self.close_days[day])
        was_open = book.is_open
        any_open = bool(was_open.any())
        traded = np.asarray(order, dtype=np.float64) != 0
        if not (any_open or traded.any() or (closing and (hedged.any() or life.any()))):
            # Nothing open, nothing to fill or deliver: the common step of an idle slot.
            zero = np.zeros(shape)
            if self.journal is not None:
                self.journal.add(step, {k: zero for k in JOURNAL_FIELDS})
            return Settlement(pos, zero, zero)
        zero = np.zeros(shape)
        was_open = was_open.copy()
        # 1. Mark (and liquidate).
        if self.margined and any_open:
            book, variation, liquidated, fees = self._mark(book, price, liquidation)
        else:
            variation, liquidated, fees = zero, np.zeros(shape, dtype=bool), zero
        # 2. Funding of an open perpetual.
        funding = zero
        if self.kind == "perpetual" and self.funding is not None and book.is_open.any():
            rate = self.funding[step]
            rate = rate[None, :, None] if np.ndim(rate) == 1 else rate
            funding = np.where(book.is_open,
                               funding_payment(rate, book.size, price, inverse), 0.0)
        accrued = accrued + variation + funding
        realised = np.where(liquidated, accrued, 0.0)
        accrued = np.where(liquidated, 0.0, accrued)
        payoff = zero
        delivered = zero
        # 3. Close at the close of a close day.
        if closing:
            if self.margined:
                fee_rate = self.taker_fee if self.kind == "perpetual" else self.settlement_fee
                book, since, close_fee = fbook.settle(book, price, book.is_open, fee_rate)
                fees = fees + close_fee
            else:
                q = np.where(book.is_open, book.size, 0.0)
                gross = forward_payoff(q, book.entry, price)
                since = gross - expected_default_loss(q, book.entry, price,
                                                      self.default_probability, self.recovery)
                book = dataclasses.replace(book, is_open=np.zeros(shape, dtype=bool))
            payoff = since
            realised = realised + np.where(was_open, accrued + since, 0.0)
            accrued = zero
            if self.deliver_at_close:
                delivered = np.maximum(-hedged, 0.0)
            hedged = zero
        # What the contract(s) held before the fill paid in the step, margin currency.
        paid_before_fill = variation + funding - fees + payoff
        # 4. Fill the order (a new contract after a close).
        basis_cost = entry_fee = zero
        if traded.any():
            fill = np.asarray(np.broadcast_to(
                self.contract_price(day, spot, opening=closing), shape))
            order_size = order * fill if inverse else order
            open_size = np.where(book.is_open, book.size, 0.0)
            new_size = np.where(traded, open_size + order_size, book.size)
            entry_fee = np.where(traded, trade_fee(order_size, fill,
                                                   self.taker_fee if self.margined else 0.0,
                                                   inverse), 0.0)
            fees = fees + entry_fee
            fresh = fbook.open_book(new_size, fill, self.leverage, inverse=inverse,
                                    perpetual=self.kind == "perpetual",
                                    maintenance_rate=self.maintenance_margin,
                                    liquidation_fee=self.liquidation_fee)
            keep = ~traded
            if self.kind == "forward":  # an added forward averages the strikes
                strike = np.where(new_size != 0, np.divide(
                    open_size * book.entry + order * fill, new_size,
                    out=fill.copy(), where=new_size != 0), fill)
                fresh = dataclasses.replace(fresh, entry=strike, last_mark=strike)
            book = fbook.Book(*(np.where(keep, getattr(book, f.name), getattr(fresh, f.name))
                                for f in dataclasses.fields(fbook.Book)))
            liquidation = np.where(traded, liquidation_price(
                new_size, fill, self.leverage, self.maintenance_margin, inverse), liquidation)
            hedged = hedged + np.where(traded, order, 0.0)
            basis_cost = np.where(traded, order * (fill - spot), 0.0)
        flow = paid_before_fill - entry_fee
        quantity = np.where(book.is_open, book.size / book.entry if inverse else book.size, 0.0)
        cash = zero if inverse else flow
        coins = flow if inverse else zero
        if closing and self.deliver_at_close:
            if inverse:  # the coins the contract paid (or took) over its life are sold too
                delivered = delivered + life + paid_before_fill
            coins = coins - delivered
            cash = cash + delivered * spot
        life = -entry_fee if closing else life + flow
        new = HedgePosition(np.asarray(quantity, dtype=np.float64),
                            np.where(book.is_open, book.entry, 0.0), book, hedged, accrued,
                            life, liquidation)
        if self.journal is not None:
            value = spot if inverse else 1.0
            posted, maintenance = fbook.margin(book, price)
            open_notional = np.where(book.is_open, np.abs(quantity) * price, 0.0)
            self.journal.add(step, {
                "notional": open_notional,
                "entry": np.where(book.is_open, book.entry, 0.0),
                "mark": np.where(book.is_open | was_open, price, 0.0),
                "variation": variation * value, "funding": funding * value,
                "fees": fees * value, "realised": realised * value,
                "liquidated": liquidated.astype(np.float64), "basis": basis_cost,
                "margin": posted * value if self.margined else zero,
                "maintenance": maintenance * value if self.margined else zero,
                "delivered": delivered, "delivery": delivered * spot,
            })
        return Settlement(new, np.asarray(cash, dtype=np.float64),
                          np.asarray(coins, dtype=np.float64))

    def _mark(self, book: fbook.Book, price: FloatArray, liquidation: FloatArray
              ) -> tuple[fbook.Book, FloatArray, BoolArray, FloatArray]:
        """Mark the open positions at ``price``: (book, variation, liquidated, fee).

        The same rule as :func:`hashwinter.finance.book.mark` (liquidation at or beyond
        the liquidation price, loss capped at the collateral, fee once) for one kind of
        contract, with the liquidation price fixed at entry: the variation margin since
        the last mark is the P&L from the last mark to ``price``.
        """
        pnl = inverse_pnl if self.inverse else linear_pnl
        is_open = book.is_open
        variation = np.where(is_open, pnl(book.size, book.last_mark, price), 0.0)
        hit = is_open & np.where(book.size > 0, price <= liquidation, price >= liquidation)
        fee = np.zeros(price.shape)
        if hit.any():
            realised, charged = liquidation_loss(book.size, book.entry, price, book.collateral,
                                                 book.liquidation_fee, self.inverse)
            marked = pnl(book.size, book.entry, book.last_mark)
            variation = np.where(hit, realised - marked, variation)
            fee = np.where(hit, charged, 0.0)
            is_open = is_open & ~hit
        book = dataclasses.replace(book, last_mark=np.where(book.is_open, price, book.last_mark),
                                   is_open=is_open)
        return book, np.asarray(variation, dtype=np.float64), hit, fee

    def compiled_contract(self, spot: FloatArray, n_steps: int) -> CompiledContract | None:
        """Return the contract for the kernel's book (None: a forward, or a journal is kept).

        ``spot`` is the run's price (P, D) [currency/coin]; the price tables are this
        contract's :meth:`contract_price` of each day, so both paths mark at the same prices.
        """
        from hashwinter.engine.kernel.protocol import CompiledContract

        if not self.margined or self.journal is not None:
            return None
        s = np.asarray(spot, dtype=np.float64)
        prices = np.empty((2, *s.shape))
        for d in range(s.shape[1]):
            col = s[None, :, d, None]  # (1, P, 1): the engine's shape of a day's spot
            for row, opening in enumerate((False, True)):
                prices[row, :, d] = np.broadcast_to(
                    self.contract_price(d, col, opening=opening), col.shape)[0, :, 0]
        funding = np.zeros((1, n_steps))
        if self.kind == "perpetual" and self.funding is not None:
            f = np.asarray(self.funding, dtype=np.float64)  # (T,) or (T, P)
            funding = np.ascontiguousarray((f.T if f.ndim == 2 else f[None, :])[:, :n_steps])
        return CompiledContract(
            inverse=self.inverse, perpetual=self.kind == "perpetual",
            deliver_at_close=self.deliver_at_close, leverage=self.leverage,
            maintenance_margin=self.maintenance_margin, taker_fee=self.taker_fee,
            settlement_fee=self.settlement_fee, liquidation_fee=self.liquidation_fee,
            prices=prices, funding=funding, close_days=self.close_days)

    def margin(self, position: Position, mark: FloatArray) -> FloatArray:
        """Return the collateral posted against the open position, in currency (coins at spot)."""
        if not isinstance(position, HedgePosition) or not self.margined:
            return np.zeros(position.quantity.shape)
        posted = np.where(position.book.is_open, position.book.collateral, 0.0)
        return np.asarray(posted * mark if self.inverse else posted, dtype=np.float64)
