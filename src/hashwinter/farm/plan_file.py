"""Plan files: the moves of ``hashwinter plan --out`` (``plan_moves.csv``), read and checked.

Each row takes ``count`` machines of a fleet item (named as the planner names
it, :func:`plan_cohort_label`) from one site to another on the first day of
``month``. :func:`read_plan_moves` checks the file on its own (columns, cells);
:mod:`hashwinter.farm.plan_schedule` checks it against a farm.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.config import FleetItem

__all__ = ["PLAN_COLUMNS", "PlanRow", "plan_cohort_label", "read_plan_moves"]

#: Columns of a moves file, as ``hashwinter plan --out`` writes them.
PLAN_COLUMNS = ("cohort", "from_site", "to_site", "month", "count")


def plan_cohort_label(item: FleetItem) -> str:
    """Return the name a plan gives a fleet item (its label, else model @ site date)."""
    return item.label or f"{item.model} @ {item.site} {item.purchase_date}"


@dataclasses.dataclass(frozen=True)
class PlanRow:
    """One move of a plan.

    Attributes
    ----------
    line : int
        Line of the moves file (the header is line 1).
    cohort, from_site, to_site : str
    month : numpy.datetime64
        Month of the move (``datetime64[M]``); it happens on its first day.
    count : int
        Machines moved. [machines]

    """

    line: int
    cohort: str
    from_site: str
    to_site: str
    month: np.datetime64
    count: int


def _parse_month(text: str) -> np.datetime64:
    try:
        day = dt.date.fromisoformat(text) if len(text) > 7 else None
        month = np.datetime64(text[:7], "M")
    except ValueError:
        raise ValueError(f"must be a month YYYY-MM or its first day YYYY-MM-01 (got {text!r})"
                         ) from None
    if day is not None and day.day != 1:
        raise ValueError(f"must be the first day of a month: moves happen on it (got {text!r})")
    return month


def _parse_count(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"must be a whole number of machines (got {text!r})") from None
    if not math.isfinite(value) or not value.is_integer():
        raise ValueError(f"must be a whole number of machines (got {text!r})")
    if value < 1:
        raise ValueError(f"must be >= 1 machine (got {text!r})")
    return int(value)


def read_plan_moves(path: str | Path) -> tuple[PlanRow, ...]:
    """Read a moves file (``cohort, from_site, to_site, month, count``).

    Raises
    ------
    InputError, InputErrors
        An unreadable file, a missing column, or bad cells (each with its line
        and column name).

    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read moves file: {exc.strerror or exc}", source=source
                         ) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", source=source) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (a moves file has {', '.join(PLAN_COLUMNS)})",
                         source=source, line=1)
    col = {c: header.index(c) for c in PLAN_COLUMNS}
    rows: list[PlanRow] = []
    errors: list[InputError] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * len(header)
        values: dict[str, Any] = {}
        for name in PLAN_COLUMNS:
            cell = cells[col[name]]
            try:
                if name == "month":
                    values[name] = _parse_month(cell)
                elif name == "count":
                    values[name] = _parse_count(cell)
                elif not cell:
                    raise ValueError("is empty")
                else:
                    values[name] = cell
            except ValueError as exc:
                errors.append(InputError(str(exc), field=name, source=source, line=line))
        if len(values) == len(PLAN_COLUMNS):
            if values["from_site"] == values["to_site"]:
                errors.append(InputError(f"is from_site ({values['to_site']!r}): a move goes "
                                         "to another site", field="to_site", source=source,
                                         line=line))
            else:
                rows.append(PlanRow(line=line, **values))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return tuple(rows)
