"""An example policy plugin, outside the hashwinter package: sell machines after losses.

A farm file registers it with a ``[[policies]]`` entry (see
examples/plugins/sell_after_losses_farm.toml)::

    [[policies]]
    plugin = "sell_after_losses.py:SellAfterLossesConfig"   # a file beside the farm file
    kind = "sell_after_losses"
    days = 5
    machines = 100
    price_per_machine = 600.0

The rule: once a cohort's expected margin per machine (revenue at the last
known price minus the avoidable cost of the coming step) has been negative for
``days`` days in a row, sell ``machines`` of it (the engine sells at most what
is held) at ``price_per_machine``, and start counting again. Its parameters may
be arrays over the variant axis (a sweep).

This module touches no file of hashwinter: it implements the policy protocol
(:class:`hashwinter.engine.Policy`) and registers its config class with
:func:`hashwinter.farm.register_policy`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from hashwinter.engine import Actions, Observation
from hashwinter.engine.variants import (
    as_variant_array,
    count_variants,
    take_variants,
    to_engine_axis,
)
from hashwinter.farm import PolicyContext, register_policy
from hashwinter.units import SECONDS_PER_DAY

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True, init=False)
class SellAfterLosses:
    """Sell ``machines`` of a cohort after ``days`` days in a row of negative margin.

    Parameters
    ----------
    days : float or array_like (V,)
        Days of negative expected margin before a sale. [day]
    machines : float or array_like (V,)
        Machines sold each time. [machines]
    price_per_machine : float or array_like (V,)
        Sale price. [currency/machine]
    cohorts : array_like of bool (C,), optional
        Cohorts the rule applies to (default: all).

    """

    days: FloatArray
    machines: FloatArray
    price_per_machine: FloatArray
    cohorts: npt.NDArray[np.bool_] | None

    def __init__(self, days: npt.ArrayLike, machines: npt.ArrayLike,
                 price_per_machine: npt.ArrayLike = 0.0,
                 cohorts: npt.ArrayLike | None = None) -> None:
        object.__setattr__(self, "days", as_variant_array(days, "policies.days"))
        object.__setattr__(self, "machines", as_variant_array(machines, "policies.machines"))
        object.__setattr__(self, "price_per_machine",
                           as_variant_array(price_per_machine, "policies.price_per_machine"))
        object.__setattr__(self, "cohorts",
                           None if cohorts is None else np.asarray(cohorts, dtype=bool))
        count_variants({"days": self.days, "machines": self.machines,
                        "price": self.price_per_machine})

    @property
    def n_variants(self) -> int:
        """Number of variants."""
        return count_variants({"days": self.days, "machines": self.machines,
                               "price": self.price_per_machine})

    def init_state(self, shape: tuple[int, int, int]) -> FloatArray:
        """Days in a row of negative margin, per (V, P, C)."""
        return np.zeros(shape)

    def decide(self, obs: Observation, actions: Actions,
               state: FloatArray) -> tuple[Actions, FloatArray]:
        """Count losing days; sell where the count reaches ``days``."""
        losing = obs.revenue_per_machine < obs.cost_per_machine
        if self.cohorts is not None:
            losing = losing & self.cohorts
        streak = np.where(losing, state + obs.step_seconds / SECONDS_PER_DAY, 0.0)
        due = streak >= to_engine_axis(self.days) - 1e-9
        sell = np.where(due, to_engine_axis(self.machines), 0.0)
        streak = np.where(due, 0.0, streak)
        if not due.any():
            return actions, streak
        price = np.broadcast_to(to_engine_axis(self.price_per_machine), sell.shape)
        return actions.add_trades(sell=sell, sell_price=price), streak

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SellAfterLosses:
        """Return the rule restricted to some variants."""
        return take_variants(self, sel)


@register_policy
class SellAfterLossesConfig(BaseModel):
    """The ``[[policies]]`` entry of :class:`SellAfterLosses` (validated like any farm field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["sell_after_losses"]
    days: float = Field(gt=0, allow_inf_nan=False)
    machines: int = Field(ge=1)
    price_per_machine: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    fleet: list[int] | None = None

    def build(self, context: PolicyContext) -> Any:
        """Return the engine policy for this farm."""
        mask = None
        if self.fleet is not None:
            mask = np.zeros(context.cohorts.n, dtype=bool)
            mask[self.fleet] = True
        return SellAfterLosses(self.days, self.machines, self.price_per_machine, mask)
