"""Price processes: small composable parts that simulate coin price paths.

Every process is a frozen dataclass with ``simulate(n_paths, n_steps, rng)``
returning prices shaped ``(n_paths, n_steps + 1)`` (column 0 is ``s0``) and a
``fit(history)`` classmethod that calibrates it from a window of daily prices.

- :class:`GBM` — geometric Brownian motion.
- :class:`MertonJumpDiffusion` — GBM plus log-normal jumps.
- :class:`BlockBootstrap` — circular block bootstrap of historical log returns.
- :class:`RegimeSwitching` — two-regime (bull/bear) Markov-switching GBM.

Drifts are per day and volatilities per square-root day unless a name says
``_annual`` (365-day years: :data:`hashwinter.units.TRADING_DAYS_PER_YEAR`).
"""

from hashwinter.market.base import PriceProcess, log_returns
from hashwinter.market.bootstrap import BlockBootstrap, circular_block_indices
from hashwinter.market.gbm import GBM, gbm_step
from hashwinter.market.merton import MertonJumpDiffusion
from hashwinter.market.regimes import BEAR, BULL, RegimeSwitching

__all__ = [
    "BEAR",
    "BULL",
    "GBM",
    "BlockBootstrap",
    "MertonJumpDiffusion",
    "PriceProcess",
    "RegimeSwitching",
    "circular_block_indices",
    "gbm_step",
    "log_returns",
]
