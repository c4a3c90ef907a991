"""Curtailment policies: vectorized pure functions of what is known before a step.

Every policy takes an :class:`~hashwinter.engine.policy.Observation` and the
current on/off state ``(V, P, C)`` and returns the next one. Parameters are
scalars or arrays over the variant axis ``V``, so that a sweep over thresholds
is one array operation, not a loop.

The margin of a cohort is measured against its **shutdown price** ``s`` (the
coin price at which the step's revenue equals its avoidable cost: power and
management fee): ``margin = price / s - 1 = revenue / cost - 1``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.kernel.protocol import CompiledStep
from hashwinter.engine.policy import Observation
from hashwinter.engine.variants import (
    as_variant_array,
    count_variants,
    take_variants,
    to_engine_axis,
)
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["AlwaysOn", "MostProfitableCoin", "ShutdownPricePolicy"]

BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class AlwaysOn:
    """Run every installed machine, whatever the price."""

    @property
    def n_variants(self) -> int:
        """One variant."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Return all-on."""
        return actions.with_on(np.ones_like(actions.on)), None

    def compiled_step(self) -> CompiledStep:
        """Return the compiled step of the kernel (docs/engine.md, *Compiled path*)."""
        from hashwinter.engine.kernel.policy_steps import ALWAYS_ON_PARAMS, on_off_step

        return CompiledStep(on_off_step, ALWAYS_ON_PARAMS, np.zeros(0), "AlwaysOn")

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> AlwaysOn:
        """Return itself (no parameters)."""
        return self


@dataclasses.dataclass(frozen=True, init=False)
class ShutdownPricePolicy:
    """Unplug below the shutdown price, with hysteresis and a minimum margin.

    A running cohort is switched off when its margin falls below ``off_below``
    or its margin per machine-day below ``min_margin_per_machine_day``; a
    stopped cohort is switched back on when its margin rises above
    ``on_above`` and the per-machine-day margin is at least the minimum.
    With ``off_below = on_above = 0`` and no minimum this is the plain rule of
    the story: unplug below the shutdown price, plug back above it.

    Parameters
    ----------
    off_below : float or array_like (V,), default 0
        Switch off when ``price / shutdown_price - 1`` is below this. [fraction]
    on_above : float or array_like (V,), default 0
        Switch on again when ``price / shutdown_price - 1`` is above this
        (>= ``off_below``). [fraction]
    min_margin_per_machine_day : float or array_like (V,), default 0
        Also off when revenue minus avoidable cost per machine and day is below
        this; 0 (the default) is no minimum. [currency/(machine·day)]

    """

    off_below: npt.NDArray[np.float64]
    on_above: npt.NDArray[np.float64]
    min_margin_per_machine_day: npt.NDArray[np.float64]

    def __init__(
        self,
        off_below: npt.ArrayLike = 0.0,
        on_above: npt.ArrayLike = 0.0,
        min_margin_per_machine_day: npt.ArrayLike = 0.0,
    ) -> None:
        off = as_variant_array(off_below, "policy.off_below")
        on = as_variant_array(on_above, "policy.on_above")
        mini = as_variant_array(min_margin_per_machine_day, "policy.min_margin_per_machine_day")
        count_variants({"off_below": off, "on_above": on, "min_margin": mini})
        for name, arr in (("off_below", off), ("on_above", on),
                          ("min_margin_per_machine_day", mini)):
            if not np.all(np.isfinite(arr)):
                raise InputError("must be finite", field=f"policy.{name}")
        if np.any(off <= -1):
            raise InputError("must be > -1 (a margin below -100 % never happens)",
                             field="policy.off_below")
        if np.any(np.broadcast_to(on, np.broadcast_shapes(on.shape, off.shape))
                  < np.broadcast_to(off, np.broadcast_shapes(on.shape, off.shape))):
            raise InputError("must be >= off_below (hysteresis)", field="policy.on_above")
        object.__setattr__(self, "off_below", off)
        object.__setattr__(self, "on_above", on)
        object.__setattr__(self, "min_margin_per_machine_day", mini)

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return count_variants({"off_below": self.off_below, "on_above": self.on_above,
                               "min": self.min_margin_per_machine_day})

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state (the on/off state is in the action bundle)."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Return the next on/off state (see the class docstring)."""
        return actions.with_on(self.next_on(obs, actions.on)), None

    def next_on(self, obs: Observation, on: BoolArray) -> BoolArray:
        """Return the next on/off state ``(V, P, C)`` from the current one."""
        rev = obs.revenue_per_machine
        cost = obs.cost_per_machine
        # Compare revenue with cost * (1 + threshold): no division, so a zero cost is fine.
        stay = rev >= cost * (1.0 + to_engine_axis(self.off_below))
        start = rev > cost * (1.0 + to_engine_axis(self.on_above))
        if np.any(self.min_margin_per_machine_day != 0):
            minimum = to_engine_axis(self.min_margin_per_machine_day)
            # A minimum of 0 is no minimum, in every variant (whatever the others ask).
            enough = ((rev - cost) >= minimum * (obs.step_seconds / SECONDS_PER_DAY)) | (
                minimum == 0)
            stay &= enough
            start &= enough
        return np.where(on, stay, start)

    def compiled_step(self) -> CompiledStep:
        """Return the compiled step (per variant: ``(0, off_below, on_above, minimum)``)."""
        from hashwinter.engine.kernel.policy_steps import on_off_step, shutdown_price_params

        params = shutdown_price_params(self.off_below, self.on_above,
                                       self.min_margin_per_machine_day)
        return CompiledStep(on_off_step, params, np.zeros(0), "ShutdownPricePolicy")

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> ShutdownPricePolicy:
        """Return the policy restricted to some variants."""
        return take_variants(self, sel)


