"""The network a scenario runs on: its blocks (expected or Poisson) and its retarget rule.

``[network]`` of the scenario (:class:`~hashwinter.network.config.ChainConfig`) picks:

* ``blocks = "expected"`` with ``rule = "bitcoin"`` (the default, the model the
  winter-2018 checks are calibrated on): the expected-value clock
  (:class:`~hashwinter.engine.network.EndogenousNetwork`), fractional heights, the
  step split at each retarget; the compiled network loop covers it;
* any other choice: the block-resolution network
  (:class:`~hashwinter.engine.blocks.BlockNetwork`), one block at a time per path: with
  ``blocks = "poisson"`` each interval is ``Exp(1) · D · 2^32 / H`` (path ``p`` draws
  from the seed's child ``p``, so the chunking does not change a path's blocks); with
  ``blocks = "expected"`` every interval is its expected value, which is how a per-block
  rule (``cw-144``) runs on expected blocks. It runs on the numpy loop
  (``RunResult.fallback`` says why).

Both start from the real difficulty, height, position in the retarget window and fees
(per day, from btc_daily.csv). The block network needs a hash supply outside the run:
the farms are the whole network here, so it is a constant 1 H/s (10^-19 of the 2018
network: no block, coin or share differs by more than that), which keeps every
interval finite if all farms unplug. Its rule looks back at the blocks before the run,
taken to have come at the window's mean spacing so far (``elapsed / (blocks into the
window - 1)``; 600 s at a window's first blocks).
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from hashwinter.blockclock.rules import BitcoinRule, RetargetRule, RollingWindowRule
from hashwinter.chain import RETARGET_INTERVAL
from hashwinter.engine.blocks import BlockNetwork
from hashwinter.engine.clock import Clock
from hashwinter.engine.network import EndogenousNetwork, Network
from hashwinter.errors import InputError
from hashwinter.network.config import ChainConfig
from hashwinter.network.supply import LinearSupply
from hashwinter.units import TARGET_BLOCK_INTERVAL_S

__all__ = ["OUTSIDE_HASHRATE", "prehistory_spacing", "retarget_rule", "scenario_network"]

FloatArray = npt.NDArray[np.float64]

#: Hashrate outside the run's farms on the block network: a floor that keeps intervals
#: finite, 1e-19 of the 2018 network (~50 EH/s). [H/s]
OUTSIDE_HASHRATE = 1.0


def retarget_rule(name: str) -> RetargetRule:
    """Return the rule named ``"bitcoin"`` or ``"cw-N"`` (a rolling window of N blocks)."""
    match = re.fullmatch(r"bitcoin|cw-(\d+)", name)
    if match is None or (match[1] is not None and int(match[1]) < 2):
        raise InputError(f"unknown rule {name!r}; use 'bitcoin' or 'cw-N' (N >= 2)",
                         field="network.rule")
    return BitcoinRule() if match[1] is None else RollingWindowRule(window=int(match[1]))


def prehistory_spacing(height: int, elapsed_s: float) -> float:
    """Return the spacing of the blocks before the run [s]: the window's mean so far.

    ``height % 2016`` blocks of the window in progress came in ``elapsed_s`` seconds
    since its first block, i.e. over one interval fewer; at a window's first two blocks
    nothing is known and the target spacing (600 s) stands in.
    """
    into = height % RETARGET_INTERVAL
    if into < 2 or not elapsed_s > 0:
        return TARGET_BLOCK_INTERVAL_S
    return float(elapsed_s / (into - 1))


def scenario_network(cfg: ChainConfig, clock: Clock, *, difficulty: float, height: int,
                     elapsed_s: float, fees_per_block: FloatArray, first_path: int = 0,
                     n_paths: int = 1) -> Network:
    """Return the network of a scenario's chunk of paths (see the module docstring).

    Parameters
    ----------
    cfg : ChainConfig
        The scenario's ``[network]``.
    clock : Clock
        The run's days.
    difficulty : float
        Difficulty at the start. [dimensionless]
    height : int
        Height of the next block. [blocks]
    elapsed_s : float
        Time since the retarget window's first block. [s]
    fees_per_block : ndarray (n_days,)
        Fees per block each day. [BTC]
    first_path, n_paths : int
        The chunk's paths: ``first_path .. first_path + n_paths - 1`` of the run (their
        Poisson streams).

    """
    rule = retarget_rule(cfg.rule)
    fees = np.asarray(fees_per_block, dtype=np.float64)
    if cfg.blocks == "expected" and isinstance(rule, BitcoinRule):
        return EndogenousNetwork(clock, difficulty=difficulty, height=height,
                                 rest_of_world=0.0, fees_per_block=fees,
                                 window_elapsed=elapsed_s)
    return BlockNetwork(
        clock, difficulty, height,
        LinearSupply(intercept=OUTSIDE_HASHRATE, slope=0.0, h_min=OUTSIDE_HASHRATE), rule,
        seed=cfg.seed, fees_per_block=fees,
        prehistory_interval_s=prehistory_spacing(height, elapsed_s),
        expected=cfg.blocks == "expected",
        path_index=first_path + np.arange(n_paths, dtype=np.int64))
