"""Scenarios: TOML files that say what to simulate, and running them.

- :func:`load_scenario` — read and validate a file (every problem at once,
  ``file:line: field: message``); overrides of dotted keys for sweeps.
- :func:`parse_grid`, :func:`grid_overrides` — ``--grid key=v1,v2`` flags.
- :func:`run_blockclock` — run block-clock scenarios in seeded chunks on any
  executor; :func:`blockclock_summary` and friends — their report.
- :func:`run_farms` — Monte Carlo of farm scenarios on the engine;
  :func:`farm_summary`, :func:`farm_paybacks` and friends — P&L, VaR/CVaR, ruin, payback.
"""

from hashwinter.scenario.config import Scenario
from hashwinter.scenario.farmreport import (
    farm_fan,
    farm_html,
    farm_paths_frame,
    farm_paybacks,
    farm_summary,
    farm_tables,
    write_farm_outputs,
)
from hashwinter.scenario.farmrun import FarmPaths, PathRecorder, run_farm_scenarios, run_farms
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
    "FarmPaths",
    "LoadedScenario",
    "PathRecorder",
    "Scenario",
    "apply_overrides",
    "blockclock_html",
    "blockclock_job",
    "blockclock_paths",
    "blockclock_summary",
    "blockclock_table",
    "blockclock_trace",
    "farm_fan",
    "farm_html",
    "farm_paths_frame",
    "farm_paybacks",
    "farm_summary",
    "farm_tables",
    "grid_overrides",
    "load_scenario",
    "parse_grid",
    "run_blockclock",
    "run_farm_scenarios",
    "run_farms",
    "scenario_from_dict",
    "simulate_chunk",
    "write_blockclock_outputs",
    "write_farm_outputs",
]
