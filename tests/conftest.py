"""Shared fixtures: where the real public data lives, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

#: ../shared/data beside the repository (see ../shared/data/SOURCES.md); the
#: HASHWINTER_SHARED_DATA variable overrides it.
_DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("HASHWINTER_SHARED_DATA", _DEFAULT_SHARED_DATA))


def shared_data_file(name: str) -> Path:
    """Return the path of a real data file; fail loudly (never skip) if it is missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        pytest.fail(f"real data file missing: {path} (set HASHWINTER_SHARED_DATA)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data files used by tests."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data folder missing: {SHARED_DATA}", pytrace=False)
    return SHARED_DATA
