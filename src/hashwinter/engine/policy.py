"""What a curtailment policy sees, and the interface every policy implements.

Before each step the engine builds an :class:`Observation`: per machine of each
cohort, the revenue and the avoidable cost of running through the coming step,
at the last known price (the previous day's close) and the reward one H/s is
expected to earn. A policy is a pure, vectorized function of that observation
and of whether each cohort is switched on now; it returns the new on/off
decisions shaped ``(V, P, C)``. Its parameters are arrays over the variant
axis ``V`` (see :mod:`hashwinter.engine.variants`). Concrete policies live in
:mod:`hashwinter.farm.policies`.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Observation", "Policy"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class Observation:
    """What is known at the start of a step, per machine of each cohort.

    Attributes
    ----------
    step : int
        Step index.
    day : int
        Day index of the step.
    step_seconds : float
        Step length. [s]
    price : ndarray (1, P, 1)
        Last known coin price (previous day's close). [currency/coin]
    coins_per_machine : ndarray (V|1, P, C)
        Expected coins one running machine earns in the step, after pool fee
        and uptime. [coin/machine]
    revenue_per_machine : ndarray (V|1, P, C)
        ``coins_per_machine * price``. [currency/machine]
    cost_per_machine : ndarray (V|1, 1, C)
        Avoidable cost of running one machine through the step: energy (PUE and
        uptime included) at the step's tariff, plus the management fee.
        [currency/machine]
    installed : ndarray (C,)
        Machines installed in each cohort. [machines]

    """

    step: int
    day: int
    step_seconds: float
    price: FloatArray
    coins_per_machine: FloatArray
    revenue_per_machine: FloatArray
    cost_per_machine: FloatArray
    installed: FloatArray

    @property
    def shutdown_price(self) -> FloatArray:
        """Coin price at which revenue equals avoidable cost [currency/coin]."""
        with np.errstate(divide="ignore"):
            return np.where(self.coins_per_machine > 0,
                            self.cost_per_machine / np.maximum(self.coins_per_machine, 1e-300),
                            np.inf)


class Policy(Protocol):
    """A vectorized curtailment policy with parameters over a variant axis."""

    @property
    def n_variants(self) -> int:
        """Number of parameter variants ``V`` (1 if all parameters are scalars)."""
        ...

    def decide(self, obs: Observation, on: BoolArray) -> BoolArray:
        """Return the on/off decision for the coming step, shaped (V, P, C).

        Parameters
        ----------
        obs : Observation
            What is known at the start of the step.
        on : ndarray of bool (V, P, C)
            Whether each cohort was switched on in the previous step.

        """
        ...

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> Policy:
        """Return the policy restricted to some variants."""
        ...
