"""Trading rules as engine policies: sell, buy (Hu's rule), buy a failing farm's fleet, scrap.

Every rule decides once a day, at the day's first step, from the
:class:`~hashwinter.engine.Observation` (the previous day's close and reward,
the machines held, the owners' cash) and the precomputed
:class:`~hashwinter.farm.trading.prices.TradeTables`; it adds machine trades
to the action bundle (:meth:`~hashwinter.engine.Actions.add_trades`), whole
machines only. Thresholds are arrays over the variant axis ``V`` (a sweep in
one run). Purchases are limited by the free slots and MW of the target's site
(machines held by every cohort at it) and by the owner's cash above a reserve.

* :class:`SellRule` — sell a cohort when the market price less the fee exceeds
  ``(1 + premium)`` x the value of keeping it, or (``min_cash``) sell a share of
  every cohort that covers an owner's shortfall below ``min_cash``.
* :class:`BuyRule` — Hu's rule: buy machines of the target cohort's model at
  the market price (plus fee) when the payback at today's state,
  ``price / (revenue - cost per day)``, is below ``payback_days`` (``npv``:
  when the value of keeping exceeds the price).
* :class:`BlockBuy` — on one day, buy up to ``count`` machines (a failing
  farm's whole fleet) at ``discount`` x the market price.
* :class:`ScrapRule` — scrap machines whose value of keeping and market price
  have fallen to the scrap value, at the scrap value.
* :class:`SellOnDate` / :class:`StoreRule` — the legs of Lao Luo's dilemma:
  sell on a date at the market price less the fee; unplug from a date until
  the margin recovers (stored machines draw no power).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.kernel.protocol import BUY_BLOCK, BUY_NPV, BUY_PAYBACK, CompiledTrades
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.policy import Observation
from hashwinter.engine.variants import (
    as_variant_array,
    count_variants,
    to_engine_axis,
)
from hashwinter.farm.trading.prices import TradeTables
from hashwinter.units import SECONDS_PER_DAY

__all__ = [
    "BlockBuy",
    "BuyRule",
    "ScrapRule",
    "SellOnDate",
    "SellRule",
    "SiteLimits",
    "StoreRule",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def _site_terms(limits: SiteLimits) -> dict[str, Any]:
    return dict(site=np.asarray(limits.site, dtype=np.int64),
                slots=np.asarray(limits.slots, dtype=np.float64),
                watts=np.asarray(limits.watts, dtype=np.float64),
                meter_watts=np.asarray(limits.meter_watts, dtype=np.float64))


def _take(obj: Any, sel: slice | npt.NDArray[np.int64], names: tuple[str, ...]) -> Any:
    """Return ``obj`` with its variant parameters ``names`` restricted to ``sel``."""
    changes = {n: getattr(obj, n)[sel] for n in names if getattr(obj, n).shape[0] > 1}
    return dataclasses.replace(obj, **changes)


def _steps_per_day(obs: Observation) -> int:
    return max(1, round(SECONDS_PER_DAY / obs.step_seconds))


def _first_step_of_day(obs: Observation) -> bool:
    return obs.step % _steps_per_day(obs) == 0


def _held(obs: Observation, shape: tuple[int, ...]) -> FloatArray:
    return np.broadcast_to(np.asarray(obs.installed, dtype=np.float64), shape)


def _state_shape(obs: Observation, n_var: int) -> tuple[int, int, int]:
    n_p = obs.revenue_per_machine.shape[1]
    n_c = obs.revenue_per_machine.shape[-1]
    v = max(n_var, obs.revenue_per_machine.shape[0], obs.cost_per_machine.shape[0])
    if obs.cash is not None:
        v = max(v, obs.cash.shape[0])
    return (v, n_p, n_c)


@dataclasses.dataclass(frozen=True)
class SiteLimits:
    """Capacity of each site and what each cohort takes of it.

    Attributes
    ----------
    site : ndarray of int (C,)
        Site index of each cohort (-1: a cohort on the road, counted nowhere).
    slots : ndarray (S,)
        Machines each site holds. [machines]
    watts : ndarray (S,)
        Power each site can draw at the meter. [W]
    meter_watts : ndarray (C,)
        Meter power of one machine of each cohort (power x PUE). [W]

    """

    site: npt.NDArray[np.int64]
    slots: FloatArray
    watts: FloatArray
    meter_watts: FloatArray

    def free(self, held: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return free slots and free meter watts per site, (V, P, S), given machines held."""
        n_s = self.slots.size
        mat = np.zeros((self.site.size, n_s))
        rows = np.flatnonzero(self.site >= 0)
        mat[rows, self.site[rows]] = 1.0
        used = held @ mat
        used_w = (held * self.meter_watts) @ mat
        return self.slots - used, self.watts - used_w

    def room(self, held: FloatArray, target: int) -> FloatArray:
        """Return whole machines of cohort ``target`` that fit at its site, (V, P)."""
        free_slots, free_w = self.free(held)
        s = int(self.site[target])
        by_power = free_w[..., s] / max(float(self.meter_watts[target]), 1e-300)
        return np.floor(np.maximum(np.minimum(free_slots[..., s], by_power), 0.0) + 1e-9)


