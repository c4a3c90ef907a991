"""Restart hysteresis in time: a cohort that unplugged stays off at least ``min_off_days``.

Composed right after the unplug policy (farm.policies.ShutdownPricePolicy): where that
policy would switch a stopped cohort back on before it has been off ``min_off_days``
days in a row, it stays off. Why: a farm that unplugs lets its shift staff go and its
power block lapse, so plugging back in takes time even when the margin returns
(assumption; docs/network.md). 0 days: no delay (the plain hysteresis).

The state is the days each cohort has been off in a row, shaped (V, P, C).
"""

from __future__ import annotations

import dataclasses
from typing import Self

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["ExitOnSale", "MinimumOffTime", "days_off"]

FloatArray = npt.NDArray[np.float64]


class _DaysOff:
    """A one-variant policy whose state is the days each cohort has been off in a row."""

    @property
    def n_variants(self) -> int:
        """One variant."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> FloatArray:
        """Return days off in a row: 0 (every cohort ran before the start)."""
        return np.zeros(shape)

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> Self:
        """Return itself (one variant)."""
        return self


def days_off(on: npt.NDArray[np.bool_], state: FloatArray, obs: Observation) -> FloatArray:
    """Return the days off in a row after this step (0 where the cohort runs)."""
    return np.where(on, 0.0, state + obs.step_seconds / SECONDS_PER_DAY)


@dataclasses.dataclass(frozen=True)
class MinimumOffTime(_DaysOff):
    """Keep a stopped cohort off until it has been off ``min_off_days`` days in a row.

    Parameters
    ----------
    min_off_days : float
        [day]

    """

    min_off_days: float

    def decide(self, obs: Observation, actions: Actions,
               state: FloatArray) -> tuple[Actions, FloatArray]:
        """Return the bundle with too-early restarts undone, and the days off."""
        on = np.asarray(actions.on)
        early = on & (state > 0) & (state < self.min_off_days)
        on = np.broadcast_to(on & ~early, state.shape)
        days = days_off(on, state, obs)
        return actions.with_on(on), days

    def compiled_restart_delay(self) -> float:
        """Return ``min_off_days``: the compiled kernel's form of this policy.

        With an endogenous network the kernel runs an on/off step followed by this
        delay as one compiled step (:mod:`hashwinter.engine.kernel.network_run`).
        """
        return float(self.min_off_days)


@dataclasses.dataclass(frozen=True)
class ExitOnSale(_DaysOff):
    """A cohort off ``after_days`` days in a row has closed: it never restarts itself.

    The market offers such a cohort's machines (``market.sell_after_days``); a farm
    that put a tier's machines up for sale has let that site's staff and power
    contract go and packed the machines for buyers, so it does not plug the unsold
    ones back in when the margin returns (after a retarget): they come back only
    through a buyer. Composed after the unplug policy and the restart delay, and
    before network.migration's dry-season policy (a hydro site dark for its season
    has not closed: it restarts when the water returns).

    The state is the days each cohort has been off in a row, shaped (V, P, C).

    Parameters
    ----------
    after_days : float
        [day]

    """

    after_days: float

    def decide(self, obs: Observation, actions: Actions,
               state: FloatArray) -> tuple[Actions, FloatArray]:
        """Return the bundle with the closed cohorts kept off, and the days off."""
        on = np.broadcast_to(np.asarray(actions.on) & (state < self.after_days), state.shape)
        days = days_off(on, state, obs)
        return actions.with_on(on), days
