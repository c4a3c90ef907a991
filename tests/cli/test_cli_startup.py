"""Start-up stays cheap: what `hashwinter --help` and `hashwinter shutdown` import.

Not a timed test (timings flake on a shared machine): the start-up budget of issue 10
(`--help` < 0.3 s, `shutdown` < 0.6 s of CPU; benchmarks/bench_startup.py measures it)
holds because the heavy libraries are imported only by the commands that use them.
Each check runs in a fresh interpreter, where nothing else has imported them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from hashwinter.cli.app import app
from hashwinter.data.fetch import FETCHERS
from hashwinter.data.importers import IMPORTERS
from hashwinter.data.sources import FETCH_SOURCES, IMPORT_SOURCES
from hashwinter.economics.table import shutdown_columns, shutdown_table
from hashwinter.reports.shutdown_view import to_rich_table
from hashwinter.state import WINTER_2018

SRC = Path(__file__).resolve().parents[2] / "src"
#: Libraries that each cost a tenth of a second or more to import.
HEAVY = ("numpy", "pandas", "duckdb", "scipy", "highspy", "fastapi", "plotly", "pyarrow",
         "numba", "httpx", "uvicorn", "distributed")


def imported_after(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; return which HEAVY modules it loaded, and its output."""
    probe = (
        "import contextlib, io, json, sys\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps({'heavy': heavy, 'out': out.getvalue()}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("code", [
    "import hashwinter",
    "import hashwinter.cli.app",
    "from hashwinter.cli.app import main\nmain(['--help'])",
    "from hashwinter.cli.app import main\nmain(['data', '--help'])",
    "from hashwinter.cli.app import main\nmain(['simulate', '--help'])",
])  # fmt: skip
def test_start_up_imports_no_heavy_library(code):
    assert imported_after(code)["heavy"] == []


def test_shutdown_table_needs_numpy_only():
    # The README's first command: the terminal table is drawn from the columns, no pandas.
    result = imported_after("from hashwinter.cli.app import main\nmain(['shutdown'])")
    assert "Antminer S9" in str(result["out"])
    assert result["heavy"] == ["numpy"]


def test_help_lists_every_command():
    out = str(imported_after("from hashwinter.cli.app import main\nmain(['--help'])")["out"])
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert sorted(n for n in names if n) == ["backtest", "data", "machines", "network", "plan",
                                             "serve",
                                             "shutdown", "simulate", "story", "sweep"]
    for name in names:
        assert f" {name} " in out, name
    data_help = str(imported_after(
        "from hashwinter.cli.app import main\nmain(['data', '--help'])")["out"])
    for name in ("import", "fetch", "status", "show", "check", "export", "add-machine-price",
                 "machine-prices"):
        assert f" {name} " in data_help, name


def test_lazy_names_resolve_and_are_listed():
    import hashwinter
    import hashwinter.data
    import hashwinter.web

    for module in (hashwinter, hashwinter.data, hashwinter.web):
        assert set(module.__all__) <= set(dir(module))
        for name in module.__all__:
            assert getattr(module, name) is not None, (module.__name__, name)
    assert hashwinter.block_subsidy(840_000) == 312_500_000  # the 2024 halving: 3.125 BTC
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = hashwinter.nope


def test_source_names_of_the_help_match_the_importers():
    assert tuple(IMPORTERS) == IMPORT_SOURCES
    assert tuple(FETCHERS) == FETCH_SOURCES


def test_terminal_table_from_columns_equals_from_frame():
    # A model twice, apart (groupby(sort=False) joins them), and free power (shutdown
    # price 0: the price is infinitely above it, drawn as "—").
    args = (["Antminer S9", "AvalonMiner 741", "Antminer S9"], np.array([14e12, 7.3e12, 14e12]),
            np.array([1372.0, 1150.0, 1372.0]), (0.0, 0.4), WINTER_2018)

    def render(table) -> str:
        console = Console(record=True, width=250, file=io.StringIO())
        console.print(to_rich_table(table, WINTER_2018, 0.02))
        return console.export_text()

    from_frame = render(shutdown_table(*args, pool_fee=0.02))
    assert render(shutdown_columns(*args, pool_fee=0.02)) == from_frame
    assert from_frame.count("Antminer S9") == 1 and "—" in from_frame
