"""The inputs every section shares: the store, the data and scenario folders, the scale.

The daily network states (price, difficulty, subsidy, fees) are read from the store once,
in CNY and in USD, for the whole story window, and shared by the sections.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from pathlib import Path
from typing import Literal

import pandas as pd

from hashwinter.errors import InputError

__all__ = ["REPO", "SCALES", "StoryContext", "default_data_dir", "read_daily"]

#: The repository (examples/ and ../shared/ are found from it, like the web app's examples).
REPO = Path(__file__).resolve().parents[3]
Scale = Literal["ci", "full"]
SCALES: tuple[str, ...] = ("ci", "full")
#: First and last day of the daily states the sections read (2017-12 for the January 2018
#: peak and the S9 bought then; the valuation's trailing windows need a year before).
FIRST_DAY, LAST_DAY = dt.date(2016, 6, 1), dt.date(2019, 12, 31)


def default_data_dir() -> Path:
    """``$HASHWINTER_SHARED_DATA`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("HASHWINTER_SHARED_DATA", "")
    return Path(env).expanduser().resolve() if env else REPO.parent / "shared" / "data"


@dataclasses.dataclass(frozen=True)
class StoryContext:
    """Shared inputs of one story run.

    Attributes
    ----------
    store : Path
        The history store (DuckDB) the sections read.
    data_dir : Path
        Folder of the public data files (for files the store does not hold: makers.csv,
        and the network run's own readers).
    examples : Path
        The shipped scenario files.
    figures_csv : Path
        The specification of the figures table.
    scale : {"ci", "full"}
        ``ci`` runs the network with fewer farms; everything else is the same.
    seed : int
        The run's seed (the network population and any random draw).

    """

    store: Path
    data_dir: Path
    examples: Path
    figures_csv: Path
    scale: Scale = "full"
    seed: int = 2018

    def example(self, name: str) -> Path:
        """Return a shipped scenario file, e.g. ``lao_luo_a741.toml``; an InputError if missing."""
        path = self.examples / name
        if not path.is_file():
            raise InputError(f"shipped scenario file missing: {path}", field="examples")
        return path

    def data_file(self, name: str) -> Path:
        """Return a public data file, e.g. ``makers.csv``; an InputError if missing."""
        path = self.data_dir / name
        if not path.is_file():
            raise InputError(f"data file missing: {path}", field="--data")
        return path

    def daily(self, currency: str = "CNY") -> pd.DataFrame:
        """Daily network states from the store, indexed by date (see :func:`read_daily`)."""
        return read_daily(self.store, currency)


@functools.cache
def read_daily(store: Path, currency: str) -> pd.DataFrame:
    """``network_states`` of every day FIRST_DAY..LAST_DAY in ``currency`` (read once)."""
    from hashwinter.data import network_states

    days = pd.date_range(FIRST_DAY, LAST_DAY, freq="D")
    states = network_states(days.date, store=store, currency=currency)
    states.index = pd.DatetimeIndex(days)
    return states
