"""What a policy decides each step: an action bundle.

Before each step the engine hands every policy the :class:`Actions` built so
far (the previous step's on/off state and no trades); each policy returns the
bundle with its own part added, so policies compose (curtail, then trade,
then hedge, then migrate). Everything is arrays over the run's axes:

* ``on`` ``(V, P, C)`` — which cohorts run;
* machine trades ``(V, P, C)`` — machines **bought**, **sold** and **scrapped**
  at the start of the step, at a unit price per cohort (defaults: buy at the
  cohort's ``unit_price``, sell and scrap for nothing);
* moves — machines taken from one cohort into another (a move between sites, or
  a sale between owners when the two cohorts belong to different owners),
  ``K`` pairs at once, with a cost per machine paid by the source's owner;
* transfers — cash from one owner to another (hosting fees, the price of
  machines sold from one farm to another), ``K`` pairs at once;
* orders — change of each owner's position in each instrument ``(V, P, O, I)``
  [coin];
* coin choice — index of the coin each cohort mines in the step ``(V, P, C)``
  (the market's coin axis);
* cost — an extra operating cost per running machine in the step ``(V, P, C)``
  (e.g. the time a rig loses switching coins).

Unset parts are ``None``: the engine's fast path (on/off only) does no extra
work for them. The engine clips what cannot be done (a sale of more machines
than are held, a purchase by a broke owner) and records what was done.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["Actions", "Moves", "Transfers"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class Moves:
    """Machines taken out of cohorts ``source`` into cohorts ``target``.

    Attributes
    ----------
    source, target : ndarray of int (K,)
        Cohort indices of each move (same model; the target may be at another
        site or of another owner).
    count : ndarray (V|1, P|1, K)
        Machines moved. [machines]
    cost_per_machine : ndarray (K,)
        Transport and reinstallation, paid by the source's owner. [currency/machine]

    """

    source: IntArray
    target: IntArray
    count: FloatArray
    cost_per_machine: FloatArray

    def __post_init__(self) -> None:
        src = np.atleast_1d(np.asarray(self.source, dtype=np.int64))
        dst = np.atleast_1d(np.asarray(self.target, dtype=np.int64))
        k = src.size
        if dst.shape != (k,):
            raise InputError("source and target must have one entry per move", field="moves")
        count = np.asarray(self.count, dtype=np.float64)
        if count.ndim != 3 or count.shape[-1] != k:
            raise InputError(f"must be shaped (V|1, P|1, {k})", field="moves.count")
        cost = np.broadcast_to(np.asarray(self.cost_per_machine, dtype=np.float64), (k,))
        if np.any(count < 0) or np.any(cost < 0):
            raise InputError("must be >= 0", field="moves.count")
        object.__setattr__(self, "source", src)
        object.__setattr__(self, "target", dst)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "cost_per_machine", cost.copy())


@dataclasses.dataclass(frozen=True)
class Transfers:
    """Cash (or coins) paid by owners ``payer`` to owners ``payee``.

    Attributes
    ----------
    payer, payee : ndarray of int (K,)
        Owner indices.
    amount : ndarray (V|1, P|1, K)
        Paid in the step (>= 0): cash, or coins where ``in_coins``. [currency], [coin]
    labels : tuple of str or None
        What each transfer is (``"hosting_power"``, ``"sla_credit"``); labelled
        transfers get their own rows in the ledger (``transfer:<label>``, received
        minus paid per owner, coins valued at the step's price). None: unlabelled.
    in_coins : ndarray of bool (K,) or None
        Transfers paid in the run's main coin (a hosting fee taken as a share of the
        output): they move coin balances, not cash; the payer buys what it lacks at
        the step's price. None: all in cash.

    """

    payer: IntArray
    payee: IntArray
    amount: FloatArray
    labels: tuple[str, ...] | None = None
    in_coins: BoolArray | None = None

    def __post_init__(self) -> None:
        payer = np.atleast_1d(np.asarray(self.payer, dtype=np.int64))
        payee = np.atleast_1d(np.asarray(self.payee, dtype=np.int64))
        amount = np.asarray(self.amount, dtype=np.float64)
        if payee.shape != payer.shape or amount.ndim != 3 or amount.shape[-1] != payer.size:
            raise InputError("payer, payee and amount must have one entry per transfer",
                             field="transfers")
        if np.any(amount < 0) or not np.all(np.isfinite(amount)):
            raise InputError("must be finite and >= 0", field="transfers.amount")
        if self.labels is not None and len(self.labels) != payer.size:
            raise InputError("must have one label per transfer", field="transfers.labels")
        if self.in_coins is not None:
            in_coins = np.asarray(self.in_coins, dtype=bool)
            if in_coins.shape != payer.shape:
                raise InputError("must have one entry per transfer", field="transfers.in_coins")
            object.__setattr__(self, "in_coins", in_coins if in_coins.any() else None)
        object.__setattr__(self, "payer", payer)
        object.__setattr__(self, "payee", payee)
        object.__setattr__(self, "amount", amount)

    def by_label(self, n_owners: int, shape: tuple[int, int],
                 price: FloatArray | float = 1.0) -> dict[str, FloatArray]:
        """Return each label's net value per owner (received - paid), (V, P, O) [currency].

        Coin transfers are valued at ``price`` (``(1, P, 1)`` or a scalar) [currency/coin].
        """
        if self.labels is None:
            return {}
        amount = np.broadcast_to(self.amount, (*shape, self.payer.size))
        if self.in_coins is not None:
            price_k = np.broadcast_to(np.asarray(price, dtype=np.float64), (*shape, 1))
            amount = np.where(self.in_coins, amount * price_k, amount)
        out: dict[str, FloatArray] = {}
        for k, label in enumerate(self.labels):
            net = np.zeros((*shape, n_owners))
            net[..., self.payee[k]] += amount[..., k]
            net[..., self.payer[k]] -= amount[..., k]
            out[label] = out[label] + net if label in out else net
        return out


@dataclasses.dataclass(frozen=True)
class Actions:
    """The action bundle of one step (see the module docstring).

    Attributes
    ----------
    on : ndarray of bool (V|1, P|1, C)
        Cohorts switched on.
    buy, sell, scrap : ndarray (V|1, P|1, C) or None
        Machines bought, sold, scrapped at the start of the step. [machines]
    buy_price, sell_price, scrap_price : ndarray (V|1, P|1, C|1) or None
        Price per machine of each trade (default: the cohort's ``unit_price``
        for a purchase, 0 for a sale or scrapping). [currency/machine]
    moves : Moves or None
        Machines moved between cohorts.
    transfers : Transfers or None
        Cash between owners.
    orders : ndarray (V|1, P|1, O, I) or None
        Change of position per owner and instrument (> 0 buys). [coin]
    coin : ndarray of int (V|1, P|1, C) or None
        Coin each cohort mines in the step (index into the market's coins; 0 is
        the run's main coin).
    cost : ndarray (V|1, P|1, C) or None
        Extra operating cost of each running machine in the step, paid with its
        power and booked with the restart costs (a coin switch restarts the
        machine on another coin). [currency/machine]

    """

    on: BoolArray
    buy: FloatArray | None = None
    sell: FloatArray | None = None
    scrap: FloatArray | None = None
    buy_price: FloatArray | None = None
    sell_price: FloatArray | None = None
    scrap_price: FloatArray | None = None
    moves: Moves | None = None
    transfers: Transfers | None = None
    orders: FloatArray | None = None
    coin: IntArray | None = None
    cost: FloatArray | None = None

    @property
    def trades(self) -> bool:
        """Whether any machine changes hands (buy, sell, scrap or move)."""
        return (self.buy is not None or self.sell is not None or self.scrap is not None
                or self.moves is not None)

    @property
    def only_on_off(self) -> bool:
        """Whether the bundle is the fast path's: on/off and nothing else."""
        return (not self.trades and self.transfers is None and self.orders is None
                and self.coin is None and self.cost is None)

    @classmethod
    def start(cls, on: BoolArray) -> Actions:
        """Return the bundle a step starts from: ``on`` and nothing else (cheap: every step)."""
        new = object.__new__(cls)
        new.__dict__.update(_EMPTY)
        new.__dict__["on"] = on
        return new

    def with_on(self, on: BoolArray) -> Actions:
        """Return the bundle with a new on/off state."""
        # Called by every curtailment policy every step: a dict copy, not dataclasses.replace.
        new = object.__new__(Actions)
        new.__dict__.update(self.__dict__)
        new.__dict__["on"] = on
        return new

    def add_trades(
        self,
        *,
        buy: npt.ArrayLike | None = None,
        sell: npt.ArrayLike | None = None,
        scrap: npt.ArrayLike | None = None,
        buy_price: npt.ArrayLike | None = None,
        sell_price: npt.ArrayLike | None = None,
        scrap_price: npt.ArrayLike | None = None,
    ) -> Actions:
        """Return the bundle with machine trades added to those already in it.

        Prices of a trade kind given twice must agree (the later one wins where
        the earlier one traded nothing).
        """
        changes: dict[str, object] = {}
        for name, value, price_name, price in (("buy", buy, "buy_price", buy_price),
                                               ("sell", sell, "sell_price", sell_price),
                                               ("scrap", scrap, "scrap_price", scrap_price)):
            if value is None:
                continue
            arr = np.asarray(value, dtype=np.float64)
            if np.any(arr < 0) or not np.all(np.isfinite(arr)):
                raise InputError("must be finite and >= 0", field=f"actions.{name}")
            old = getattr(self, name)
            changes[name] = arr if old is None else old + arr
            if price is not None:
                p = np.asarray(price, dtype=np.float64)
                old_p = getattr(self, price_name)
                changes[price_name] = p if old_p is None or old is None else np.where(
                    old > 0, old_p, p)
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def add_moves(self, moves: Moves) -> Actions:
        """Return the bundle with more moves."""
        if self.moves is None:
            return dataclasses.replace(self, moves=moves)
        old = self.moves
        shape = np.broadcast_shapes(old.count.shape[:2], moves.count.shape[:2])
        count = np.concatenate([np.broadcast_to(old.count, (*shape, old.source.size)),
                                np.broadcast_to(moves.count, (*shape, moves.source.size))],
                               axis=-1)
        return dataclasses.replace(self, moves=Moves(
            np.concatenate([old.source, moves.source]), np.concatenate([old.target, moves.target]),
            count, np.concatenate([old.cost_per_machine, moves.cost_per_machine])))

    def add_transfers(self, transfers: Transfers) -> Actions:
        """Return the bundle with more transfers between owners."""
        if self.transfers is None:
            return dataclasses.replace(self, transfers=transfers)
        old = self.transfers
        shape = np.broadcast_shapes(old.amount.shape[:2], transfers.amount.shape[:2])
        amount = np.concatenate(
            [np.broadcast_to(old.amount, (*shape, old.payer.size)),
             np.broadcast_to(transfers.amount, (*shape, transfers.payer.size))], axis=-1)
        labels = None
        if old.labels is not None or transfers.labels is not None:
            labels = (*(old.labels or ("transfer",) * old.payer.size),
                      *(transfers.labels or ("transfer",) * transfers.payer.size))
        in_coins = None
        if old.in_coins is not None or transfers.in_coins is not None:
            in_coins = np.concatenate([
                np.zeros(old.payer.size, bool) if old.in_coins is None else old.in_coins,
                np.zeros(transfers.payer.size, bool) if transfers.in_coins is None
                else transfers.in_coins])
        return dataclasses.replace(self, transfers=Transfers(
            np.concatenate([old.payer, transfers.payer]),
            np.concatenate([old.payee, transfers.payee]), amount, labels, in_coins))

    def add_orders(self, orders: npt.ArrayLike) -> Actions:
        """Return the bundle with more instrument orders ``(V|1, P|1, O, I)`` [coin]."""
        arr = np.asarray(orders, dtype=np.float64)
        if arr.ndim != 4 or not np.all(np.isfinite(arr)):
            raise InputError("must be finite and shaped (V|1, P|1, O, I)", field="actions.orders")
        return dataclasses.replace(self, orders=arr if self.orders is None else self.orders + arr)

    def with_coin(self, coin: npt.ArrayLike) -> Actions:
        """Return the bundle with the coin each cohort mines ``(V|1, P|1, C)``."""
        return dataclasses.replace(self, coin=np.asarray(coin, dtype=np.int64))

    def add_cost(self, cost: npt.ArrayLike) -> Actions:
        """Return the bundle with more cost per running machine ``(V|1, P|1, C)`` [currency]."""
        more = np.asarray(cost, dtype=np.float64)
        if np.any(more < 0) or not np.all(np.isfinite(more)):
            raise InputError("must be finite and >= 0", field="actions.cost")
        return dataclasses.replace(self, cost=more if self.cost is None else self.cost + more)


_EMPTY = {f.name: None for f in dataclasses.fields(Actions)}
