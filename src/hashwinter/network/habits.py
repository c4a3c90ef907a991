"""What the farms do with the coins they mine (the network's treasury habit).

``sell_daily`` sells every coin the day it is mined (the default: the history price
already holds that flow); ``hodl`` keeps ``hodl_ratio`` of them; ``sell_to_cover`` keeps
the coins and sells only what pays the day's power and fees, so a falling price makes
the farms sell *more* coins for the same bill (the feedback network.impact prices).
Farms start with ``coin_days`` days of their first day's production in coins, the
stock forced sales draw on when cash runs out.

One habit for all farms: the engine's treasury takes its rules per variant, not per
owner (docs/network.md, "Habits"), so shares of farms with different habits are not
modelled.
"""

from __future__ import annotations

from hashwinter.engine.treasury import Treasury
from hashwinter.network.config import HabitsConfig

__all__ = ["network_treasury"]


def network_treasury(cfg: HabitsConfig) -> Treasury:
    """Return the engine treasury of the farms' habit."""
    return Treasury.from_strategy(cfg.treasury, hodl_ratio=cfg.hodl_ratio)
