"""The network around the farms: hash supply and exogenous difficulty projections.

- :mod:`hashwinter.network.supply` — hashrate as a function of expected revenue
  per hash (linear, sigmoid), and the difficulty at which supply is in balance.
- :mod:`hashwinter.network.projection` — difficulty paths that do not react to
  prices: constant monthly growth, bootstrap of historical retarget changes.
- :mod:`hashwinter.network.electricity` — the network's electricity use bounded the
  Cambridge index's way (lower / best guess / upper, TWh per year).
"""

from hashwinter.network.projection import (
    ConstantGrowthDifficulty,
    RetargetBootstrap,
    retarget_ratios,
)
from hashwinter.network.supply import (
    EXA,
    HashSupply,
    LinearSupply,
    SigmoidSupply,
    equilibrium_difficulty,
    linear_supply,
    revenue_per_hash,
    sigmoid_supply,
)

__all__ = [
    "EXA",
    "ConstantGrowthDifficulty",
    "HashSupply",
    "LinearSupply",
    "RetargetBootstrap",
    "SigmoidSupply",
    "equilibrium_difficulty",
    "linear_supply",
    "retarget_ratios",
    "revenue_per_hash",
    "sigmoid_supply",
]
