"""Fuzz user machine catalogs: mutated CSV and TOML files load or fail with a located error.

The seeds are rows of the built-in catalog (src/hashwinter/hardware/data/
machines.csv: real spec-sheet figures, Chinese aliases, quoted notes), written
as a user's CSV file and as TOML ``[[machine]]`` tables.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path
from typing import Any

import pytest
from data_mutations import located, mutated_csv, mutated_toml, outcome, toml_text, tried
from fuzzing import fuzz_settings, record
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.errors import HashwinterError
from hashwinter.hardware import load_catalog
from hashwinter.ranges import get_range

BUILTIN = Path(__file__).resolve().parents[2] / "src" / "hashwinter" / "hardware" / "data" \
    / "machines.csv"
#: Cases per file format under the CI profile (2,000 catalog cases in all).
CASES = 1000


@functools.cache
def seed_rows() -> list[dict[str, str]]:
    """Six rows of the built-in catalog: ASICs and GPUs, SHA-256 and Ethash."""
    with BUILTIN.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    asics = [r for r in rows if r["kind"] == "asic"][:4]
    gpus = [r for r in rows if r["kind"] == "gpu"][:2]
    assert len(gpus) == 2, "the built-in catalog has GPUs"
    return asics + gpus


@functools.cache
def csv_seed() -> str:
    rows = seed_rows()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def toml_tables() -> list[dict[str, Any]]:
    """The seed rows as TOML tables: numbers as numbers, blanks left out."""
    tables = []
    for row in seed_rows():
        table: dict[str, Any] = {}
        for key, value in row.items():
            if not value:
                continue
            if key in ("hashrate_ths", "hashrate_mhs", "power_w", "launch_price_usd"):
                table[key] = float(value)
            elif key == "aliases":
                table[key] = value.split(";")
            else:
                table[key] = value
        tables.append(table)
    return tables


def check_load(target: str, path: Path, raw: bytes, applied: list[str]) -> None:
    """Load a mutated catalog: machines with plausible figures, or a located error."""
    path.write_bytes(raw)
    try:
        catalog = load_catalog(path)
    except HashwinterError as exc:
        assert located(exc), f"{exc!r} names no field or line"
        record(target, outcome(exc))
        tried(applied, "error")
        return
    for machine in catalog.machines():
        assert get_range("machine_hashrate").problem(machine.hashrate) is None
        assert get_range("machine_power").problem(machine.power) is None
        if machine.launch_price_usd is not None:
            assert get_range("machine_price").problem(machine.launch_price_usd) is None
    record(target, "ok")
    tried(applied, "ok")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the mutated files (each case overwrites the last)."""
    return tmp_path_factory.mktemp("fuzz-catalog")


def test_seeds_load_unchanged(tmp_path: Path) -> None:
    """Without mutations both seeds give the six machines (the fuzzing starts from valid)."""
    (tmp_path / "c.csv").write_text(csv_seed(), encoding="utf-8")
    (tmp_path / "c.toml").write_text(toml_text(toml_tables()), encoding="utf-8")
    models = [r["model"] for r in seed_rows()]
    assert load_catalog(tmp_path / "c.csv").models() == tuple(models)
    assert load_catalog(tmp_path / "c.toml").models() == tuple(models)


@fuzz_settings(CASES)
@given(case=st.data())
def test_fuzz_catalog_csv(scratch: Path, case: st.DataObject) -> None:
    raw, applied = case.draw(mutated_csv(csv_seed()))
    check_load("catalog csv", scratch / "machines.csv", raw, applied)


@fuzz_settings(CASES)
@given(case=st.data())
def test_fuzz_catalog_toml(scratch: Path, case: st.DataObject) -> None:
    raw, applied = case.draw(mutated_toml(toml_tables()))
    check_load("catalog toml", scratch / "machines.toml", raw, applied)
