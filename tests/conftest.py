"""Shared fixtures: where the real public data lives (see datafiles.py), hypothesis profiles."""

from __future__ import annotations

import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from datafiles import SHARED_DATA, shared_data_dir, shared_data_file

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

__all__ = ["SHARED_DATA", "SMOKE", "shared_data", "shared_data_file"]

#: The smoke set (``pytest -m smoke``): a quick cross-section of every package, which .ci/run
#: runs on the dependency floors. Paths relative to the repository, by prefix.
SMOKE = (
    "src/hashwinter/chain/", "src/hashwinter/economics/",  # doctests
    "tests/chain/", "tests/economics/",
    "tests/hardware/test_hardware_catalog.py", "tests/energy/test_tariff_",
    "tests/energy/test_fx_series.py",
    "tests/data/test_store_network.py", "tests/data/test_store_check.py",
    "tests/engine/test_engine_vs_loop.py",
    "tests/farm/test_farm_backtest.py", "tests/farm/test_backtest_cli.py",
    "tests/reports/", "tests/cli/test_cli_shutdown.py",
    "tests/scenario/test_scenario_load.py", "tests/parallel/test_parallel_dask.py",
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of full real public data files (skips, or fails where required, if absent)."""
    return shared_data_dir()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the smoke set (see SMOKE)."""
    for item in items:
        try:
            where = item.path.relative_to(config.rootpath).as_posix()
        except ValueError:  # a file outside the repository
            continue
        if where.startswith(SMOKE):
            item.add_marker(pytest.mark.smoke)


#: Fuzz outcomes the xdist workers sent back (target -> outcome -> count), merged on the
#: controller; empty in a run without workers (``-n 0``), where fuzzing.OUTCOMES holds them.
WORKER_OUTCOMES: defaultdict[str, Counter[str]] = defaultdict(Counter)


def _own_outcomes() -> dict[str, Counter[str]]:
    """The fuzz outcomes counted in this process (tests/fuzz/fuzzing.py), or none."""
    fuzzing = sys.modules.get("fuzzing")
    return dict(getattr(fuzzing, "OUTCOMES", None) or {})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, hand this worker's fuzz outcomes to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_outcomes"] = {t: dict(c) for t, c in _own_outcomes().items()}


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when pytest-xdist is not loaded
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the controller, add up the fuzz outcomes of a worker that finished."""
    for target, counts in getattr(node, "workeroutput", {}).get("fuzz_outcomes", {}).items():
        WORKER_OUTCOMES[target].update(counts)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what every fuzz target hit (tests/fuzz/fuzzing.py counts the outcomes).

    The hook lives here, not in tests/fuzz/conftest.py: every conftest.py is imported as
    the module ``conftest``, and a second one would shadow this file's names. Under
    xdist the workers count and the controller prints their sum.
    """
    outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for source in (_own_outcomes(), WORKER_OUTCOMES):
        for target, counts in source.items():
            outcomes[target].update(counts)
    if not outcomes:
        return
    terminalreporter.section("fuzz outcomes")
    total = 0
    for target in sorted(outcomes):
        counts = outcomes[target]
        n = sum(counts.values())
        total += n
        kinds = ", ".join(f"{k}: {v}" for k, v in counts.most_common(8))
        terminalreporter.write_line(f"{target}: {n} cases ({kinds})")
    terminalreporter.write_line(f"total fuzz cases: {total}")
