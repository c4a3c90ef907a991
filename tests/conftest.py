"""Shared fixtures: where the real public data lives (see datafiles.py), hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from datafiles import SHARED_DATA, shared_data_dir, shared_data_file

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

__all__ = ["SHARED_DATA", "shared_data", "shared_data_file"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of full real public data files (skips, or fails where required, if absent)."""
    return shared_data_dir()
