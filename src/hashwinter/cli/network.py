"""``hashwinter network SCENARIO.toml``: the whole network through a winter.

Options only (typer reads them at every start); the run is imported when the command
runs: :mod:`hashwinter.network.dynamics` and :mod:`hashwinter.network.report`. Paths
run in chunks (``--chunk-paths``): here one after the other, on a local process pool
(``--workers``) or on a Dask cluster (``--cluster tcp://HOST:8786``); the numbers do
not depend on the chunking or on where the chunks ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashwinter.cli.simulate import ClusterOpt

__all__ = ["DEFAULT_CHUNK_PATHS", "network_command"]

#: Paths per chunk by default: at the 2018 network's 10⁴ cohorts a chunk's (paths, cohorts)
#: arrays are 10⁶ cells (8 MB each), so a step's temporaries stay a few hundred MB.
DEFAULT_CHUNK_PATHS = 100


def network_command(
    scenario: Annotated[Path, typer.Argument(help="Network scenario TOML file.",
                                             show_default=False, metavar="SCENARIO.toml")],
    paths: Annotated[int, typer.Option("--paths", help="Price paths (GBM scenarios).",
                                       min=1)] = 1,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the tables (CSV) and the HTML report.")] = None,
    chunk_paths: Annotated[int, typer.Option(
        "--chunk-paths", help="Paths per chunk (memory is one chunk's).",
        min=1)] = DEFAULT_CHUNK_PATHS,
    cluster: ClusterOpt = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="Local processes for the chunks (1: this process); "
        "ignored with --cluster.", min=1)] = 1,
) -> None:
    """Simulate the network's farms, their second-hand market and the difficulty."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hashwinter.cli.consoles import stderr_console, stdout_console
    from hashwinter.network.config import load_network_scenario
    from hashwinter.network.dynamics import chunk_count, run_network
    from hashwinter.network.report import summary_lines, write_outputs
    from hashwinter.parallel import open_executor

    loaded, folder = load_network_scenario(scenario)
    err = stderr_console()
    days = (loaded.end - loaded.start).days + 1
    chunks = chunk_count(paths, chunk_paths)
    if cluster is not None or (workers > 1 and chunks > 1):
        # The chunks run elsewhere: the bar advances per finished chunk (run_chunks).
        with open_executor(cluster, workers=workers) as executor:
            run = run_network(loaded, folder, n_paths=paths, chunk_paths=chunk_paths,
                              executor=executor)
    else:
        with Progress(TextColumn("[bold]network[/] {task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} days"
                                 + ("" if chunks == 1 else f" ({chunks} chunks)")),
                      TimeElapsedColumn(), console=err, transient=True,
                      disable=not err.is_terminal) as bar:
            task = bar.add_task(loaded.name, total=days * chunks)
            run = run_network(loaded, folder, n_paths=paths, chunk_paths=chunk_paths,
                              progress=lambda done: bar.update(task, completed=done))
    console = stdout_console()
    for line in summary_lines(run):
        console.print(line, markup=False)
    if out is not None:
        files = write_outputs(run, out)
        console.print(f"wrote {len(files)} files to {out}", markup=False)
