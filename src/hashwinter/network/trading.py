"""The second-hand market as an engine policy: who offers, who bids, one price per tier.

Composed after the unplug policy (it sees the day's on/off state):

* **sellers**: a cohort that has been off ``sell_after_days`` days in a row (under water
  too long), or whose owner is broke (liquidation), offers every machine it holds; so
  does a cohort that is off while its owner is **short of cash** (its cash below
  ``short_cash_days`` days of its fleet's operating cost at full load), without waiting;
* **buyers**: a running cohort of a live owner bids up to ``payback_days`` of its
  machine's current margin (revenue minus avoidable cost at its own tariff), for as many
  machines as its free slots (``spare_slots`` of its starting count) and its share of the
  owner's cash (``cash_share`` split evenly over the owner's tiers) allow;
* :func:`~hashwinter.network.clearing.clear_market` clears each tier; sales and purchases
  go into the action bundle at the tier's clearing price, so machines change owner and
  every tier's count is conserved (the network recorder checks it each day);
* **scrapping**: what a cohort offered and could not sell, once it has been off
  ``scrap_after_days`` days in a row, is scrapped at ``scrap_value`` a machine (recycled
  for copper and parts: the seed's M3s that became "a pile of scrap copper and iron");
  those machines leave the network (counted out by the recorder).

With ``ship_days > 0`` a trade cleared on day ``t`` is **settled on day t + ship_days**
(freight and re-installation of used machines): until then the machines stay with the
seller (off: it stopped selling them), are not offered again, and take the buyer's slots
and that much of its budget; on settlement the buyer pays the clearing price of day
``t``. Deliveries to a buyer that went broke in between are cancelled and the tier's
sellers keep that many machines, pro rata, so counts stay conserved.

The policy's state is the days each cohort has been off in a row, shaped (V, P, C), and
with shipping the pending trades of the last ``ship_days`` days: machines sold and
bought per cohort, (S, V, P, C), and the clearing price per tier, (S, V, P, K).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.policy import Observation
from hashwinter.errors import InputError
from hashwinter.network.clearing import Clearing, clear_market
from hashwinter.network.restart import days_off
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["SecondHandMarket"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class SecondHandMarket:
    """Daily clearing of used machines between the farms of a network.

    Parameters
    ----------
    tier : ndarray of int (C,)
        Tier of each cohort (cohorts of one tier hold identical machines).
    owner : ndarray of int (C,)
        Owner of each cohort.
    capacity : ndarray (C,)
        Machines each cohort can hold (its starting count plus spare slots). [machines]
    grid : ndarray (K, B)
        Price grid per tier, from the scrap floor up. [currency/machine]
    sell_after_days : float
        Days off in a row after which a cohort offers its machines. [day]
    payback_days : float
        Days of current margin a buyer pays for one machine. [day]
    cash_share : float
        Share of an owner's cash it may spend in a day, split over its tiers. [fraction]
    offers : ndarray of bool (C,), optional
        Cohorts that may offer on this market (default all; the makers' inventories
        are sold by :class:`~hashwinter.network.makers.MakerPolicy` instead).
    ship_days : int, default 0
        Days between clearing and settlement (module docstring). [day]
    scrap_after_days : float, default inf
        Days off in a row after which unsold offered machines are scrapped (inf: never;
        at least ``sell_after_days``). [day]
    scrap_value : float, default 0
        What scrapping one machine pays. [currency/machine]
    short_cash_days : float, default 0
        An owner whose cash is below this many days of its fleet's operating cost (every
        machine held running, at the day's cost) is short of cash: its cohorts that are
        off offer their machines at once (0: never). [day]
    dark : ndarray of bool (D, C), optional
        Days on which a cohort's site is dark for its dry season (network.migration).
        Its machines are never scrapped then (kept for the wet season); with
        ``dark_sells`` false it does not offer them either and those days do not count
        as days off. None: no dry season.
    dark_sells : bool, default True
        Whether a dark site offers its machines like an unplugged one.

    """

    tier: npt.NDArray[np.int64]
    owner: npt.NDArray[np.int64]
    capacity: FloatArray
    grid: FloatArray
    sell_after_days: float
    payback_days: float
    cash_share: float
    offers: npt.NDArray[np.bool_] | None = None
    ship_days: int = 0
    scrap_after_days: float = math.inf
    scrap_value: float = 0.0
    short_cash_days: float = 0.0
    dark: npt.NDArray[np.bool_] | None = None
    dark_sells: bool = True

    def __post_init__(self) -> None:
        if not self.scrap_after_days >= self.sell_after_days:
            raise InputError(f"must be >= market.sell_after_days ({self.sell_after_days:g}): "
                             "a machine is offered before it is scrapped",
                             field="market.scrap_after_days")
        for name in ("scrap_value", "short_cash_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"must be finite and >= 0 (got {value!r})",
                                 field=f"market.{name}")

    @property
    def n_variants(self) -> int:
        """One variant (the market's parameters are scalars)."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> Any:
        """Return days off in a row, zero at the start (every cohort ran before)."""
        if self.ship_days == 0:
            return np.zeros(shape)
        n_tiers = self.grid.shape[0]
        return (np.zeros(shape), np.zeros((self.ship_days, *shape)),
                np.zeros((self.ship_days, *shape)),
                np.zeros((self.ship_days, *shape[:2], n_tiers)))

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, Any]:
        """Return the bundle with the day's sales and purchases at the clearing prices."""
        if self.ship_days > 0:
            return self._decide_shipping(obs, actions, state)
        on = np.asarray(actions.on)
        off_days = self._off_days(obs, on, state)
        held = np.broadcast_to(obs.installed, off_days.shape)
        offer, cleared = self._clear(obs, on, off_days, held, held, 0.0)
        actions = self._scrap(obs, actions, off_days, offer, cleared)
        if not (cleared.volume > 0).any():
            return actions, off_days
        price_c = np.nan_to_num(cleared.price, nan=0.0)[..., self.tier]
        # Cohorts that sold everything start counting again when they next run.
        return actions.add_trades(sell=cleared.sold, sell_price=price_c, buy=cleared.bought,
                                  buy_price=price_c), off_days

    @functools.cached_property
    def _owner_groups(self) -> OwnerGroups:
        """The cohorts grouped by owner (built once, not every step)."""
        return OwnerGroups.of(self.owner, int(self.owner.max()) + 1)

    def _waiting(self, obs: Observation) -> npt.NDArray[np.bool_] | None:
        """Return the cohorts that wait for the water today instead of selling, or None."""
        return None if self.dark is None or self.dark_sells else self.dark[obs.day]

    def _off_days(self, obs: Observation, on: npt.NDArray[np.bool_],
                  before: FloatArray) -> FloatArray:
        """Return the days off in a row after today (a waiting day keeps the count)."""
        off = days_off(on, before, obs)
        waiting = self._waiting(obs)
        return off if waiting is None else np.where(waiting & ~on, before, off)

    def _scrap(self, obs: Observation, actions: Actions, off_days: FloatArray,
               offer: FloatArray, cleared: Clearing) -> Actions:
        """Add the scrapping of what was offered, not sold, and is off long enough."""
        if not math.isfinite(self.scrap_after_days):
            return actions
        unsold = np.maximum(offer - cleared.sold, 0.0)
        due = off_days >= self.scrap_after_days
        if self.dark is not None:
            due = due & ~self.dark[obs.day]  # a dark site keeps them for the wet season
        scrap = np.where(due, unsold, 0.0)
        if not (scrap > 0).any():
            return actions
        return actions.add_trades(scrap=scrap, scrap_price=np.full(scrap.shape,
                                                                   self.scrap_value))

    def _clear(self, obs: Observation, on: npt.NDArray[np.bool_], off_days: FloatArray,
               free: FloatArray, taken: FloatArray, committed: FloatArray | float
               ) -> tuple[FloatArray, Clearing]:
        """Clear the day's market: ``free`` machines may be offered, ``taken`` fill slots.

        Returns the machines offered per cohort and the clearing.
        """
        assert obs.alive is not None and obs.cash is not None  # the engine always sets them
        alive_c = obs.alive[..., self.owner]
        per_day = SECONDS_PER_DAY / obs.step_seconds
        selling = off_days >= self.sell_after_days
        waiting = self._waiting(obs)
        if waiting is not None:
            selling = selling & ~waiting
        selling = selling | ~alive_c  # a broke farm's machines are always for sale
        if self.short_cash_days > 0:
            # Short of cash: the owner's cash below short_cash_days of its fleet's cost.
            held = np.broadcast_to(obs.installed, off_days.shape)
            cost_c = held * obs.cost_per_machine * per_day
            groups = self._owner_groups
            if groups.n_owners != obs.cash.shape[-1]:  # owners without a cohort at the end
                groups = OwnerGroups.of(self.owner, obs.cash.shape[-1])
            cost_o = groups.sum(cost_c)
            short_o = obs.cash < self.short_cash_days * cost_o
            selling = selling | (~on & short_o[..., self.owner])
        offer = np.where(selling, free, 0.0)
        if self.offers is not None:
            offer = np.where(self.offers, offer, 0.0)
        margin = (obs.revenue_per_machine - obs.cost_per_machine) * per_day
        bidding = on & alive_c
        valuation = np.where(bidding, np.maximum(margin, 0.0) * self.payback_days, 0.0)
        slots = np.where(bidding, np.maximum(self.capacity - taken, 0.0), 0.0)
        n_tiers_of_owner = np.bincount(self.owner).astype(np.float64)
        budget = (np.maximum(obs.cash, 0.0) * self.cash_share
                  / n_tiers_of_owner[None, None, :])[..., self.owner]
        budget = np.maximum(budget - committed, 0.0)
        return offer, clear_market(offer, np.broadcast_to(valuation, off_days.shape), slots,
                                   np.broadcast_to(budget, off_days.shape), self.tier,
                                   self.grid)

    def _decide_shipping(self, obs: Observation, actions: Actions,
                         state: tuple[FloatArray, FloatArray, FloatArray, FloatArray]
                         ) -> tuple[Actions, Any]:
        off_prev, pend_sell, pend_buy, pend_price = state
        on = np.asarray(actions.on)
        off_days = self._off_days(obs, on, off_prev)
        assert obs.alive is not None  # the engine always sets it
        alive_c = obs.alive[..., self.owner]
        held = np.broadcast_to(obs.installed, off_days.shape)
        slot = obs.step % self.ship_days
        # Machines already sold (or bought) but not delivered: not offered again, and
        # they fill the buyer's slots and take its budget.
        committed_cost = (pend_buy * np.take(pend_price, self.tier, axis=-1)).sum(axis=0)
        offer, cleared = self._clear(obs, on, off_days,
                                     np.maximum(held - pend_sell.sum(axis=0), 0.0),
                                     held + pend_buy.sum(axis=0), committed_cost)
        # Settle the trades cleared ship_days ago; cancel deliveries to broke buyers.
        due_buy = pend_buy[slot] * alive_c
        due_sell = pend_sell[slot]
        n_tiers = self.grid.shape[0]
        onehot = np.zeros((self.tier.size, n_tiers))
        onehot[np.arange(self.tier.size), self.tier] = 1.0
        bought_k, sold_k = due_buy @ onehot, due_sell @ onehot
        keep = np.divide(bought_k, sold_k, out=np.zeros_like(sold_k), where=sold_k > 0)
        due_sell = due_sell * keep[..., self.tier]
        price_c = np.take(pend_price[slot], self.tier, axis=-1)
        pend_sell, pend_buy, pend_price = pend_sell.copy(), pend_buy.copy(), pend_price.copy()
        pend_sell[slot] = np.broadcast_to(cleared.sold, off_days.shape)
        pend_buy[slot] = np.broadcast_to(cleared.bought, off_days.shape)
        pend_price[slot] = np.nan_to_num(cleared.price, nan=0.0)
        new_state = (off_days, pend_sell, pend_buy, pend_price)
        # Scrapped at once (not shipped): what was offered today and did not clear.
        actions = self._scrap(obs, actions, off_days, offer, cleared)
        if not (due_buy > 0).any():
            return actions, new_state
        return actions.add_trades(sell=due_sell, sell_price=price_c, buy=due_buy,
                                  buy_price=price_c), new_state

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SecondHandMarket:
        """Return itself (one variant)."""
        return self