def _affordable(obs: Observation, owner: int, reserve: FloatArray, price: FloatArray,
                shape: tuple[int, int]) -> FloatArray:
    """Whole machines the owner's cash above ``reserve`` pays for at ``price``, (V, P)."""
    if obs.cash is None:
        return np.zeros(shape)
    cash = np.broadcast_to(obs.cash[..., owner], shape)
    spare = np.maximum(cash - reserve, 0.0)
    n = np.divide(spare, price, out=np.zeros(np.broadcast_shapes(spare.shape, price.shape)),
                  where=price > 0)
    if obs.alive is not None:
        n = n * np.broadcast_to(obs.alive[..., owner], shape)
    return np.floor(n + 1e-9)


@dataclasses.dataclass(frozen=True, init=False)
class SellRule:
    """Sell when the market pays more than keeping is worth, or when cash is short.

    Parameters
    ----------
    tables : TradeTables
        Market price and value of keeping per cohort and day.
    cohorts : array_like of bool (C,)
        Cohorts the rule may sell.
    fee : float
        Share of the sale price lost to the dealer and transport. [fraction]
    premium : float or array_like (V,)
        Sell when ``market x (1 - fee) > (1 + premium) x keep``; ``inf`` never. [fraction]
    min_cash : float or array_like (V,)
        Sell enough machines to bring an owner's cash back to this level (0: never). [currency]

    """

    tables: TradeTables
    cohorts: BoolArray
    fee: float
    premium: FloatArray
    min_cash: FloatArray

    def __init__(self, tables: TradeTables, cohorts: npt.ArrayLike, fee: float,
                 premium: npt.ArrayLike, min_cash: npt.ArrayLike = 0.0) -> None:
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "cohorts", np.asarray(cohorts, dtype=bool))
        object.__setattr__(self, "fee", float(fee))
        object.__setattr__(self, "premium", as_variant_array(premium, "policies.premium"))
        object.__setattr__(self, "min_cash", as_variant_array(min_cash, "policies.min_cash"))
        self.n_variants  # noqa: B018  (checks the variant axes)

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({"premium": self.premium, "min_cash": self.min_cash})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Sell where the rule says, at the market price less the fee."""
        if not _first_step_of_day(obs):
            return actions, None
        market, keep = self.tables.on_day(obs.day)
        net = market * (1.0 - self.fee)
        # The premium at which a cohort's sale pays, (1, P, C): net > (1 + premium) x keep
        # <=> net / keep - 1 > premium (keep >= 0; keep = 0 with net > 0 sells at any
        # finite premium; NaN never). One small array per day; the (V, P, C) work only
        # on a day some variant sells.
        with np.errstate(divide="ignore", invalid="ignore"):
            pays = np.where(self.cohorts, net / keep - 1.0, np.nan)
        cash, owner = (obs.cash, obs.owner) if np.any(self.min_cash > 0) else (None, None)
        cash_rule = cash is not None and owner is not None
        with np.errstate(invalid="ignore"):
            any_dear = bool(np.any(pays > self.premium.min()))
        if not any_dear and not cash_rule:
            return actions, None
        shape = _state_shape(obs, self.n_variants)
        held = _held(obs, shape)
        if any_dear:
            with np.errstate(invalid="ignore"):
                sell = held * (pays > to_engine_axis(self.premium))
        else:
            sell = np.zeros(shape)
        if cash is not None and owner is not None:
            # Cash short: sell the same share of every cohort of the owner, rounded up.
            left = (held - sell) * self.cohorts
            worth = left * net
            total = OwnerGroups.of(owner, cash.shape[-1]).sum(worth)  # (V, P, O)
            short = np.maximum(to_engine_axis(self.min_cash) - cash, 0.0)
            share = np.minimum(1.0, np.divide(short, total, out=np.zeros(total.shape),
                                              where=total > 0))
            extra = np.minimum(np.ceil(left * share[..., owner] - 1e-9), left)
            sell = sell + extra
        if not sell.any():  # sell >= 0: any non-zero cell is a sale
            return actions, None
        return actions.add_trades(sell=sell, sell_price=np.broadcast_to(net, shape)), None

    def compiled_trades(self) -> CompiledTrades | None:
        """Return the kernel's terms of the rule; None with the cash rule (``min_cash``)."""
        if np.any(self.min_cash > 0):
            return None  # the owner-wide shortfall share has no compiled step yet
        t = self.tables
        return CompiledTrades(t.market, t.keep, t.scrap, self.cohorts, sell_fee=self.fee,
                              sell_premium=self.premium, kinds=("sell",))

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SellRule:
        """Return the rule restricted to some variants."""
        return _take(self, sel, ("premium", "min_cash"))


