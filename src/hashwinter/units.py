"""Physical and protocol constants in base units (see docs/glossary.md).

Inside hashwinter hashrate is in H/s, power in W, time in s, energy in kWh
where money is attached (tariffs are per kWh), coins in whole coins (BTC) as
floats or in integer satoshis where exactness matters.
"""

from __future__ import annotations

__all__ = [
    "HASHES_PER_DIFFICULTY",
    "HOURS_PER_DAY",
    "SATOSHI_PER_COIN",
    "SECONDS_PER_DAY",
    "SECONDS_PER_HOUR",
    "TARGET_BLOCK_INTERVAL_S",
    "TERA",
    "WATTS_PER_KILOWATT",
]

#: Expected hashes per block at difficulty 1 (the difficulty-1 target is ~2^224,
#: so finding a block takes 2^256 / 2^224 = 2^32 hashes on average).
HASHES_PER_DIFFICULTY: float = float(2**32)
#: Bitcoin's target spacing between blocks. [s]
TARGET_BLOCK_INTERVAL_S: int = 600
SECONDS_PER_HOUR: int = 3_600
SECONDS_PER_DAY: int = 86_400
HOURS_PER_DAY: int = 24
SATOSHI_PER_COIN: int = 100_000_000
#: 1 TH/s = 1e12 H/s.
TERA: float = 1e12
WATTS_PER_KILOWATT: float = 1_000.0
