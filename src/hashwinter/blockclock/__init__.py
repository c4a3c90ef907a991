"""Difficulty retarget rules: the package's one rule type.

Bitcoin's 2016-block rule and Bitcoin Cash's 144-block rolling window (cw-144),
tracked per path at any heights. The engine's block network
(:class:`hashwinter.engine.BlockNetwork`) runs them block by block, and through
it the block-time studies (:func:`hashwinter.engine.simulate_blocks`,
docs/scenarios.md); the expected-value network uses
:meth:`BitcoinRule.window_retarget`.
"""

from hashwinter.blockclock.rules import BitcoinRule, PathTracker, RetargetRule, RollingWindowRule

__all__ = [
    "BitcoinRule",
    "PathTracker",
    "RetargetRule",
    "RollingWindowRule",
]
