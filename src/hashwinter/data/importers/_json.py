"""JSON helpers: parse with line:column on syntax errors, and locate array elements.

API responses are often one long line; to report a bad element as
``file:line:column`` the positions of the elements of an array are recovered
by decoding it element by element (:func:`element_positions`).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from hashwinter.data.importers._parse import DAY_KIND, day_range_text, range_problem
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["element_positions", "load_json", "number_problem", "position", "shown",
           "unix_time_problem"]

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
    except ValueError as exc:
        # An integer of more than 4,300 digits (Python's int conversion limit).
        raise InputError(f"not valid JSON: {exc}", source=origin, field="(number)") from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", source=origin,
                         field="(nesting)") from None


def shown(value: Any, limit: int = 40) -> str:
    """``repr`` of a JSON value for a message, cut to ``limit`` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def number_problem(value: Any, kind: str, *, scale: float = 1.0, unit: str = "") -> str | None:
    """Why a JSON value is not a plausible number of ``kind``, or None when it is.

    Parameters
    ----------
    value : object
        The decoded JSON value.
    kind : str
        Registry kind (:mod:`hashwinter.ranges`), in base units.
    scale : float
        Base units per unit of the value (e.g. 1e12 for TH/s).
    unit : str
        The value's unit, for the message.

    Returns
    -------
    str or None
        E.g. ``"not a number: 'abc'"`` or ``"implausible: must be > 0 (got -1)"``.

    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"not a number: {shown(value)}"
    try:
        number = float(value)
    except OverflowError:
        return f"not a finite number: {shown(value)}"
    if not math.isfinite(number):
        return f"not a finite number: {shown(value)}"
    return range_problem(kind, number, scale, unit)


def unix_time_problem(value: Any) -> str | None:
    """Why a JSON value is not a plausible Unix time in seconds, or None when it is."""
    problem = number_problem(value, DAY_KIND, scale=1.0 / SECONDS_PER_DAY, unit="s")
    if problem is None:
        return None
    if problem.startswith("implausible"):
        return f"implausible Unix time {shown(value)} s: {day_range_text()}"
    return f"not a Unix time in seconds: {shown(value)}"


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
