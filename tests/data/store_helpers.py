"""Shared fixtures and helpers of the history-store tests (imported by the test modules)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from datafiles import shared_data_file
from hashwinter.data import import_file

FIXTURES = Path(__file__).parent / "fixtures"


def real_rows(name: str) -> dict[str, dict[str, str]]:
    """Rows of a real data file keyed by date, read with the csv module (not our importer)."""
    with open(shared_data_file(name), newline="", encoding="utf-8") as fh:
        return {row["date"]: row for row in csv.DictReader(fh)}


_BUILT: dict[int, Path] = {}


def build_winter_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the real BTC history and ECB USD/CNY rates, built once per session.

    Test modules wrap it in their own ``winter_store`` fixture; use it read-only.
    """
    key = id(tmp_path_factory)
    if key not in _BUILT:
        path = tmp_path_factory.mktemp("winter") / "history.duckdb"
        import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=path)
        import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
        _BUILT[key] = path
    return _BUILT[key]


def write(path: Path, text: str) -> Path:
    """Write text to a file and return its path."""
    path.write_text(text, encoding="utf-8")
    return path