@dataclasses.dataclass(frozen=True, init=False)
class BuyRule:
    """Hu's rule: buy machines of a target cohort while they pay back fast enough.

    Parameters
    ----------
    tables : TradeTables
        Market price and value of keeping per cohort and day.
    limits : SiteLimits
        Slots and MW of the sites.
    target : int
        Cohort the machines go into (a purchase cohort of the model at the site).
    owner : int
        Owner paying for them.
    payback_days : float or array_like (V,)
        Buy when ``price / margin per day < payback_days`` (``rule = "payback"``). [day]
    rule : {"payback", "npv"}
        ``npv``: buy when the value of keeping exceeds the price.
    fee : float
        Share added to the market price (dealer, transport). [fraction]
    max_per_day : float or array_like (V,)
        Machines bought at most per day. [machines]
    cash_reserve : float or array_like (V,)
        Cash never spent on machines. [currency]
    price_per_machine : float, optional
        A fixed price instead of the market's (the reference case's 600 CNY). [currency]

    """

    tables: TradeTables
    limits: SiteLimits
    target: int
    owner: int
    payback_days: FloatArray
    rule: str
    fee: float
    max_per_day: FloatArray
    cash_reserve: FloatArray
    price_per_machine: float | None

    def __init__(self, tables: TradeTables, limits: SiteLimits, target: int, owner: int,
                 payback_days: npt.ArrayLike, *, rule: str = "payback", fee: float = 0.0,
                 max_per_day: npt.ArrayLike = np.inf, cash_reserve: npt.ArrayLike = 0.0,
                 price_per_machine: float | None = None) -> None:
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "limits", limits)
        object.__setattr__(self, "target", int(target))
        object.__setattr__(self, "owner", int(owner))
        object.__setattr__(self, "payback_days",
                           as_variant_array(payback_days, "policies.payback_days"))
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "fee", float(fee))
        object.__setattr__(self, "max_per_day",
                           as_variant_array(max_per_day, "policies.max_per_day"))
        object.__setattr__(self, "cash_reserve",
                           as_variant_array(cash_reserve, "policies.cash_reserve"))
        object.__setattr__(self, "price_per_machine", price_per_machine)
        self.n_variants  # noqa: B018

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({"payback_days": self.payback_days,
                               "max_per_day": self.max_per_day,
                               "cash_reserve": self.cash_reserve})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def price(self, day: int) -> FloatArray:
        """Return the price paid per machine on ``day``, (1, P|1). [currency/machine]."""
        if self.price_per_machine is not None:
            return np.full((1, 1), self.price_per_machine)
        market, _ = self.tables.on_day(day)
        return market[..., self.target] * (1.0 + self.fee)

    def payback(self, obs: Observation) -> FloatArray:
        """Return the payback at today's state, ``price / margin per day``, (V|1, P). [day]."""
        k = self.target
        margin = (obs.revenue_per_machine[..., k] - obs.cost_per_machine[..., k]) \
            * _steps_per_day(obs)
        price = self.price(obs.day)
        with np.errstate(divide="ignore"):
            return np.where(margin > 0, price / np.maximum(margin, 1e-300), np.inf)

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Buy what the rule, the site and the cash allow."""
        if not _first_step_of_day(obs):
            return actions, None
        shape = _state_shape(obs, self.n_variants)
        price = np.broadcast_to(self.price(obs.day), shape[:2])
        if self.rule == "npv":
            _, keep = self.tables.on_day(obs.day)
            want = np.broadcast_to(keep[..., self.target] > price, shape[:2])
        else:
            want = self.payback(obs) < self.payback_days[:, None]
        if not np.any(want):
            return actions, None
        held = _held(obs, shape)
        n = np.minimum(self.limits.room(held, self.target),
                       _affordable(obs, self.owner, self.cash_reserve[:, None], price,
                                   shape[:2]))
        n = np.where(want, np.minimum(n, np.floor(self.max_per_day[:, None])), 0.0)
        if not np.any(n > 0):
            return actions, None
        buy = np.zeros(shape)
        buy[..., self.target] = n
        unit = np.zeros(shape)
        unit[..., self.target] = price
        return actions.add_trades(buy=buy, buy_price=unit), None

    def compiled_trades(self) -> CompiledTrades:
        """Return the kernel's terms of the rule."""
        t = self.tables
        fixed = float("nan") if self.price_per_machine is None else float(self.price_per_machine)
        return CompiledTrades(
            t.market, t.keep, t.scrap, np.zeros(t.scrap.size, dtype=bool),
            buy_mode=BUY_NPV if self.rule == "npv" else BUY_PAYBACK, buy_target=self.target,
            buy_owner=self.owner, buy_fee=self.fee, buy_fixed_price=fixed,
            payback_days=self.payback_days, max_per_day=self.max_per_day,
            cash_reserve=self.cash_reserve, kinds=("buy",), **_site_terms(self.limits))

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> BuyRule:
        """Return the rule restricted to some variants."""
        return _take(self, sel, ("payback_days", "max_per_day", "cash_reserve"))


