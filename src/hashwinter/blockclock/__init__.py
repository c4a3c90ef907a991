"""A block-level clock for difficulty-algorithm studies.

Each block's interval is drawn ``Exp(1) * D * 2^32 / H`` with the hashrate ``H``
set by a hash supply function of the current price and reward, the price moving
as a GBM over each interval, and the difficulty set by a pluggable retarget rule
(Bitcoin's 2016-block rule, Bitcoin Cash's 144-block rolling window). See
:func:`simulate_blocks` and docs/scenarios.md.
"""

from hashwinter.blockclock.clock import DRAW_CHUNK_BLOCKS, simulate_blocks
from hashwinter.blockclock.result import BlockClockResult
from hashwinter.blockclock.rules import BitcoinRule, RetargetRule, RollingWindowRule, RuleTracker

__all__ = [
    "DRAW_CHUNK_BLOCKS",
    "BitcoinRule",
    "BlockClockResult",
    "RetargetRule",
    "RollingWindowRule",
    "RuleTracker",
    "simulate_blocks",
]
