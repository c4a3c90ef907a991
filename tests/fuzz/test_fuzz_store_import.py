"""Fuzz imports into a store: a failed import leaves the store file byte-for-byte unchanged.

One small store is prepared per session (real BTC chain days, ECB rates and
machine prices). Every case imports a mutated real input with ``import_file``
into a copy of it (the copy is refreshed only after a case that wrote), or into
a store path that does not exist yet. A failure must be a located
:class:`~hashwinter.errors.HashwinterError` and leave the file exactly as it
was (same SHA-256, no write-ahead log; a new path stays absent); a success
must leave only finite, plausible values in the store (looked for in one
success in three).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

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

from hashwinter.data import HistoryStore, import_file
from hashwinter.data.plausible import store_problems
from hashwinter.errors import HashwinterError

#: Store-touching cases under the CI profile (the issue allows 1,000-2,000).
CASES = 1000

#: source -> (seed key, file name, options) of the import_file calls.
SOURCES: dict[str, tuple[str, str, dict[str, str]]] = {
    "coinmetrics": ("coinmetrics", "btc_daily.csv", {}),
    "ecb": ("ecb", "usd_cny_daily.csv", {}),
    "csv": ("price", "price.csv", {"series": "price"}),
    "machine-prices": ("machine-prices", "used_asic_prices.csv", {}),
    "blockchain-com": ("blockchain_com", "chart.json", {}),
    "mempool": ("mempool", "mempool.json", {}),
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Stores:
    """The prepared store, its digest, and a working copy that tracks whether it was written."""

    def __init__(self, folder: Path, shared: Path) -> None:
        self.pristine = folder / "pristine.duckdb"
        seeds = csv_seeds(shared)
        for source, key in (("coinmetrics", "coinmetrics"), ("ecb", "ecb"),
                            ("machine-prices", "machine-prices")):
            seed = folder / f"seed-{key}.csv"
            seed.write_text(seeds[key][0], encoding="utf-8")
            import_file(source, seed, store=self.pristine)
        self.digest = digest(self.pristine)
        self.work = folder / "work.duckdb"
        self.fresh = folder / "fresh.duckdb"
        shutil.copyfile(self.pristine, self.work)
        self.dirty = False

    def working_copy(self) -> Path:
        if self.dirty:
            shutil.copyfile(self.pristine, self.work)
            self.dirty = False
        return self.work


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Stores:
    return Stores(tmp_path_factory.mktemp("fuzz-store"), shared_data)


@st.composite
def import_case(draw: st.DrawFn, shared: Path) -> tuple[str, bytes, list[str]]:
    """A source and the bytes of a mutated real input for it."""
    source = draw(st.sampled_from(sorted(SOURCES)))
    key = SOURCES[source][0]
    if source in ("blockchain-com", "mempool"):
        raw, applied = draw(mutated_json(draw(st.sampled_from(json_seeds(key)))))
    else:
        raw, applied = draw(mutated_csv(draw(st.sampled_from(csv_seeds(shared)[key]))))
    return source, raw, applied


def assert_only_plausible(store: Path) -> None:
    with HistoryStore.open(store) as st_:
        assert store_problems(st_.con) == []


@fuzz_settings(CASES)
@given(case=st.data(), skip_bad=st.booleans(), fresh=st.integers(0, 9), verify=st.integers(0, 2))
def test_fuzz_import_into_store(stores: Stores, shared_data: Path, case: st.DataObject,
                                skip_bad: bool, fresh: int, verify: int) -> None:
    source, raw, applied = case.draw(import_case(shared_data))
    _, name, options = SOURCES[source]
    path = stores.work.parent / name
    path.write_bytes(raw)
    new_store = fresh == 0  # one case in ten imports into a store that does not exist yet
    store = stores.fresh if new_store else stores.working_copy()
    if new_store:
        store.unlink(missing_ok=True)
    before = None if new_store else digest(store)
    kwargs: dict[str, Any] = dict(options)
    try:
        import_file(source, path, store=store, skip_bad=skip_bad, **kwargs)
    except HashwinterError as exc:
        assert located(exc), f"{exc!r} names no field or line"
        if new_store:
            assert not store.exists(), "a failed import created the store"
        else:
            assert digest(store) == before == stores.digest, "a failed import changed the store"
        assert not store.with_name(store.name + ".wal").exists()
        record(f"store import {source}", outcome(exc))
        tried(applied, "error")
        return
    stores.dirty = stores.dirty or not new_store
    if verify == 0:
        # One success in three reopens the store to look for implausible values (an open
        # costs as much as the import; the frames were already checked before the write).
        assert_only_plausible(store)
    record(f"store import {source}", "ok")
    tried(applied, "ok")
