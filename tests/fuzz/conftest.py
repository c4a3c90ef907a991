"""Print what every fuzz target hit at the end of the session."""

from __future__ import annotations

import pytest
from fuzzing import OUTCOMES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not OUTCOMES:
        return
    terminalreporter.section("fuzz outcomes")
    total = 0
    for target in sorted(OUTCOMES):
        counts = OUTCOMES[target]
        n = sum(counts.values())
        total += n
        kinds = ", ".join(f"{k}: {v}" for k, v in counts.most_common(8))
        terminalreporter.write_line(f"{target}: {n} cases ({kinds})")
    terminalreporter.write_line(f"total fuzz cases: {total}")
