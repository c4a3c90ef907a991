"""The ``hashwinter`` command: one typer app, one module per subcommand.

Errors a user causes (:class:`hashwinter.errors.HashwinterError`) are printed
as one line on stderr with exit status 2, never as a traceback.

Start-up is cheap: the subcommand modules import only typer, the standard library
and small modules at the top; numpy, pandas, DuckDB, SciPy, HiGHS, FastAPI and the
engine are imported inside the command that runs (``hashwinter --help`` loads none
of them; tests/cli/test_cli_startup.py checks it).
"""

from __future__ import annotations

import signal
import sys

#: Ctrl-Cs received by this process (see :func:`_on_sigint`).
_interrupts: list[int] = []


def _on_sigint(signum: int, frame: object) -> None:
    """Raise KeyboardInterrupt as Python's own handler does, and remember the Ctrl-C.

    Compiled libraries can turn the KeyboardInterrupt raised inside them into another
    error (pydantic-core into ``SchemaError``, pybind11 into ``ImportError``): knowing
    that a Ctrl-C arrived lets :func:`main` report it as one, not as a traceback.
    """
    _interrupts.append(signum)
    raise KeyboardInterrupt


if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _on_sigint)

try:
    # Importing typer and the subcommands' options takes a tenth of a second, and local
    # worker processes import this module too (spawn): a Ctrl-C meanwhile ends the
    # process quietly (status 130) instead of with a traceback per process.
    import typer

    from hashwinter.cli.backtest import backtest_command
    from hashwinter.cli.data import data_app
    from hashwinter.cli.machines import machines_app
    from hashwinter.cli.network import network_command
    from hashwinter.cli.plan import plan_command
    from hashwinter.cli.serve import serve_command
    from hashwinter.cli.shutdown import shutdown_command
    from hashwinter.cli.simulate import simulate_command, sweep_command
    from hashwinter.cli.story import story_command
    from hashwinter.errors import HashwinterError
except BaseException as exc:  # pragma: no cover - timing-dependent
    if not isinstance(exc, KeyboardInterrupt) and not _interrupts:
        raise
    # The command itself, not a spawned worker importing it as its main module (spawn
    # restores the parent's sys.argv there, so argv cannot tell them apart; workers start
    # with SIGINT blocked anyway, parallel.executors).
    if __name__ != "__mp_main__":
        sys.stderr.write("hashwinter: interrupted; nothing written\n")
    # CPython 3.11 remembers a KeyboardInterrupt that passed through an exec()/eval() of
    # a string (dataclasses, numpy and typing all do that while importing) and, at exit,
    # turns any exit status into death by SIGINT (-2): the next string eval clears it.
    eval("None")  # a constant string: resets CPython's unhandled-interrupt flag
    raise SystemExit(130) from None

__all__ = ["app", "main"]

app = typer.Typer(
    name="hashwinter",
    help="Proof-of-work mining economics: from one machine's shutdown price to a network's winter.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Proof-of-work mining economics: from one machine's shutdown price to a network's winter."""


app.command("shutdown")(shutdown_command)
app.command("backtest")(backtest_command)
app.add_typer(data_app, name="data")
app.add_typer(machines_app, name="machines")
app.command("simulate")(simulate_command)
app.command("sweep")(sweep_command)
app.command("plan")(plan_command)
app.command("network")(network_command)
app.command("serve")(serve_command)
app.command("story")(story_command)


def _print_error(line: str) -> None:
    """Print one line on stderr (rich is imported only now: most runs never need it here)."""
    from hashwinter.cli.consoles import stderr_console

    stderr_console().print(line, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    # Standalone mode lets typer handle usage errors (status 2) and --help; errors
    # hashwinter raises on purpose pass through and are printed here on one line. A
    # Ctrl-C is reported here alone, wherever it lands: typer turns one during parsing
    # or a command (which imports numpy, pandas... first) into a silent exit 130.
    try:
        app(args=argv, prog_name="hashwinter")
    except HashwinterError as exc:
        _print_error(f"hashwinter: error: {exc}")
        return 2
    except SystemExit as exc:
        if exc.code is None:
            return 0
        code = exc.code if isinstance(exc.code, int) else 1
        if code == 130:  # typer's exit for a KeyboardInterrupt in a command or the parsing
            return _interrupted()
        return code
    except KeyboardInterrupt:  # pragma: no cover - timing-dependent
        return _interrupted()  # before typer's own guard: while it reads the signatures
    except Exception:  # pragma: no cover - timing-dependent
        if _interrupts:  # a Ctrl-C that a compiled library turned into another error
            return _interrupted()
        raise
    return 0


def _interrupted() -> int:
    """Say that a Ctrl-C stopped the run; return its exit status, 130."""
    # Written without rich: a second Ctrl-C must not find us importing it. Every
    # command writes its outputs only once complete (or in one transaction).
    sys.stderr.write("hashwinter: interrupted; nothing written\n")
    # Exit 130, not death by SIGINT (see the import guard).
    eval("None")  # a constant string: resets CPython's unhandled-interrupt flag
    return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
