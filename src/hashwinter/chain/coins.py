"""Which proof-of-work algorithm each coin's miners run (one table for the package).

A machine mines a coin when its algorithm is the coin's: an SHA-256 ASIC mines
Bitcoin and its forks, an Ethash card or ASIC mines Ethereum and Ethereum
Classic. The CLI's shutdown table, the web board, the farm files and the history
importer all ask here.
"""

from __future__ import annotations

import re

from hashwinter.errors import InputError

__all__ = ["COIN_ALGORITHM", "TICKER", "coin_algorithm", "coins_of_algorithm"]

#: The proof-of-work algorithm of each coin hashwinter knows.
COIN_ALGORITHM: dict[str, str] = {
    "BTC": "sha256", "BCH": "sha256", "BSV": "sha256", "ETH": "ethash", "ETC": "ethash",
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
