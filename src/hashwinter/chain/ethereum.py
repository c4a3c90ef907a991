"""Ethereum's proof-of-work schedule: block rewards, uncles and the difficulty bomb.

A backtest needs no protocol code per coin (revenue per hash comes from the
coin's own daily issuance and fees over its hashrate), but a projection does.
This module holds Ethereum's rules as documented functions:

- the block reward: 5 ETH (Frontier), 3 ETH from Byzantium (block 4,370,000,
  16 Oct 2017, EIP-649), 2 ETH from Constantinople (block 7,280,000, 28 Feb 2019,
  EIP-1234);
- uncles: an uncle ``k`` blocks below its nephew earns ``(8 - k) / 8`` of the block
  reward, and the nephew earns ``1 / 32`` of it per uncle included;
- the difficulty bomb: each block's difficulty gains ``2 ** (fake // 100000 - 2)``,
  ``fake`` the block number less the delay of the fork in force (3,000,000 at
  Byzantium, 5,000,000 at Constantinople, 9,000,000 at Muir Glacier, 9,700,000 at
  London, 10,700,000 at Arrow Glacier, 11,400,000 at Gray Glacier);
- the bomb's effect on blocks per day, from the equilibrium of the difficulty
  adjustment (see :func:`equilibrium_block_time`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = [
    "BOMB_DELAYS",
    "BYZANTIUM_BLOCK",
    "CONSTANTINOPLE_BLOCK",
    "block_reward_eth",
    "blocks_per_day",
    "bomb_increment",
    "equilibrium_block_time",
    "expected_issuance_per_block",
    "implied_uncle_rate",
    "uncle_reward_eth",
]

#: First Byzantium block (16 Oct 2017): reward 5 -> 3 ETH, bomb delayed 3M blocks.
BYZANTIUM_BLOCK = 4_370_000
#: First Constantinople block (28 Feb 2019): reward 3 -> 2 ETH, bomb delayed 5M blocks.
CONSTANTINOPLE_BLOCK = 7_280_000
#: (first block of the fork, bomb delay in blocks), in order: Byzantium (EIP-649),
#: Constantinople (EIP-1234), Muir Glacier (EIP-2384), London (EIP-3554),
#: Arrow Glacier (EIP-4345), Gray Glacier (EIP-5133).
BOMB_DELAYS: tuple[tuple[int, int], ...] = (
    (BYZANTIUM_BLOCK, 3_000_000),
    (CONSTANTINOPLE_BLOCK, 5_000_000),
    (9_200_000, 9_000_000),
    (12_965_000, 9_700_000),
    (13_773_000, 10_700_000),
    (15_050_000, 11_400_000),
)


def _heights(height: npt.ArrayLike) -> npt.NDArray[np.int64]:
    h = np.asarray(height)
    if h.dtype.kind not in "iu" or np.any(h < 0):
        raise InputError("block heights must be integers >= 0", field="height")
    return h.astype(np.int64)


def block_reward_eth(height: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the static block reward at ``height`` [ETH/block].

    >>> block_reward_eth([4_369_999, 4_370_000, 7_280_000]).tolist()
    [5.0, 3.0, 2.0]
    """
    h = _heights(height)
    return np.where(h >= CONSTANTINOPLE_BLOCK, 2.0, np.where(h >= BYZANTIUM_BLOCK, 3.0, 5.0))


def uncle_reward_eth(height: npt.ArrayLike, depth: npt.ArrayLike = 1) -> npt.NDArray[np.float64]:
    """Return what an uncle mined ``depth`` blocks below its nephew earns [ETH].

    ``(8 - depth) / 8`` of the block reward, for depth 1..6 (deeper uncles are invalid).

    >>> float(uncle_reward_eth(5_000_000, 1))
    2.625
    """
    d = np.asarray(depth)
    if np.any((d < 1) | (d > 6)):
        raise InputError("an uncle is 1 to 6 blocks below its nephew", field="depth")
    return np.asarray(block_reward_eth(height) * (8.0 - d) / 8.0, dtype=np.float64)


def expected_issuance_per_block(
    height: npt.ArrayLike, uncles_per_block: npt.ArrayLike = 0.0, depth: npt.ArrayLike = 1
) -> npt.NDArray[np.float64]:
    """Return the new ETH per block: reward, nephew rewards and uncle rewards [ETH/block].

    Parameters
    ----------
    height : array_like of int
        Block height.
    uncles_per_block : array_like, default 0
        Mean uncles included per block (about 0.07 in 2018-2019). [1/block]
    depth : array_like, default 1
        Mean depth of the uncles. [blocks]

    Examples
    --------
    After Constantinople with 0.07 uncles a block at depth 1:
    2 + 0.07 * (2/32 + 2 * 7/8) = 2.1269 ETH.

    >>> round(float(expected_issuance_per_block(7_500_000, 0.07)), 4)
    2.1269

    """
    reward = block_reward_eth(height)
    u = np.asarray(uncles_per_block, dtype=np.float64)
    return np.asarray(reward + u * (reward / 32.0 + uncle_reward_eth(height, depth)),
                      dtype=np.float64)


