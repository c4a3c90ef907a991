"""What the farms do with the coins they mine, and which of them hedge.

Treasury habit (one for all farms): ``sell_daily`` sells every coin the day it is mined
(the default: the history price already holds that flow); ``hodl`` keeps
``hodl_ratio`` of them; ``sell_to_cover`` keeps the coins and sells only what pays the
day's power and fees, so a falling price makes the farms sell *more* coins for the
same bill (the feedback network.impact prices). Farms start with ``coin_days`` days of
their first day's production in coins, the stock forced sales draw on. The engine's
treasury takes its rules per variant, not per owner, so shares of farms with
different treasury habits are not modelled (docs/network.md, "Habits").

Hedgers (a share of the farms, the largest first): each shorts ``hedge_ratio`` of the
next ``hedge_horizon_days``' expected production in a linear future rolled monthly
(:class:`~hashwinter.farm.hedging.HedgeShort` and its
:class:`~hashwinter.finance.instruments.HedgeContract`, with the farm model's
defaults: fees, margin, a zero basis); :class:`OwnersOnly` keeps the orders of the
hedgers only.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.clock import Clock
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.policy import Observation, Policy
from hashwinter.engine.positions import Instrument
from hashwinter.engine.treasury import Treasury
from hashwinter.farm.hedging import build_hedge
from hashwinter.farm.registry import PolicyContext
from hashwinter.finance.config import HedgeConfig
from hashwinter.network.config import HabitsConfig

__all__ = ["OwnersOnly", "hedgers", "hedging", "network_treasury"]

BoolArray = npt.NDArray[np.bool_]


def network_treasury(cfg: HabitsConfig) -> Treasury:
    """Return the engine treasury of the farms' habit."""
    return Treasury.from_strategy(cfg.treasury, hodl_ratio=cfg.hodl_ratio)


def hedgers(farm_machines: npt.NDArray[np.float64], share: float) -> BoolArray:
    """Return which farms hedge: ``round(share x F)`` of them, the largest first."""
    n = round(share * farm_machines.size)
    out = np.zeros(farm_machines.size, dtype=bool)
    out[np.argsort(-farm_machines, kind="stable")[:n]] = True
    return out


@dataclasses.dataclass(frozen=True)
class OwnersOnly:
    """A policy whose position orders are kept for some owners only.

    Parameters
    ----------
    inner : Policy
        The policy (e.g. a hedge).
    owners : ndarray of bool (O,)
        Owners whose orders are kept.

    """

    inner: Policy
    owners: BoolArray

    @property
    def n_variants(self) -> int:
        """Return the inner policy's variants."""
        return self.inner.n_variants

    def init_state(self, shape: tuple[int, int, int]) -> Any:
        """Return the inner policy's state."""
        return self.inner.init_state(shape)

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, Any]:
        """Return the inner policy's bundle with the other owners' new orders removed."""
        new, state = self.inner.decide(obs, actions, state)
        if new.orders is None or new.orders is actions.orders:
            return new, state
        before = 0.0 if actions.orders is None else actions.orders
        kept = (new.orders - before) * self.owners[:, None]
        return dataclasses.replace(new, orders=before + kept), state

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> OwnersOnly:
        """Return the wrapper around the inner policy's variants."""
        return OwnersOnly(self.inner.take_variants(sel), self.owners)


def hedging(cfg: HabitsConfig, farm_machines: npt.NDArray[np.float64], n_owners: int,
            cohorts: Cohorts, clock: Clock,
            owner_names: tuple[str, ...]) -> tuple[Policy, list[Instrument]] | None:
    """Return the hedgers' policy and instrument, or None without hedgers.

    ``farm_machines`` are the farms' sizes (the first owners); later owners (the
    makers) do not hedge.
    """
    mask = np.zeros(n_owners, dtype=bool)
    mask[:farm_machines.size] = hedgers(farm_machines, cfg.hedgers)
    if not mask.any():
        return None
    config = HedgeConfig(instrument="linear_future", ratio=cfg.hedge_ratio,
                         horizon_days=cfg.hedge_horizon_days)
    context = PolicyContext(cohorts=cohorts, clock=clock, owner_names=owner_names,
                            currency="USD")
    policy, instruments = build_hedge(config, context)
    return OwnersOnly(policy, mask), list(instruments)
