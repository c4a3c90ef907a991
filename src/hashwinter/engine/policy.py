"""What a policy sees, and the interface every policy implements.

Before each step the engine builds an :class:`Observation`: per machine of each
cohort, the revenue and the avoidable cost of running through the coming step,
at the last known price (the previous day's close) and the reward one H/s is
expected to earn, plus the machines held and each owner's balances. A policy
is a vectorized function of that observation, of the action bundle built so
far by the policies before it (:class:`~hashwinter.engine.actions.Actions`:
the previous step's on/off state and no trades, for the first policy) and of
its own state (arrays it keeps between steps, e.g. how long a cohort has been
under water); it returns the bundle with its own part added, and its new
state. Its parameters are arrays over the variant axis ``V`` (see
:mod:`hashwinter.engine.variants`). :class:`Policies` composes several.
Concrete policies live in :mod:`hashwinter.farm.policies` (and anywhere else:
the protocol is all the engine needs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.variants import count_variants

__all__ = ["Observation", "Policies", "Policy"]

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
    installed : ndarray (C,) or (V, P, C)
        Machines held by each cohort at the start of the step (before its
        trades; earlier trades included). [machines]
    cash, coins : ndarray (V, P, O)
        Owners' balances at the start of the step. [currency], [coin]
    alive : ndarray of bool (V, P, O)
        Owners not broke.
    owner : ndarray of int (C,)
        Owner of each cohort.
    positions : ndarray (V, P, O, I) or None
        Quantity held in each instrument (None without instruments). [coin]
    revenue_by_coin : ndarray (K, V|1, P, C) or None
        Expected revenue of one running machine in the step on each coin of the
        coin axis (row 0 is ``revenue_per_machine``); None with one coin.
        [currency/machine]

    """

    step: int
    day: int
    step_seconds: float
    price: FloatArray
    coins_per_machine: FloatArray
    revenue_per_machine: FloatArray
    cost_per_machine: FloatArray
    installed: FloatArray
    cash: FloatArray | None = None
    coins: FloatArray | None = None
    alive: BoolArray | None = None
    owner: npt.NDArray[np.int64] | None = None
    positions: FloatArray | None = None
    revenue_by_coin: FloatArray | None = None

    @property
    def shutdown_price(self) -> FloatArray:
        """Coin price at which revenue equals avoidable cost [currency/coin]."""
        with np.errstate(divide="ignore"):
            return np.where(self.coins_per_machine > 0,
                            self.cost_per_machine / np.maximum(self.coins_per_machine, 1e-300),
                            np.inf)


class Policy(Protocol):
    """A vectorized policy with parameters over a variant axis."""

    @property
    def n_variants(self) -> int:
        """Number of parameter variants ``V`` (1 if all parameters are scalars)."""
        ...

    def init_state(self, shape: tuple[int, int, int]) -> Any:
        """Return the policy's own state at the start of a ``(V, P, C)`` run (None if none)."""
        ...

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, Any]:
        """Return the action bundle with this policy's part added, and its new state.

        Parameters
        ----------
        obs : Observation
            What is known at the start of the step.
        actions : Actions
            The bundle so far; ``actions.on`` (V, P, C) is whether each cohort
            was switched on in the previous step, or what an earlier policy of
            the chain decided.
        state : any
            What :meth:`init_state` or the previous step returned.

        """
        ...

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> Policy:
        """Return the policy restricted to some variants."""
        ...


@dataclasses.dataclass(frozen=True)
class Policies:
    """Several policies applied in order, each adding to the action bundle.

    ``Policies((curtail, trade, hedge))``: the curtailment decides ``on``, the
    trading rule adds purchases and sales, the hedge adds orders. Their variant
    axes must agree (or be 1).
    """

    parts: tuple[Policy, ...]

    def __init__(self, parts: Sequence[Policy]) -> None:
        object.__setattr__(self, "parts", tuple(parts))
        count_variants({f"policies[{i}]": np.empty(p.n_variants)
                        for i, p in enumerate(self.parts)})

    @property
    def n_variants(self) -> int:
        """Common ``V`` of the parts."""
        return count_variants({f"policies[{i}]": np.empty(p.n_variants)
                               for i, p in enumerate(self.parts)})

    def init_state(self, shape: tuple[int, int, int]) -> tuple[Any, ...]:
        """Return the parts' states."""
        return tuple(p.init_state(shape) for p in self.parts)

    def decide(self, obs: Observation, actions: Actions,
               state: tuple[Any, ...]) -> tuple[Actions, tuple[Any, ...]]:
        """Apply the parts in order."""
        states = []
        for part, st in zip(self.parts, state, strict=True):
            actions, st = part.decide(obs, actions, st)
            states.append(st)
        return actions, tuple(states)

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> Policies:
        """Return the parts restricted to some variants (shared ones kept)."""
        return Policies([p.take_variants(sel) if p.n_variants > 1 else p for p in self.parts])
