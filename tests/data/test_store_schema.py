"""Store file location, schema version and migrations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hashwinter.data import HistoryStore, default_store_path, resolve_store_path
from hashwinter.data.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    Migration,
    migrate,
    schema_version,
)
from hashwinter.errors import InputError


def test_store_path_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("HASHWINTER_STORE", raising=False)
    assert default_store_path() == tmp_path / "xdg" / "hashwinter" / "history.duckdb"
    assert resolve_store_path() == default_store_path()
    monkeypatch.setenv("HASHWINTER_STORE", str(tmp_path / "env.duckdb"))
    assert resolve_store_path() == tmp_path / "env.duckdb"
    assert resolve_store_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_new_store_has_every_table_at_the_current_version(tmp_path):
    path = tmp_path / "deep" / "folder" / "h.duckdb"
    with HistoryStore.open(path, write=True) as st:
        assert schema_version(st.con) == SCHEMA_VERSION == len(MIGRATIONS)
        names = {r[0] for r in st.con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(TABLES) | {"schema_version"} <= names
    # Opening again (read-only, then for writing) applies nothing twice.
    with HistoryStore.open(path) as st:
        assert st.read_only and schema_version(st.con) == SCHEMA_VERSION
    with HistoryStore.open(path, write=True) as st:
        assert st.con.execute("SELECT count(*) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,)


def test_a_later_migration_upgrades_a_store_and_keeps_its_data(tmp_path):
    path = tmp_path / "h.duckdb"
    with HistoryStore.open(path, write=True) as st:
        st.con.execute("INSERT INTO fx_daily VALUES ('CNY', DATE '2018-11-23', 6.94732, 't')")
    step = Migration(len(MIGRATIONS) + 1, "add a note column",
                     ("ALTER TABLE fx_daily ADD COLUMN note VARCHAR DEFAULT ''",))
    con = duckdb.connect(str(path))
    try:
        assert migrate(con, (*MIGRATIONS, step)) == len(MIGRATIONS) + 1
        assert con.execute("SELECT per_usd, note FROM fx_daily").fetchall() == [(6.94732, "")]
        # This hashwinter only knows the released steps: the upgraded store is "newer".
        with pytest.raises(InputError, match="newer than this hashwinter understands"):
            migrate(con)
    finally:
        con.close()
    with pytest.raises(InputError, match="newer than this hashwinter"):
        HistoryStore.open(path)


def test_a_failing_migration_changes_nothing(tmp_path):
    path = tmp_path / "h.duckdb"
    HistoryStore.open(path, write=True).close()
    bad = Migration(len(MIGRATIONS) + 1, "broken",
                    ("CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL"))
    con = duckdb.connect(str(path))
    try:
        with pytest.raises(duckdb.Error):
            migrate(con, (*MIGRATIONS, bad))
        assert schema_version(con) == SCHEMA_VERSION
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'extra'").fetchone() == (0,)
    finally:
        con.close()


def test_missing_or_foreign_files(tmp_path):
    with pytest.raises(InputError, match="no history store here"):
        HistoryStore.open(tmp_path / "none.duckdb")
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError) as info:
        HistoryStore.open(junk)
    assert str(junk) in str(info.value)
    assert not Path(tmp_path / "none.duckdb").exists()  # reading never creates a store
