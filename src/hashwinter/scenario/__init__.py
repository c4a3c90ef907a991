"""Scenarios: TOML files that say what to simulate, and running them.

- :func:`load_scenario` — read and validate a file (every problem at once,
  ``file:line: field: message``); overrides of dotted keys for sweeps.
- :func:`parse_grid`, :func:`grid_overrides` — ``--grid key=v1,v2`` flags.
- :func:`run_blockclock` — run block-clock scenarios in seeded chunks on any
  executor.
- :func:`blockclock_summary` and friends — the report.
"""

from hashwinter.scenario.config import Scenario
from hashwinter.scenario.load import (
    LoadedScenario,
    apply_overrides,
    grid_overrides,
    load_scenario,
    parse_grid,
    scenario_from_dict,
)
from hashwinter.scenario.report import (
    blockclock_html,
    blockclock_paths,
    blockclock_summary,
    blockclock_table,
    blockclock_trace,
    write_blockclock_outputs,
)
from hashwinter.scenario.run import (
    BlockClockChunk,
    BlockClockJob,
    blockclock_job,
    run_blockclock,
    simulate_chunk,
)

__all__ = [
    "BlockClockChunk",
    "BlockClockJob",
    "LoadedScenario",
    "Scenario",
    "apply_overrides",
    "blockclock_html",
    "blockclock_job",
    "blockclock_paths",
    "blockclock_summary",
    "blockclock_table",
    "blockclock_trace",
    "grid_overrides",
    "load_scenario",
    "parse_grid",
    "run_blockclock",
    "scenario_from_dict",
    "simulate_chunk",
    "write_blockclock_outputs",
]
