"""A GPU rig: N graphics cards plus the platform that carries them.

A rig is what a GPU farm buys, runs and sells to other miners; its cards are what it
sells to gamers. The platform (frame, power supply, motherboard, CPU, risers) draws
power of its own on top of the cards' and has a resale value of its own. Figures of
the platform are parameters with documented defaults (ASSUMPTION: no stored source).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hashwinter.errors import InputError
from hashwinter.hardware.machine import Machine

__all__ = ["DEFAULT_PLATFORM_POWER_W", "DEFAULT_PLATFORM_RESALE_USD", "Rig", "mining_as"]

#: ASSUMPTION: draw of a rig's platform beyond its cards (board, CPU, risers, the power
#: supply's losses at ~90 % efficiency on ~1 kW of cards). [W]
DEFAULT_PLATFORM_POWER_W: float = 60.0
#: ASSUMPTION: what a used frame + PSU + board + CPU fetch when a rig is broken up. [USD]
DEFAULT_PLATFORM_RESALE_USD: float = 100.0


@dataclasses.dataclass(frozen=True)
class Rig:
    """``cards`` identical graphics cards on one platform.

    Attributes
    ----------
    card : Machine
        The card model (a catalog GPU).
    cards : int
        Cards per rig, >= 1.
    platform_power_w : float
        Platform draw beyond the cards. [W]
    platform_resale_usd : float
        Resale value of the platform alone. [USD]

    """

    card: Machine
    cards: int
    platform_power_w: float = DEFAULT_PLATFORM_POWER_W
    platform_resale_usd: float = DEFAULT_PLATFORM_RESALE_USD

    def __post_init__(self) -> None:
        if isinstance(self.cards, bool) or not isinstance(self.cards, int) or self.cards < 1:
            raise InputError(f"a rig needs at least one card (got {self.cards!r})",
                             field="cards")
        for name in ("platform_power_w", "platform_resale_usd"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"must be >= 0 (got {value!r})", field=name)

    def hashrate(self, algorithm: str) -> float:
        """Return the rig's hashrate on ``algorithm`` [H/s] (InputError if the card has none)."""
        return self.cards * self.card.rate(algorithm)[0]

    def power(self, algorithm: str) -> float:
        """Return the rig's wall power on ``algorithm``: cards plus platform [W]."""
        return self.cards * self.card.rate(algorithm)[1] + self.platform_power_w

    def cards_for(self, hashrate: float, algorithm: str) -> int:
        """Return the whole cards that make up ``hashrate`` on ``algorithm`` (rounded) [cards]."""
        return round(hashrate / self.card.rate(algorithm)[0])

    def per_card(self, algorithm: str) -> Machine:
        """Return one card of the rig as a machine mining ``algorithm``: the engine's unit.

        Its power carries a card's share of the platform (``platform_power_w / cards``) on
        every algorithm, so a cohort of cards draws what its rigs draw [W].
        """
        return mining_as(self.card, algorithm, extra_power_w=self.platform_power_w / self.cards)


def mining_as(machine: Machine, algorithm: str, *, extra_power_w: float = 0.0) -> Machine:
    """Return ``machine`` with ``algorithm`` as its primary rate (its others kept), plus power.

    A card whose catalog row lists Ethash second mines ETH at that rate; the engine reads a
    machine's primary ``hashrate`` and ``power``, so the farm file resolves each fleet model
    to the rate of the farm's coin. ``extra_power_w`` is added on every algorithm (a rig's
    platform share). Raises :class:`InputError` (``field="algorithm"``) without that rate.
    """
    hashrate, power = machine.rate(algorithm)
    rates = [(a, h, p + extra_power_w) for a, h, p in
             ((machine.algorithm, machine.hashrate, machine.power), *machine.other_rates)
             if a != algorithm]
    if algorithm == machine.algorithm and extra_power_w == 0.0:
        return machine
    changes: dict[str, Any] = dict(algorithm=algorithm, hashrate=hashrate,
                                   power=power + extra_power_w, other_rates=tuple(rates))
    return dataclasses.replace(machine, **changes)
