"""Which proof-of-work algorithm each coin's miners run, and what its difficulty counts.

A machine mines a coin when its algorithm is the coin's: an SHA-256 ASIC mines
Bitcoin and its forks, an Ethash card or ASIC mines Ethereum and Ethereum
Classic. The CLI's shutdown table, the web board, the farm files and the history
importer all ask here.

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

import re

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError
from hashwinter.units import HASHES_PER_DIFFICULTY, SECONDS_PER_DAY

__all__ = [
    "COIN_ALGORITHM",
    "NATIVE_HASHES_PER_DIFFICULTY",
    "TICKER",
    "algorithm_of",
    "coin_algorithm",
    "coins_of_algorithm",
    "work_difficulty",
]

#: The proof-of-work algorithm of each coin hashwinter knows.
COIN_ALGORITHM: dict[str, str] = {
    "BTC": "sha256", "BCH": "sha256", "BSV": "sha256", "ETH": "ethash", "ETC": "ethash",
    "ZEC": "equihash", "XMR": "cryptonight",
}  # fmt: skip

#: A coin ticker: 2-10 capital letters and digits (as the history store keys assets).
TICKER = re.compile(r"^[A-Z0-9]{2,10}$")


def coin_algorithm(coin: str, *, field: str = "coin") -> str:
    """Return the proof-of-work algorithm of ``coin`` (``"sha256"``, ``"ethash"``).

    Raises
    ------
    InputError
        A coin hashwinter does not know (naming ``field`` and the known ones).

    """
    ticker = coin.strip().upper()
    try:
        return COIN_ALGORITHM[ticker]
    except KeyError:
        known = ", ".join(sorted(COIN_ALGORITHM))
        raise InputError(f"unknown coin {coin!r} (known: {known})", field=field) from None


def coins_of_algorithm(algorithm: str) -> frozenset[str]:
    """Return the coins mined with ``algorithm``."""
    return frozenset(c for c, a in COIN_ALGORITHM.items() if a == algorithm)


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
