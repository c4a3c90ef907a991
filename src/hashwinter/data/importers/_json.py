"""JSON helpers: parse with line:column on syntax errors, and locate array elements.

API responses are often one long line; to report a bad element as
``file:line:column`` the positions of the elements of an array are recovered
by decoding it element by element (:func:`element_positions`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from hashwinter.errors import InputError

__all__ = ["element_positions", "load_json", "position"]

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def load_json(text: str, origin: str) -> Any:
    """Parse JSON text, or raise an InputError at the syntax error's line and column.

    Parameters
    ----------
    text : str
        JSON document.
    origin : str
        File name or URL for messages.

    Returns
    -------
    object
        The decoded document.

    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", source=origin, line=exc.lineno,
                         column=exc.colno) from None


def position(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based (line, column) of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def element_positions(text: str, key: str | None = None) -> list[tuple[int, int]]:
    """Return (line, column) of each element of a JSON array.

    Parameters
    ----------
    text : str
        The whole JSON document (already known to be valid).
    key : str, optional
        Name of the first key whose value is the array; None for a document
        that is itself an array.

    Returns
    -------
    list of (int, int)
        Position of each element's first character; empty if not found.

    """
    if key is None:
        start = _SPACE.match(text, 0)
        idx = start.end() if start else 0
    else:
        m = re.search(r'"' + re.escape(key) + r'"\s*:\s*', text)
        if m is None:
            return []
        idx = m.end()
    if idx >= len(text) or text[idx] != "[":
        return []
    idx += 1
    out: list[tuple[int, int]] = []
    while True:
        idx = _SPACE.match(text, idx).end()  # type: ignore[union-attr]
        if idx >= len(text) or text[idx] == "]":
            return out
        out.append(position(text, idx))
        _, idx = _DECODER.raw_decode(text, idx)
        idx = _SPACE.match(text, idx).end()  # type: ignore[union-attr]
        if idx < len(text) and text[idx] == ",":
            idx += 1