def implied_uncle_rate(
    issuance_per_block: npt.ArrayLike, height: npt.ArrayLike, depth: npt.ArrayLike = 1
) -> npt.NDArray[np.float64]:
    """Return the mean uncles per block that a day's issuance per block implies [1/block].

    The inverse of :func:`expected_issuance_per_block`: ``(i - R) / (R / 32 + R (8 - d) / 8)``
    with ``R`` the block reward at ``height`` and ``d`` the mean uncle depth. The protocol
    allows at most 2 uncles per block, so a value outside ``[0, 2]`` means the reward
    schedule (or the height) is wrong for that day. Used to carry issuance past the end of
    eth_daily.csv's issuance column (2020-07-27) at a recent uncle rate.

    >>> round(float(implied_uncle_rate(2.1269, 7_500_000)), 4)
    0.07
    """
    reward = block_reward_eth(height)
    i = np.asarray(issuance_per_block, dtype=np.float64)
    per_uncle = reward / 32.0 + uncle_reward_eth(height, depth)
    return np.asarray((i - reward) / per_uncle, dtype=np.float64)


def bomb_increment(height: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the difficulty bomb's addition to each block's difficulty at ``height``.

    ``2 ** (fake // 100000 - 2)`` with ``fake = max(height - delay, 0)``, ``delay`` that of
    the last fork at or below ``height`` (0 before Byzantium); 0 while the exponent is
    negative. [difficulty]

    >>> float(bomb_increment(4_300_000)) == 2.0 ** 41   # just before Byzantium
    True
    >>> float(bomb_increment(4_370_000)) == 2.0 ** 11   # Byzantium reset it by 3M blocks
    True
    """
    h = _heights(height)
    delay = np.zeros_like(h)
    for first, blocks in BOMB_DELAYS:
        delay = np.where(h >= first, blocks, delay)
    exponent = np.maximum(h - delay, 0) // 100_000 - 2
    return np.where(exponent >= 0, np.exp2(exponent.astype(np.float64)), 0.0)


def equilibrium_block_time(
    bomb_ratio: npt.ArrayLike, uncles_per_block: npt.ArrayLike = 0.0, *, byzantium: bool = True
) -> npt.NDArray[np.float64]:
    """Return the mean block time at which the difficulty adjustment is in balance [s].

    Each block the difficulty moves by ``D // 2048 * (y - floor(dt / c))`` plus the bomb
    ``B``, with ``c = 9`` s and ``y = 1 + uncle`` since Byzantium (EIP-100), ``c = 10`` s and
    ``y = 1`` before (Homestead, EIP-2). With exponential block times of mean ``tau``,
    ``E[floor(dt / c)] = q / (1 - q)``, ``q = exp(-c / tau)``; the balance
    ``E[y - floor(dt / c)] = -2048 B / D`` gives ``q / (1 - q) = y + beta``, ``beta =
    2048 B / D`` (the ``bomb_ratio``), so ``tau = -c / ln(q)``. Without a bomb and
    without uncles: ``tau = c / ln 2`` (13.0 s since Byzantium).

    Parameters
    ----------
    bomb_ratio : array_like
        ``2048 * bomb_increment / difficulty``. [dimensionless]
    uncles_per_block : array_like, default 0
        Mean uncles per block (the mean of ``y - 1``). [1/block]
    byzantium : bool, default True
        Use the Byzantium rule (False: Homestead).

    Returns
    -------
    ndarray
        Mean block time. [s]

    """
    beta = np.asarray(bomb_ratio, dtype=np.float64)
    u = np.asarray(uncles_per_block, dtype=np.float64) if byzantium else 0.0
    c = 9.0 if byzantium else 10.0
    k = 1.0 + u + beta
    q = k / (1.0 + k)
    return np.asarray(-c / np.log(q), dtype=np.float64)


def blocks_per_day(
    height: npt.ArrayLike, difficulty: npt.ArrayLike, uncles_per_block: npt.ArrayLike = 0.0
) -> npt.NDArray[np.float64]:
    """Return the expected blocks per day under the difficulty bomb [blocks/day].

    Parameters
    ----------
    height : array_like of int
        Block height of the day.
    difficulty : array_like
        Mean difficulty of the day. [dimensionless]
    uncles_per_block : array_like, default 0
        Mean uncles per block. [1/block]

    Examples
    --------
    Without a bomb, since Byzantium: 86400 / (9 / ln 2) = 6,654 blocks a day.

    >>> round(float(blocks_per_day(7_300_000, 2e15)))
    6654

    """
    h = _heights(height)
    d = np.asarray(difficulty, dtype=np.float64)
    if np.any(~np.isfinite(d) | (d <= 0)):
        raise InputError("must be finite and > 0", field="difficulty")
    beta = 2048.0 * bomb_increment(h) / d
    byz = h >= BYZANTIUM_BLOCK
    tau = np.where(byz, equilibrium_block_time(beta, uncles_per_block, byzantium=True),
                   equilibrium_block_time(beta, uncles_per_block, byzantium=False))
    return np.asarray(SECONDS_PER_DAY / tau, dtype=np.float64)