@dataclasses.dataclass(frozen=True, init=False)
class BlockBuy:
    """Buy a failing farm's fleet: up to ``count`` machines on one day at a discount.

    Parameters
    ----------
    tables, limits, target, owner
        As in :class:`BuyRule`.
    day : int
        Day index of the purchase.
    count : float
        Machines offered. [machines]
    discount : float or array_like (V,)
        Price paid over the market price. [fraction]
    cash_reserve : float or array_like (V,)
        Cash never spent. [currency]

    """

    tables: TradeTables
    limits: SiteLimits
    target: int
    owner: int
    day: int
    count: float
    discount: FloatArray
    cash_reserve: FloatArray

    def __init__(self, tables: TradeTables, limits: SiteLimits, target: int, owner: int,
                 day: int, count: float, discount: npt.ArrayLike,
                 cash_reserve: npt.ArrayLike = 0.0) -> None:
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "limits", limits)
        object.__setattr__(self, "target", int(target))
        object.__setattr__(self, "owner", int(owner))
        object.__setattr__(self, "day", int(day))
        object.__setattr__(self, "count", float(count))
        object.__setattr__(self, "discount", as_variant_array(discount, "policies.discount"))
        object.__setattr__(self, "cash_reserve",
                           as_variant_array(cash_reserve, "policies.cash_reserve"))
        self.n_variants  # noqa: B018

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({"discount": self.discount, "cash_reserve": self.cash_reserve})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """On the purchase day, buy what slots, MW and cash allow."""
        if obs.day != self.day or not _first_step_of_day(obs):
            return actions, None
        shape = _state_shape(obs, self.n_variants)
        market, _ = self.tables.on_day(obs.day)
        price = np.broadcast_to(market[..., self.target] * self.discount[:, None], shape[:2])
        held = _held(obs, shape)
        n = np.minimum(np.minimum(self.limits.room(held, self.target), self.count),
                       _affordable(obs, self.owner, self.cash_reserve[:, None], price,
                                   shape[:2]))
        buy = np.zeros(shape)
        buy[..., self.target] = n
        unit = np.zeros(shape)
        unit[..., self.target] = price
        return actions.add_trades(buy=buy, buy_price=unit), None

    def compiled_trades(self) -> CompiledTrades:
        """Return the kernel's terms of the purchase."""
        t = self.tables
        return CompiledTrades(
            t.market, t.keep, t.scrap, np.zeros(t.scrap.size, dtype=bool), buy_mode=BUY_BLOCK,
            buy_target=self.target, buy_owner=self.owner, discount=self.discount,
            cash_reserve=self.cash_reserve, block_day=self.day, block_count=self.count,
            kinds=("buy",), **_site_terms(self.limits))

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> BlockBuy:
        """Return the rule restricted to some variants."""
        return _take(self, sel, ("discount", "cash_reserve"))


