"""Which proof-of-work algorithm each coin runs, and what its difficulty counts.

The engine, the economics and the store measure every coin's difficulty in one unit,
Bitcoin's: expected hashes per block divided by 2^32 (``HASHES_PER_DIFFICULTY``), so
``reward_per_hash(D, R) = R / (D 2^32)`` holds for any coin. A coin whose native
difficulty counts something else (Ethash's difficulty is the expected hashes per block
itself) is converted on the way out of the store (:func:`work_difficulty`), from its
own hashrate and block count where the day has them, so revenue per hash is the day's
issuance plus fees over the day's hashrate, the definition the Bitcoin path uses; no
protocol code per coin is needed for a backtest.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.chain.coins import COIN_ALGORITHM
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY

__all__ = [
    "COIN_ALGORITHM",
    "NATIVE_HASHES_PER_DIFFICULTY",
    "algorithm_of",
    "work_difficulty",
]


#: Expected hashes per block at native difficulty 1, per algorithm: SHA-256d 2^32
#: (Bitcoin's difficulty-1 target), Ethash 1 (the target is 2^256 / D).
NATIVE_HASHES_PER_DIFFICULTY: dict[str, float] = {"sha256": HASHES_PER_DIFFICULTY, "ethash": 1.0}


def algorithm_of(coin: str) -> str | None:
    """Return the algorithm of ``coin`` (``"sha256"``, ``"ethash"``), or None if unknown.

    >>> algorithm_of("eth")
    'ethash'
    """
    return COIN_ALGORITHM.get(coin.strip().upper())


def work_difficulty(
    native: npt.ArrayLike,
    hashrate: npt.ArrayLike,
    blocks: npt.ArrayLike,
    coin: str,
) -> npt.NDArray[np.float64]:
    """Return the difficulty in Bitcoin's unit: expected hashes per block / 2^32.

    SHA-256d coins keep their native difficulty. Any other coin takes, where the day
    has a hashrate and blocks, ``hashrate * 86400 / (blocks * 2^32)`` (so that a
    machine of hashrate ``h`` mines ``h / hashrate`` of the day's issuance and fees),
    else its native difficulty times the algorithm's hashes per difficulty over 2^32
    (NaN for an unknown algorithm).

    Parameters
    ----------
    native : array_like
        The coin's own daily mean difficulty. [native units]
    hashrate : array_like
        The coin's daily network hashrate (NaN where unknown). [H/s]
    blocks : array_like
        Blocks found on the day. [blocks/day]
    coin : str
        Ticker.

    Returns
    -------
    ndarray
        Difficulty in Bitcoin's unit. [dimensionless]

    Examples
    --------
    Ethereum on 2018-11-25 (eth_daily.csv): 192.82 TH/s, 6,154 blocks ->
    expected hashes per block 2.707e15, i.e. 630,311 in Bitcoin's unit.

    >>> round(float(work_difficulty(2.707e15, 192.822890e12, 6154, "ETH")))
    630311

    """
    d = np.asarray(native, dtype=np.float64)
    algorithm = algorithm_of(coin)
    if algorithm == "sha256":
        return d.copy()
    h = np.asarray(hashrate, dtype=np.float64)
    b = np.asarray(blocks, dtype=np.float64)
    scale = NATIVE_HASHES_PER_DIFFICULTY.get(algorithm or "", np.nan) / HASHES_PER_DIFFICULTY
    fallback = d * scale
    implied = np.full(np.broadcast(h, b).shape, np.nan)
    ok = np.isfinite(h) & np.isfinite(b) & (b > 0) & (h > 0)
    np.divide(h * SECONDS_PER_DAY, b * HASHES_PER_DIFFICULTY, out=implied, where=ok)
    return np.asarray(np.where(ok, implied, fallback), dtype=np.float64)
