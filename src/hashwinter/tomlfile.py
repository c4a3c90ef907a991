"""TOML files for people: read and parse them, and find the line of each field.

The one place every TOML input goes through (farm, scenario, sites, machine
catalog and hedge configs, the web's farm uploads): :func:`read_toml` reads a file
(unreadable, not UTF-8: one located error), :func:`parse_toml` parses text (a
syntax error at its line and column, an integer of more than 4,300 digits or
arrays nested too deeply as one error), and :func:`locate` gives validation
errors the line of their field.

``tomllib`` reports positions only for syntax errors, so the text is scanned:
table headers (``[a.b]``, ``[[a]]`` with their running index) and ``key =``
lines give each dotted path (``sites[1].tariff.price``) the line where it is
written; keys of an inline table (``tariff = { price = 0.28 }``) map to the
line of the inline table. A path not written in the file (a missing field)
maps to its closest written ancestor (the table's header).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hashwinter.errors import InputError, not_utf8_error

__all__ = [
    "TomlLines",
    "locate",
    "parse_field_path",
    "parse_toml",
    "read_toml",
    "toml_syntax_error",
]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_BARE = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_BARE}(?:\s*\.\s*{_BARE})*)\s*=")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+)\s*=""")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

FieldPath = tuple[str | int, ...]


def parse_field_path(field: str) -> FieldPath:
    """Split ``"sites[1].tariff.price"`` into ``("sites", 1, "tariff", "price")``."""
    return tuple(int(m[2]) if m[2] is not None else m[1] for m in _PART.finditer(field))


def _split_key(key: str) -> list[str]:
    """Split a dotted TOML key on dots outside quotes."""
    outside_quotes = r"\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)"
    return [part.strip().strip("\"'") for part in re.split(outside_quotes, key)]


class TomlLines:
    """Map dotted field paths of a TOML document to 1-based line numbers.

    Parameters
    ----------
    text : str
        The document's text.

    """

    def __init__(self, text: str) -> None:
        self._lines: dict[FieldPath, int] = {}
        self._counters: dict[FieldPath, int] = {}
        counters = self._counters
        table: FieldPath = ()
        in_multiline: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if in_multiline is not None:  # skip the inside of multi-line strings
                if in_multiline in line:
                    in_multiline = None
                continue
            if not line or line.startswith("#"):
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                names = _split_key(header[2])
                if header[1] == "[[":
                    parent = self._resolve(names[:-1])
                    key = (*parent, names[-1])
                    index = counters.get(key, -1) + 1
                    counters[key] = index
                    table = (*key, index)
                else:
                    table = (*self._resolve(names[:-1]), names[-1])
                self._lines.setdefault(table, number)
                continue
            key_match = _KEY.match(line)
            if key_match:
                path = (*table, *_split_key(key_match[1]))
                self._lines.setdefault(path, number)
                rest = line[key_match.end():]
                for inline in _INLINE_KEY.finditer(rest):
                    self._lines.setdefault((*path, inline[1]), number)
                for quote in ('"""', "'''"):
                    if rest.count(quote) == 1:
                        in_multiline = quote

    def _resolve(self, names: list[str]) -> FieldPath:
        """Resolve a header's parent names, entering the latest element of arrays of tables."""
        path: FieldPath = ()
        for name in names:
            path = (*path, name)
            if path in self._counters:
                path = (*path, self._counters[path])
        return path

    def line(self, field: str | None) -> int | None:
        """Return the line of ``field`` or of its closest written ancestor, or None."""
        if not field:
            return None
        path = parse_field_path(field)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def toml_syntax_error(exc: tomllib.TOMLDecodeError, text: str, source: str) -> InputError:
    r"""Return the error for a TOML syntax error, at its line and column.

    tomllib (Python 3.11) puts the position in the message only: ``(at line 3,
    column 7)``, or ``(at end of document)`` for a file cut short, which is
    given the position just after the last character.

    Examples
    --------
    >>> try:
    ...     tomllib.loads('a = 1\n[[b')
    ... except tomllib.TOMLDecodeError as exc:
    ...     print(toml_syntax_error(exc, 'a = 1\n[[b', "f.toml"))
    f.toml:2:4: invalid TOML: Expected ']]' at the end of an array declaration

    """
    message = str(exc)
    line = column = None
    position = _TOML_POSITION.search(message)
    if position is not None:
        if position[1] is not None:
            line, column = int(position[1]), int(position[2])
        else:
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
        message = message[: position.start()]
    return InputError(f"invalid TOML: {message}", source=source, line=line, column=column)


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse a TOML document; every way it can fail is one :class:`InputError`.

    Raises
    ------
    InputError
        A syntax error (at its line and column), or a document tomllib cannot hold:
        an integer of more than 4,300 digits, arrays nested too deeply
        (``field="(document)"``).

    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_syntax_error(exc, text, source) from None
    except (ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"invalid TOML: {why}", source=source, field="(document)") from None


def read_toml(path: str | Path, *, what: str) -> tuple[dict[str, Any], str]:
    """Read and parse a TOML file; return its data and its text (for :func:`locate`).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for the message of an unreadable one (``"farm file"``).

    Raises
    ------
    InputError
        The file cannot be read, is not UTF-8 (at the bad byte) or not TOML
        (:func:`parse_toml`).

    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", source=source) from None
    except UnicodeDecodeError as exc:
        raise not_utf8_error(exc, source) from None
    return parse_toml(text, source), text


def locate(errors: Iterable[InputError], text: str | None, source: str | None
           ) -> list[InputError]:
    """Return the errors with ``source`` and the line of each one's field in ``text``.

    An error without a field, or without ``text``, keeps no line.
    """
    lines = TomlLines(text) if text is not None else None
    return [InputError(e.message, field=e.field, source=source,
                       line=lines.line(e.field) if lines is not None else None)
            for e in errors]
