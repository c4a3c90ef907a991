"""``hashwinter network SCENARIO.toml``: the whole network through a winter.

Options only (typer reads them at every start); the run is imported when the command
runs: :mod:`hashwinter.network.dynamics` and :mod:`hashwinter.network.report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["network_command"]


def network_command(
    scenario: Annotated[Path, typer.Argument(help="Network scenario TOML file.",
                                             show_default=False, metavar="SCENARIO.toml")],
    paths: Annotated[int, typer.Option("--paths", help="Price paths (GBM scenarios).",
                                       min=1)] = 1,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the tables (CSV) and the HTML report.")] = None,
) -> None:
    """Simulate the network's farms, their second-hand market and the difficulty."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hashwinter.cli.consoles import stderr_console, stdout_console
    from hashwinter.network.config import load_network_scenario
    from hashwinter.network.dynamics import run_network
    from hashwinter.network.report import summary_lines, write_outputs

    loaded, folder = load_network_scenario(scenario)
    err = stderr_console()
    days = (loaded.end - loaded.start).days + 1
    with Progress(TextColumn("[bold]network[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} days"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(loaded.name, total=days)
        run = run_network(loaded, folder, n_paths=paths,
                          progress=lambda done: bar.update(task, completed=done))
    console = stdout_console()
    for line in summary_lines(run):
        console.print(line, markup=False)
    if out is not None:
        files = write_outputs(run, out)
        console.print(f"wrote {len(files)} files to {out}", markup=False)
