"""Shared fixtures and helpers of the history-store tests (imported by the test modules)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from datafiles import WINTER_DATA, shared_data_file, winter_data_file
from hashwinter.data import import_file

FIXTURES = Path(__file__).parent / "fixtures"


def real_rows(name: str) -> dict[str, dict[str, str]]:
    """Rows of a real data file keyed by date, read with the csv module (not our importer).

    btc_daily.csv and usd_cny_daily.csv come from the committed winter fixture
    (2018-10-01 .. 2019-03-31, verbatim rows of ../shared/data); other files from ../shared/data.
    """
    path = winter_data_file(name) if (WINTER_DATA / name).is_file() else shared_data_file(name)
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["date"]: row for row in csv.DictReader(fh)}


def full_rows(name: str) -> dict[str, dict[str, str]]:
    """Rows of a whole file of ../shared/data keyed by date (skips or fails if it is absent)."""
    with open(shared_data_file(name), newline="", encoding="utf-8") as fh:
        return {row["date"]: row for row in csv.DictReader(fh)}


_BUILT: dict[tuple[int, bool], Path] = {}


def build_winter_store(tmp_path_factory: pytest.TempPathFactory, full: bool = False) -> Path:
    """A store with real BTC history and ECB USD/CNY rates, built once per session.

    The winter fixture (2018-10-01 .. 2019-03-31) by default; ``full=True`` imports the whole
    files of ../shared/data. Test modules wrap it in their own ``winter_store`` fixture; use
    it read-only.
    """
    key = (id(tmp_path_factory), full)
    if key not in _BUILT:
        where = shared_data_file if full else winter_data_file
        path = tmp_path_factory.mktemp("winter") / "history.duckdb"
        import_file("coinmetrics", where("btc_daily.csv"), store=path)
        import_file("ecb", where("usd_cny_daily.csv"), store=path)
        _BUILT[key] = path
    return _BUILT[key]


def write(path: Path, text: str) -> Path:
    """Write text to a file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path
