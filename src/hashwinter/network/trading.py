"""The second-hand market as an engine policy: who offers, who bids, one price per tier.

Composed after the unplug policy (it sees the day's on/off state):

* **sellers**: a cohort that has been off ``sell_after_days`` days in a row (under water
  too long), or whose owner is broke (liquidation), offers every machine it holds;
* **buyers**: a running cohort of a live owner bids up to ``payback_days`` of its
  machine's current margin (revenue minus avoidable cost at its own tariff), for as many
  machines as its free slots (``spare_slots`` of its starting count) and its share of the
  owner's cash (``cash_share`` split evenly over the owner's tiers) allow;
* :func:`~hashwinter.network.clearing.clear_market` clears each tier; sales and purchases
  go into the action bundle at the tier's clearing price, so machines change owner and
  every tier's count is conserved (the network recorder checks it each day).

The policy's state is the days each cohort has been off in a row, shaped (V, P, C).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation
from hashwinter.network.clearing import clear_market
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

    """

    tier: npt.NDArray[np.int64]
    owner: npt.NDArray[np.int64]
    capacity: FloatArray
    grid: FloatArray
    sell_after_days: float
    payback_days: float
    cash_share: float
    offers: npt.NDArray[np.bool_] | None = None

    @property
    def n_variants(self) -> int:
        """One variant (the market's parameters are scalars)."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> FloatArray:
        """Return days off in a row, zero at the start (every cohort ran before)."""
        return np.zeros(shape)

    def decide(self, obs: Observation, actions: Actions,
               state: Any) -> tuple[Actions, FloatArray]:
        """Return the bundle with the day's sales and purchases at the clearing prices."""
        on = np.asarray(actions.on)
        off_days = np.where(on, 0.0, state + obs.step_seconds / SECONDS_PER_DAY)
        assert obs.alive is not None and obs.cash is not None  # the engine always sets them
        alive_c = obs.alive[..., self.owner]
        held = np.broadcast_to(obs.installed, off_days.shape)
        offer = np.where((off_days >= self.sell_after_days) | ~alive_c, held, 0.0)
        if self.offers is not None:
            offer = np.where(self.offers, offer, 0.0)
        per_day = SECONDS_PER_DAY / obs.step_seconds
        margin = (obs.revenue_per_machine - obs.cost_per_machine) * per_day
        bidding = on & alive_c
        valuation = np.where(bidding, np.maximum(margin, 0.0) * self.payback_days, 0.0)
        slots = np.where(bidding, np.maximum(self.capacity - held, 0.0), 0.0)
        n_tiers_of_owner = np.bincount(self.owner).astype(np.float64)
        budget = (np.maximum(obs.cash, 0.0) * self.cash_share
                  / n_tiers_of_owner[None, None, :])[..., self.owner]
        cleared = clear_market(offer, np.broadcast_to(valuation, off_days.shape), slots,
                               np.broadcast_to(budget, off_days.shape), self.tier, self.grid)
        if not (cleared.volume > 0).any():
            return actions, off_days
        price_c = np.nan_to_num(cleared.price, nan=0.0)[..., self.tier]
        # Cohorts that sold everything start counting again when they next run.
        return actions.add_trades(sell=cleared.sold, sell_price=price_c, buy=cleared.bought,
                                  buy_price=price_c), off_days

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SecondHandMarket:
        """Return itself (one variant)."""
        return self
