"""The rich consoles every subcommand prints through.

Tables go to stdout; progress, notes and errors to stderr. When stdout is a file or a
pipe, rich would squeeze tables into 80 columns; a fixed wide console keeps them whole.
rich is imported when a console is made, not at ``hashwinter --help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["PIPED_WIDTH", "stderr_console", "stdout_console"]

#: Width of tables written to a file or a pipe. [characters]
PIPED_WIDTH: int = 200


def stdout_console() -> Console:
    """Return a console for results: the terminal's width, or :data:`PIPED_WIDTH` if piped."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=PIPED_WIDTH)
    return console


def stderr_console() -> Console:
    """Return a console for progress, notes and errors (lines never wrapped)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)
