"""``hashwinter story winter-2018 --out DIR``: the story retold from data, as one report.

Options only (typer reads them at every start); the run is imported when the command runs:
:mod:`hashwinter.story.run`.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["story_command"]


class Scale(enum.StrEnum):
    """How large the network run is."""

    ci = "ci"
    full = "full"


def story_command(
    name: Annotated[str, typer.Argument(help="The story: winter-2018.", metavar="STORY",
                                        show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Folder for report.html, report.pdf, "
                                      "figures.csv/json and the tables (replaced whole).")],
    scale: Annotated[Scale, typer.Option(help="ci: the network with 150 farms; full: "
                                         "the scenario's 1,000.")] = Scale.full,
    store: Annotated[Path | None, typer.Option(
        help="History store to read (default: a new one built from --data).")] = None,
    data: Annotated[Path | None, typer.Option(
        help="Public data folder (default: $HASHWINTER_SHARED_DATA or ../shared/data).")] = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf",
                                      help="Print report.pdf with headless Chromium.")] = True,
) -> None:
    """Retell a story from data: every figure traced to its source and graded (docs/story.md)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from hashwinter.cli.consoles import stderr_console, stdout_console
    from hashwinter.story.run import run_story

    err = stderr_console()
    with Progress(TextColumn("[bold]story[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(name, total=None)

        def tick(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        result = run_story(name, out, scale=scale.value, store=store, data_dir=data, pdf=pdf,
                           progress=tick)
    console = stdout_console()
    v = result.verdicts
    console.print(f"figures: {v.get('pass', 0)} pass, {v.get('fail', 0)} fail, "
                  f"{v.get('reported', 0)} reported (flagged)", markup=False)
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    console.print(f"wrote {len(result.files)} files to {result.out} in {result.seconds:.0f} s",
                  markup=False)
