"""The ``hashwinter`` command line (typer + rich)."""
