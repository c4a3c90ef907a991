"""Fuzz the importers: mutated real inputs end in a frame or a located hashwinter error.

Parse level (no store): every case writes a mutated slice of a real file and
calls ``read_<source>``; it must return a frame whose values are all finite
and plausible (the registry's ranges), or raise a
:class:`~hashwinter.errors.HashwinterError` whose every problem names a field
or a file:line. Anything else (a traceback, a numpy warning) fails the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from data_mutations import (
    csv_seeds,
    json_seeds,
    located,
    mutated_csv,
    mutated_json,
    outcome,
    tried,
)
from fuzzing import fuzz_settings, record
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.data.importers import (
    read_blockchain_com,
    read_coinmetrics,
    read_csv,
    read_ecb,
    read_machine_prices,
    read_mempool,
)
from hashwinter.data.plausible import frame_problems
from hashwinter.errors import HashwinterError

#: Parse-level cases per importer under the CI profile.
CASES = 400


def assert_plausible(frame: pd.DataFrame) -> None:
    """A frame an importer returned holds only finite, plausible values."""
    assert frame_problems(frame) == []
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype.kind == "f":
            assert not np.isinf(values).any(), column


def run(target: str, read: Any, path: Path, raw: bytes, applied: list[str],
        **options: Any) -> None:
    """Write ``raw``, read it, and check the outcome; count it for ``target``."""
    path.write_bytes(raw)
    try:
        frame = read(path, **options)
    except HashwinterError as exc:
        assert located(exc), f"{exc!r} names no field or line"
        assert str(exc).strip(), "empty message"
        record(target, outcome(exc))
        tried(applied, "error")
        return
    assert_plausible(frame)
    record(target, "ok")
    tried(applied, "ok")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the mutated files (each case overwrites the last)."""
    return tmp_path_factory.mktemp("fuzz-importers")


@st.composite
def _csv_case(draw: st.DrawFn, folder: Path, key: str) -> tuple[bytes, list[str]]:
    seed = draw(st.sampled_from(csv_seeds(folder)[key]))
    return draw(mutated_csv(seed))


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans())
def test_fuzz_coinmetrics(shared_data: Path, scratch: Path, case: st.DataObject,
                          skip_bad: bool) -> None:
    raw, applied = case.draw(_csv_case(shared_data, "coinmetrics"))
    path = scratch / "btc_daily.csv"
    run("import coinmetrics", read_coinmetrics, path, raw, applied, skip_bad=skip_bad)


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans())
def test_fuzz_ecb(shared_data: Path, scratch: Path, case: st.DataObject,
                          skip_bad: bool) -> None:
    raw, applied = case.draw(_csv_case(shared_data, "ecb"))
    path = scratch / "eurofxref-hist.csv"
    run("import ecb", read_ecb, path, raw, applied, skip_bad=skip_bad)


_GENERIC = {"price": {"series": "price"}, "difficulty": {"series": "difficulty"},
            "blocks": {"series": "blocks"}, "fx": {"series": "fx", "currency": "CNY"}}


@fuzz_settings(CASES)
@given(case=st.data(), series=st.sampled_from(sorted(_GENERIC)), skip_bad=st.booleans())
def test_fuzz_generic_csv(shared_data: Path, scratch: Path, case: st.DataObject,
                          series: str, skip_bad: bool) -> None:
    raw, applied = case.draw(_csv_case(shared_data, series))
    path = scratch / "series.csv"
    run("import csv", read_csv, path, raw, applied, skip_bad=skip_bad, **_GENERIC[series])


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans())
def test_fuzz_machine_prices(shared_data: Path, scratch: Path, case: st.DataObject,
                          skip_bad: bool) -> None:
    raw, applied = case.draw(_csv_case(shared_data, "machine-prices"))
    path = scratch / "used_asic_prices.csv"
    run("import machine-prices", read_machine_prices, path, raw, applied, skip_bad=skip_bad)


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans())
def test_fuzz_blockchain_com(scratch: Path, case: st.DataObject,
                          skip_bad: bool) -> None:
    seed = case.draw(st.sampled_from(json_seeds("blockchain_com")))
    raw, applied = case.draw(mutated_json(seed))
    path = scratch / "chart.json"
    run("import blockchain-com", read_blockchain_com, path, raw, applied, skip_bad=skip_bad)


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans(),
       part=st.sampled_from(("auto", "hashrate", "difficulty")))
def test_fuzz_mempool(scratch: Path, case: st.DataObject,
                      skip_bad: bool, part: str) -> None:
    seed = case.draw(st.sampled_from(json_seeds("mempool")))
    raw, applied = case.draw(mutated_json(seed))
    path = scratch / "mempool.json"
    run("import mempool", read_mempool, path, raw, applied, skip_bad=skip_bad, part=part)
