"""Where the tests' real public data lives: ../shared/data, or the committed winter fixture.

Import it as ``from datafiles import ...`` (tests/ is on sys.path). It is not named
``conftest`` on purpose: every conftest.py is imported as the module ``conftest``, so
``from conftest import ...`` gets whichever conftest pytest loaded last.

* ``winter_data_file(name)``: ``tests/data/winter2018/`` (committed; Oct 2018 .. Mar 2019 of
  btc_daily.csv and usd_cny_daily.csv, verbatim rows, see its README.md). Use it whenever a
  test's window fits the winter: it runs on any clone.
* ``shared_data_file(name)``: the full files in ``../shared/data`` beside the repository
  (``HASHWINTER_SHARED_DATA`` overrides the folder). When a file is missing the test is
  skipped with a one-line reason, except where the full data is required
  (``HASHWINTER_REQUIRE_SHARED=1``, set by .ci/run, or ``CI=true``): there it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: ../shared/data beside the repository (see ../shared/data/SOURCES.md).
_DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_DATA = Path(os.environ.get("HASHWINTER_SHARED_DATA", _DEFAULT_SHARED_DATA))

#: The committed one-winter fixture (tests/data/winter2018/README.md, LICENSE).
WINTER_DATA = Path(__file__).resolve().parent / "data" / "winter2018"
#: First and last day of the fixture's btc_daily.csv (usd_cny_daily.csv: business days in it).
WINTER_FIRST, WINTER_LAST = "2018-10-01", "2019-03-31"


def shared_data_required() -> bool:
    """Return whether a missing ../shared/data must fail the run instead of skipping."""
    return (os.environ.get("HASHWINTER_REQUIRE_SHARED") == "1"
            or os.environ.get("CI", "").lower() == "true")


def _missing(what: Path) -> None:
    reason = f"needs the full real data: {what} is missing (set HASHWINTER_SHARED_DATA)"
    if shared_data_required():
        pytest.fail(reason + " [HASHWINTER_REQUIRE_SHARED/CI]", pytrace=False)
    # allow_module_level: a module that reads a file at import time is skipped whole
    # instead of erroring at collection; inside a test it skips just that test.
    pytest.skip(reason, allow_module_level=True)


def shared_data_file(name: str) -> Path:
    """Return the path of a full real data file; skip (or, where required, fail) if missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        _missing(path)
    return path


def shared_data_dir() -> Path:
    """Return the folder of full real data; skip (or, where required, fail) if missing."""
    if not SHARED_DATA.is_dir():
        _missing(SHARED_DATA)
    return SHARED_DATA


def winter_data_file(name: str) -> Path:
    """Return the path of a file of the committed winter-2018 fixture."""
    path = WINTER_DATA / name
    if not path.is_file():  # committed with the tests: missing means a broken checkout
        pytest.fail(f"test fixture missing: {path}", pytrace=False)
    return path
