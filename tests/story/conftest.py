"""The story run shared by the story tests: ``winter-2018`` at CI scale, once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from datafiles import shared_data_dir, shared_data_required


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder one CI-scale run wrote (no PDF here: test_story_pdf.py prints one)."""
    from hashwinter.story import run_story

    data = shared_data_dir()
    figures = data.parent / "story" / "figures.csv"
    if not figures.is_file():
        if shared_data_required():
            pytest.fail(f"needs {figures} [HASHWINTER_REQUIRE_SHARED/CI]", pytrace=False)
        pytest.skip(f"needs {figures}")
    out = tmp_path_factory.mktemp("story") / "winter"
    run_story("winter-2018", out, scale="ci", data_dir=data, pdf=False)
    return out
