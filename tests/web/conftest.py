"""Fixtures of the web tests: a store of real data, an app with a running job manager.

tests/web is a package, so this module is ``web.conftest`` and does not shadow the root
``conftest`` that tests/data/store_helpers.py imports.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from web.helpers import LiveServer, make_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from store_helpers import build_winter_store


@pytest.fixture(scope="session")
def winter_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real BTC history and ECB USD/CNY rates (read-only)."""
    return build_winter_store(tmp_path_factory, full=True)


@pytest.fixture(scope="module")
def client(winter_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with a running job manager (one pool process), shared by a test module."""
    with make_client(winter_store, tmp_path_factory.mktemp("jobs"), run_jobs=True) as c:
        yield c


@pytest.fixture(scope="session")
def live(winter_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``hashwinter serve`` on 127.0.0.1 for the browser and schemathesis tests."""
    server = LiveServer(winter_store, tmp_path_factory.mktemp("live") / "jobs",
                        "--job-workers", "2")
    yield server
    server.stop()
