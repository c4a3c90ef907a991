"""Halving schedule: heights of halvings and height <-> approximate date.

Dates are estimates: blocks arrive on average every ``block_interval`` seconds
after a known anchor block. The default anchor is the fourth halving, block
840,000, mined 2024-04-20 00:09:27 UTC.
"""

from __future__ import annotations

import datetime as dt

from hashwinter.chain.reward import HALVING_INTERVAL, halving_epoch
from hashwinter.units import TARGET_BLOCK_INTERVAL_S

__all__ = [
    "ANCHOR_BLOCK",
    "KNOWN_HALVINGS",
    "estimate_date",
    "estimate_height",
    "halving_height",
    "next_halving_height",
]

#: (height, UTC time) of the fourth halving block.
ANCHOR_BLOCK: tuple[int, dt.datetime] = (
    840_000,
    dt.datetime(2024, 4, 20, 0, 9, 27, tzinfo=dt.UTC),
)
#: Dates of the halvings that have happened (UTC days of blocks 210,000·n).
KNOWN_HALVINGS: dict[int, dt.date] = {
    210_000: dt.date(2012, 11, 28),
    420_000: dt.date(2016, 7, 9),
    630_000: dt.date(2020, 5, 11),
    840_000: dt.date(2024, 4, 20),
}


def halving_height(n: int) -> int:
    """Return the height of the ``n``-th halving (n >= 1)."""
    if n < 1:
        raise ValueError(f"halving number must be >= 1, got {n}")
    return n * HALVING_INTERVAL


def next_halving_height(height: int) -> int:
    """Return the height of the first halving strictly after ``height``."""
    return (halving_epoch(height) + 1) * HALVING_INTERVAL


def _as_utc(when: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return dt.datetime(when.year, when.month, when.day, tzinfo=dt.UTC)


def estimate_date(
    height: int,
    anchor: tuple[int, dt.datetime] = ANCHOR_BLOCK,
    block_interval: float = TARGET_BLOCK_INTERVAL_S,
) -> dt.datetime:
    """Estimate when block ``height`` is (or was) mined.

    Parameters
    ----------
    height : int
        Block height.
    anchor : (int, datetime)
        A block of known height and time.
    block_interval : float, default 600
        Mean time between blocks. [s]

    """
    anchor_height, anchor_time = anchor
    return _as_utc(anchor_time) + dt.timedelta(seconds=(height - anchor_height) * block_interval)


def estimate_height(
    when: dt.date | dt.datetime,
    anchor: tuple[int, dt.datetime] = ANCHOR_BLOCK,
    block_interval: float = TARGET_BLOCK_INTERVAL_S,
) -> int:
    """Estimate the height of the chain tip at ``when`` (dates mean 00:00 UTC)."""
    anchor_height, anchor_time = anchor
    elapsed = (_as_utc(when) - _as_utc(anchor_time)).total_seconds()
    return max(0, anchor_height + int(elapsed // block_interval))
