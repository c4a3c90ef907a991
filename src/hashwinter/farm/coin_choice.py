"""The ``most_profitable_coin`` policy entry: which coin of the farm's coin axis each cohort mines.

A farm file lists its extra coins in ``[[coins]]`` (the main one is ``coin``);
this ``[[policies]]`` entry then points each cohort, every step, at the coin
its machines earn most on (:class:`hashwinter.farm.policies.MostProfitableCoin`),
switching only past ``min_gain``. Without it every cohort mines the main coin.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hashwinter.engine import Policy
from hashwinter.farm.policies import MostProfitableCoin
from hashwinter.farm.registry import PolicyContext, register_policy
from hashwinter.ranges import InRange
from hashwinter.validation import ConfigModel

__all__ = ["MostProfitableCoinConfig"]


@register_policy
class MostProfitableCoinConfig(ConfigModel):
    """Mine the coin with the best expected revenue each step (a profit-switching pool).

    Attributes
    ----------
    kind : "most_profitable_coin"
    min_gain : float
        Switch only when the best coin beats the current one by more than this
        share of its revenue; 0 switches to the best coin every step. [fraction]
    switch_cost_per_machine : float
        What one switch costs a running machine (the hashing lost while a rig
        restarts on another algorithm), paid in the step it switches; a cohort
        switches only when the gain of the step covers it. [farm currency/machine]

    """

    kind: Literal["most_profitable_coin"]
    min_gain: Annotated[float, Field(ge=0), InRange("fraction")] = 0.0
    switch_cost_per_machine: Annotated[float, Field(ge=0)] = 0.0

    def build(self, context: PolicyContext) -> Policy:
        """Return the engine policy (the farm file's check: it has ``[[coins]]``)."""
        return MostProfitableCoin(self.min_gain, self.switch_cost_per_machine)
