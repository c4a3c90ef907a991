"""The ``hashwinter`` command: one typer app, one module per subcommand.

Errors a user causes (:class:`hashwinter.errors.HashwinterError`) are printed
as one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console

from hashwinter.cli.shutdown import shutdown_command
from hashwinter.errors import HashwinterError

__all__ = ["app", "main"]

app = typer.Typer(
    name="hashwinter",
    help="Proof-of-work mining economics: from one machine's shutdown price to a network's winter.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("shutdown")(shutdown_command)

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        result = app(args=argv, prog_name="hashwinter", standalone_mode=False)
    except HashwinterError as exc:
        _stderr.print(f"hashwinter: error: {exc}", markup=False)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        _stderr.print("hashwinter: aborted", markup=False)
        return 130
    except click.exceptions.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
