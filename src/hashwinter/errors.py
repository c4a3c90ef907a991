"""Errors hashwinter raises for bad input, and how they render on one line.

Every error a user can cause (a bad flag, a malformed catalog row, an unknown
model) is an :class:`InputError`. It names the field and, where the value came
from a file, the file, line and column, so the CLI can print one line and exit
with status 2 instead of a traceback.
"""

from __future__ import annotations

__all__ = ["HashwinterError", "InputError", "InputErrors", "not_utf8_error"]


class HashwinterError(Exception):
    """Base class of every error hashwinter raises on purpose."""


class InputError(HashwinterError, ValueError):
    """Bad input: a value, a field of a file, a name that does not exist.

    Parameters
    ----------
    message : str
        Why the input is wrong, e.g. ``"must be > 0"``.
    field : str, optional
        Dotted path of the offending field, e.g. ``"sites[1].tariff.price"``.
    source : str, optional
        File (or other origin) the value came from.
    line, column : int, optional
        1-based position in ``source``.

    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.source = source
        self.line = line
        self.column = column
        super().__init__(str(self))

    def location(self) -> str:
        """Return ``file:line:column`` (as much of it as is known), or ``""``."""
        parts = [p for p in (self.source, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        where = self.location()
        head = f"{where}: " if where else ""
        field = f"{self.field}: " if self.field else ""
        return f"{head}{field}{self.message}"


class InputErrors(HashwinterError, ValueError):
    """Several input errors found at once (all problems of a file are listed).

    Parameters
    ----------
    errors : list of InputError
        The individual problems, in the order they were found.

    """

    def __init__(self, errors: list[InputError]) -> None:
        if not errors:
            raise ValueError("InputErrors needs at least one error")
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return str(self.errors[0])
        lines = [f"{len(self.errors)} problems:"]
        lines.extend(f"  {e}" for e in self.errors)
        return "\n".join(lines)


def not_utf8_error(exc: UnicodeDecodeError, source: str) -> InputError:
    r"""Return the error for a file that is not UTF-8 text, at the line and column of the bad byte.

    Parameters
    ----------
    exc : UnicodeDecodeError
        The error of decoding the file's bytes.
    source : str
        The file.

    Examples
    --------
    >>> try:
    ...     b'name = "x"\nsite = "M\xfcnchen"'.decode("utf-8")
    ... except UnicodeDecodeError as exc:
    ...     print(not_utf8_error(exc, "farm.toml"))
    farm.toml:2:10: not UTF-8 text (byte 0xfc: invalid start byte); save the file as UTF-8

    """
    data = bytes(exc.object)
    head = data[: exc.start]
    line = head.count(b"\n") + 1
    column = exc.start - (head.rfind(b"\n") + 1) + 1
    return InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}: {exc.reason}); "
                      "save the file as UTF-8", source=source, line=line, column=column)
