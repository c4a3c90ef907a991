"""Halving schedule: heights of halvings and height <-> approximate date.

Dates are estimates. By default they are interpolated linearly between blocks of
known height and time (:data:`KNOWN_BLOCKS`: genesis, the halvings and round
heights), and extrapolated at ``block_interval`` seconds per block after the last
one; blocks came faster than 600 s for most of Bitcoin's history, so a single
anchor would be off by thousands of blocks years away from it. Given an explicit
``anchor``, the estimate is linear from that block at ``block_interval``.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hashwinter.chain.reward import HALVING_INTERVAL, halving_epoch
from hashwinter.units import TARGET_BLOCK_INTERVAL_S

__all__ = [
    "ANCHOR_BLOCK",
    "KNOWN_BLOCKS",
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
#: Blocks of known height and time (UTC block timestamps), in order. Coin Metrics'
#: daily block counts (btc_daily.csv) agree with the spacing of these to ~0.05 %.
KNOWN_BLOCKS: tuple[tuple[int, dt.datetime], ...] = (
    (0, dt.datetime(2009, 1, 3, 18, 15, 5, tzinfo=dt.UTC)),
    (210_000, dt.datetime(2012, 11, 28, 15, 24, 38, tzinfo=dt.UTC)),
    (420_000, dt.datetime(2016, 7, 9, 16, 46, 13, tzinfo=dt.UTC)),
    (500_000, dt.datetime(2017, 12, 18, 18, 35, 25, tzinfo=dt.UTC)),
    (600_000, dt.datetime(2019, 10, 19, 0, 4, 21, tzinfo=dt.UTC)),
    (630_000, dt.datetime(2020, 5, 11, 19, 23, 43, tzinfo=dt.UTC)),
    (700_000, dt.datetime(2021, 9, 11, 4, 14, 32, tzinfo=dt.UTC)),
    (800_000, dt.datetime(2023, 7, 24, 3, 41, 59, tzinfo=dt.UTC)),
    ANCHOR_BLOCK,
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
    anchor: tuple[int, dt.datetime] | None = None,
    block_interval: float = TARGET_BLOCK_INTERVAL_S,
) -> dt.datetime:
    """Estimate when block ``height`` is (or was) mined.

    Parameters
    ----------
    height : int
        Block height.
    anchor : (int, datetime), optional
        A block of known height and time to count from at ``block_interval``;
        default: interpolate between :data:`KNOWN_BLOCKS`.
    block_interval : float, default 600
        Mean time between blocks beyond the anchors. [s]

    """
    if anchor is None:
        for (h0, t0), (h1, t1) in itertools.pairwise(KNOWN_BLOCKS):
            if h0 <= height <= h1:
                return t0 + (t1 - t0) * ((height - h0) / (h1 - h0))
        anchor = KNOWN_BLOCKS[-1] if height > KNOWN_BLOCKS[-1][0] else KNOWN_BLOCKS[0]
    anchor_height, anchor_time = anchor
    return _as_utc(anchor_time) + dt.timedelta(seconds=(height - anchor_height) * block_interval)


def estimate_height(
    when: dt.date | dt.datetime,
    anchor: tuple[int, dt.datetime] | None = None,
    block_interval: float = TARGET_BLOCK_INTERVAL_S,
) -> int:
    """Estimate the height of the chain tip at ``when`` (dates mean 00:00 UTC).

    Parameters
    ----------
    when : date or datetime
        The moment (naive datetimes are UTC).
    anchor : (int, datetime), optional
        A block of known height and time to count from at ``block_interval``;
        default: interpolate between :data:`KNOWN_BLOCKS`.
    block_interval : float, default 600
        Mean time between blocks beyond the anchors. [s]

    """
    moment = _as_utc(when)
    if anchor is None:
        for (h0, t0), (h1, t1) in itertools.pairwise(KNOWN_BLOCKS):
            if t0 <= moment <= t1:
                return h0 + int((h1 - h0) * ((moment - t0) / (t1 - t0)))
        anchor = KNOWN_BLOCKS[-1] if moment > KNOWN_BLOCKS[-1][1] else KNOWN_BLOCKS[0]
    anchor_height, anchor_time = anchor
    elapsed = (moment - _as_utc(anchor_time)).total_seconds()
    return max(0, anchor_height + int(elapsed // block_interval))
