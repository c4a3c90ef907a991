"""The figures table's specification (figures.csv) and its grading rule.

figures.csv fixes, per figure of the story, what to compute and how it is graded, so the
table cannot grade itself: :func:`grade` applies the row's ``check`` with its ``lo`` and
``hi`` to the value(s) a section computed, and nothing else.

* ``rel``: computed / story_value within [lo, hi];
* ``abs``: computed − story_value within [lo, hi];
* ``range``: computed within [lo, hi];
* ``set``: the stated set holds (the section computes 1 if it holds, 0 if not);
* ``flagged``: the story's figure looks garbled: reported, not graded.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

from hashwinter.errors import InputError

__all__ = ["CHECKS", "FigureSpec", "grade", "graded_quantity", "read_figures"]

CHECKS = ("rel", "abs", "range", "set", "flagged")


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    """One row of figures.csv (``story_value`` in ``unit``; lo/hi NaN where empty)."""

    id: str
    seed_section: str
    story_says: str
    story_value: float
    unit: str
    what_to_compute: str
    check: str
    lo: float
    hi: float
    note: str


def _number(text: str, field: str, where: str) -> float:
    if text.strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise InputError(f"not a number: {text!r}", field=field, source=where) from None


def read_figures(path: Path) -> list[FigureSpec]:
    """Read figures.csv; a bad row is an InputError naming the file, line and field."""
    if not path.is_file():
        raise InputError(f"no such file: {path}", field="figures")
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{path}:{line}"
            check = row.get("check", "")
            if check not in CHECKS:
                raise InputError(f"unknown check {check!r} (one of {', '.join(CHECKS)})",
                                 field="check", source=where)
            spec = FigureSpec(
                id=row["id"], seed_section=row["seed_section"], story_says=row["story_says"],
                story_value=_number(row["story_value"], "story_value", where),
                unit=row["unit"], what_to_compute=row["what_to_compute"], check=check,
                lo=_number(row["lo"], "lo", where), hi=_number(row["hi"], "hi", where),
                note=row.get("note", ""))
            if check in ("rel", "abs", "range") and not spec.lo <= spec.hi:
                raise InputError("needs lo <= hi", field="lo", source=where)
            rows.append(spec)
    return rows


def graded_quantity(spec: FigureSpec, value: float) -> float:
    """Return what the row's check compares with [lo, hi]: ratio, difference or the value itself."""
    if spec.check == "rel":
        return value / spec.story_value
    if spec.check == "abs":
        return value - spec.story_value
    return value


def grade(spec: FigureSpec, values: Sequence[float]) -> str:
    """Return ``"pass"``, ``"fail"`` or ``"reported"`` (flagged rows) for the computed values.

    Every value must pass (a figure computed at two tariffs passes at both); a missing or
    non-finite value fails.
    """
    if spec.check == "flagged":
        return "reported"
    if not values or not all(math.isfinite(v) for v in values):
        return "fail"
    if spec.check == "set":
        return "pass" if all(v == 1 for v in values) else "fail"
    ok = all(spec.lo <= graded_quantity(spec, v) <= spec.hi for v in values)
    return "pass" if ok else "fail"