@dataclasses.dataclass(frozen=True, init=False)
class MostProfitableCoin:
    """Mine, each step, the coin of the run's coin axis with the highest expected revenue.

    Uses ``obs.revenue_by_coin`` (known at the step's start: the previous day's
    prices and difficulties); the power drawn is the same on every coin, so the
    best revenue is the best margin. Ties go to the lower coin index (the main
    coin first). With one coin it changes nothing. Compose it after a
    curtailment policy: ``Policies([ShutdownPricePolicy(...), MostProfitableCoin()])``
    (the curtailment then judges the main coin's margin).

    Parameters
    ----------
    min_gain : float or array_like (V,), default 0
        Switch away from the coin a cohort mines only when the best coin's
        expected revenue beats it by more than this share (a profit-switching
        pool's margin against flapping between coins of near-equal value);
        0 picks the best coin every step. Every cohort starts on the main coin.
        [fraction]
    switch_cost : float or array_like (V,), default 0
        Cost of one switch per running machine (the hashing a rig loses while
        it restarts on another coin's algorithm or builds its DAG), charged in
        the step it switches (``Actions.cost``). A cohort switches only when the
        best coin's expected revenue less this cost beats the current coin's
        (past ``min_gain``): the myopic rule, which a switch that pays for
        itself within the step always passes. [currency/machine]

    """

    min_gain: npt.NDArray[np.float64]
    switch_cost: npt.NDArray[np.float64]

    def __init__(self, min_gain: npt.ArrayLike = 0.0, switch_cost: npt.ArrayLike = 0.0) -> None:
        gain = as_variant_array(min_gain, "policy.min_gain")
        if not np.all(np.isfinite(gain)) or np.any(gain < 0):
            raise InputError("must be finite and >= 0", field="policy.min_gain")
        cost = as_variant_array(switch_cost, "policy.switch_cost")
        if not np.all(np.isfinite(cost)) or np.any(cost < 0):
            raise InputError("must be finite and >= 0", field="policy.switch_cost")
        count_variants({"min_gain": gain, "switch_cost": cost})
        object.__setattr__(self, "min_gain", gain)
        object.__setattr__(self, "switch_cost", cost)

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return count_variants({"min_gain": self.min_gain, "switch_cost": self.switch_cost})

    def init_state(self, shape: tuple[int, int, int]) -> npt.NDArray[np.int64]:
        """Return the coin each cohort mines: the main coin (0) everywhere."""
        return np.zeros(shape, dtype=np.int64)

    def decide(self, obs: Observation, actions: Actions,
               state: npt.NDArray[np.int64]) -> tuple[Actions, npt.NDArray[np.int64]]:
        """Set ``actions.coin`` to the best coin of each cohort (past the switching margin)."""
        rev = obs.revenue_by_coin
        if rev is None:
            return actions, state
        shape = np.broadcast_shapes(rev.shape[1:], state.shape)
        rev = np.broadcast_to(rev, (rev.shape[0], *shape))
        best = np.argmax(rev, axis=0)
        charged = bool(np.any(self.switch_cost))
        if not np.any(self.min_gain) and not charged:
            return actions.with_coin(best), best
        current = np.broadcast_to(state, shape)
        now = np.take_along_axis(rev, current[None], axis=0)[0]
        top = np.take_along_axis(rev, best[None], axis=0)[0]
        cost = to_engine_axis(self.switch_cost)
        switch = (best != current) & (top - cost > now * (1.0 + to_engine_axis(self.min_gain)))
        choice = np.where(switch, best, current)
        actions = actions.with_coin(choice)
        if charged:
            actions = actions.add_cost(np.where(switch, cost, 0.0))
        return actions, choice

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> MostProfitableCoin:
        """Return the policy restricted to some variants."""
        return take_variants(self, sel)
