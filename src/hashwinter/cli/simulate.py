"""``hashwinter simulate`` and ``hashwinter sweep``: Monte Carlo scenarios, locally or on Dask.

``simulate SCENARIO.toml`` runs one scenario; ``sweep SCENARIO.toml --grid
key=v1,v2 ...`` runs the Cartesian product of the grid (every point with the same
seeds). Farm scenarios print risk per farm (P&L, VaR/CVaR, probability of being
broke, payback); block-clock scenarios print block-time statistics per retarget
rule. Work goes in chunks to a local process pool, or to a Dask cluster with
``--cluster tcp://HOST:8786``; the numbers do not depend on where they ran.
Outputs are written to ``--out`` only when the run has finished (Ctrl-C leaves
nothing behind).

This module holds the options only (typer reads them at every start);
:mod:`hashwinter.cli.simulate_run` runs the commands, imported when one runs.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["SummaryFormat", "simulate_command", "sweep_command"]


class SummaryFormat(enum.StrEnum):
    """How the summary is printed."""

    table = "table"
    csv = "csv"
    json = "json"


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario TOML file.", show_default=False, metavar="SCENARIO.toml")
]
PathsOpt = Annotated[
    int | None, typer.Option("--paths", help="Number of paths (overrides the file).", min=1)
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Random seed (overrides the file).", min=0)
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Folder for the summary, per-path tables and the HTML report."),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", help="Local processes (default: all CPUs); ignored with --cluster.", min=1
    ),
]
ChunkOpt = Annotated[
    int | None, typer.Option("--chunk-paths", help="Paths per chunk (overrides the file).", min=1)
]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")]
FormatOpt = Annotated[SummaryFormat, typer.Option("--format", help="Form of the printed summary.")]
MemoryOpt = Annotated[
    str | None,
    typer.Option(
        "--memory-limit",
        help="Memory the run may plan to use, e.g. 8G (default: env HASHWINTER_MEMORY_LIMIT, "
        "else half of what this process may use: the cgroup limit or MemAvailable).",
        show_default=False,
    ),
]
GridOpt = Annotated[
    list[str],
    typer.Option("--grid", help="key=v1,v2,... (dotted key of the scenario file); repeatable."),
]


def simulate_command(
    scenario: ScenarioArg,
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    cluster: ClusterOpt = None,
    workers: WorkersOpt = None,
    chunk_paths: ChunkOpt = None,
    progress: ProgressOpt = True,
    fmt: FormatOpt = SummaryFormat.table,
    memory: MemoryOpt = None,
) -> None:
    """Run a Monte Carlo scenario and print its summary (per farm, or per retarget rule)."""
    from hashwinter.cli import simulate_run

    simulate_run.simulate(scenario, paths=paths, seed=seed, out=out, cluster=cluster,
                          workers=workers, chunk_paths=chunk_paths, progress=progress, fmt=fmt,
                          memory=memory)


def sweep_command(
    scenario: ScenarioArg,
    grid: GridOpt,
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    out: OutOpt = None,
    cluster: ClusterOpt = None,
    workers: WorkersOpt = None,
    chunk_paths: ChunkOpt = None,
    progress: ProgressOpt = True,
    fmt: FormatOpt = SummaryFormat.table,
    memory: MemoryOpt = None,
) -> None:
    """Run a scenario over a grid of parameter values (same seeds at every point).

    Keys farm.policy.<field>, farm.treasury.<field> and farm.tariff_scale change a farm's
    decisions only: they run on the engine's variant axis, in one pass per input point.
    """
    from hashwinter.cli import simulate_run

    simulate_run.sweep(scenario, grid, paths=paths, seed=seed, out=out, cluster=cluster,
                       workers=workers, chunk_paths=chunk_paths, progress=progress, fmt=fmt,
                       memory=memory)
