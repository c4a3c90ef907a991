"""Find the line of a field of a TOML document, for errors that say ``file:line``.

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

from hashwinter.errors import InputError

__all__ = ["TomlLines", "parse_field_path", "toml_syntax_error"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_BARE = r"""(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_BARE}(?:\s*\.\s*{_BARE})*)\s*=")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+)\s*=""")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

Path = tuple[str | int, ...]


def parse_field_path(field: str) -> Path:
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
        self._lines: dict[Path, int] = {}
        self._counters: dict[Path, int] = {}
        counters = self._counters
        table: Path = ()
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

    def _resolve(self, names: list[str]) -> Path:
        """Resolve a header's parent names, entering the latest element of arrays of tables."""
        path: Path = ()
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
    """Return the error for a TOML syntax error, at its line and column.

    tomllib (Python 3.11) puts the position in the message only: ``(at line 3,
    column 7)``, or ``(at end of document)`` for a file cut short, which is
    given the last line of the file.
    """
    message = str(exc)
    line = column = None
    position = _TOML_POSITION.search(message)
    if position is not None:
        if position[1] is not None:
            line, column = int(position[1]), int(position[2])
        else:
            line = max(1, len(text.splitlines()))
        message = message[: position.start()]
    return InputError(f"invalid TOML: {message}", source=source, line=line, column=column)