@dataclasses.dataclass(frozen=True, init=False)
class ScrapRule:
    """Scrap machines worth no more than scrap, kept or sold, at the scrap value.

    Parameters
    ----------
    tables : TradeTables
        Market price, value of keeping and scrap value per cohort.
    cohorts : array_like of bool (C,)
        Cohorts the rule may scrap.
    margin : float or array_like (V,)
        Scrap when the value of keeping is below ``(1 + margin) x scrap`` and the
        market pays no more than scrap. [fraction]

    """

    tables: TradeTables
    cohorts: BoolArray
    margin: FloatArray

    def __init__(self, tables: TradeTables, cohorts: npt.ArrayLike,
                 margin: npt.ArrayLike = 0.0) -> None:
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "cohorts", np.asarray(cohorts, dtype=bool))
        object.__setattr__(self, "margin", as_variant_array(margin, "policies.margin"))

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({"margin": self.margin})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Scrap what is worth only its metal."""
        if not _first_step_of_day(obs):
            return actions, None
        market, keep = self.tables.on_day(obs.day)
        scrap = self.tables.scrap
        # The margin over scrap that keeping is worth, (1, P, C), where the market pays no
        # more than scrap: scrapped where keep / scrap - 1 <= margin. One small array a
        # day; the (V, P, C) work only on a day something could be scrapped.
        base = (market <= scrap * (1.0 + 1e-12)) & self.cohorts & (scrap > 0)
        if not np.any(base):
            return actions, None
        with np.errstate(divide="ignore", invalid="ignore"):
            over = np.where(base, keep / scrap - 1.0, np.nan)
            if not np.any(over <= self.margin.max()):
                return actions, None
            shape = _state_shape(obs, self.n_variants)
            n = _held(obs, shape) * (over <= to_engine_axis(self.margin))
        if not np.any(n):
            return actions, None  # nothing left to scrap (already scrapped or never held)
        return actions.add_trades(scrap=n, scrap_price=np.broadcast_to(scrap, shape)), None

    def compiled_trades(self) -> CompiledTrades:
        """Return the kernel's terms of the rule."""
        t = self.tables
        return CompiledTrades(t.market, t.keep, t.scrap, np.zeros(t.scrap.size, dtype=bool),
                              scrap_cohorts=self.cohorts, scrap_margin=self.margin,
                              kinds=("scrap",))

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> ScrapRule:
        """Return the rule restricted to some variants."""
        return _take(self, sel, ("margin",))


@dataclasses.dataclass(frozen=True)
class SellOnDate:
    """Sell ``count`` machines of each chosen cohort on ``day`` at the market price less a fee.

    Attributes
    ----------
    tables : TradeTables
        Market prices.
    count : ndarray (C,)
        Machines sold of each cohort (0: none). [machines]
    day : int
        Day index of the sale.
    fee : float
        Share of the price lost to the dealer. [fraction]

    """

    tables: TradeTables
    count: FloatArray
    day: int
    fee: float

    @property
    def n_variants(self) -> int:
        """One variant."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """On the day, sell."""
        if obs.day != self.day or not _first_step_of_day(obs):
            return actions, None
        market, _ = self.tables.on_day(obs.day)
        return actions.add_trades(sell=self.count[None, None, :],
                                  sell_price=market * (1.0 - self.fee)), None

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SellOnDate:
        """One variant: itself."""
        return self


@dataclasses.dataclass(frozen=True)
class StoreRule:
    """Unplug chosen cohorts from ``day`` until the margin recovers, then run on.

    Attributes
    ----------
    cohorts : ndarray of bool (C,)
        Cohorts stored.
    day : int
        First day unplugged.
    resume_above : float
        Plug back in once ``price / shutdown price - 1`` exceeds this, for good. [fraction]

    """

    cohorts: BoolArray
    day: int
    resume_above: float

    @property
    def n_variants(self) -> int:
        """One variant."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> BoolArray:
        """Whether each cohort has come back out of storage, (V, P, C)."""
        return np.zeros(shape, dtype=bool)

    def decide(self, obs: Observation, actions: Actions,
               state: BoolArray) -> tuple[Actions, BoolArray]:
        """Keep stored cohorts off until their margin ratio exceeds ``resume_above``."""
        if obs.day < self.day:
            return actions, state
        ratio = obs.revenue_per_machine / np.maximum(obs.cost_per_machine, 1e-300) - 1.0
        back = state | (ratio > self.resume_above)
        stored = self.cohorts & ~back
        return actions.with_on(actions.on & ~stored), back

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> StoreRule:
        """One variant: itself."""
        return self
