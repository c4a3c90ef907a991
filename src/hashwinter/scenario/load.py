"""Read a scenario file, apply overrides, and report every problem with file and line.

``load_scenario(path)`` parses the TOML, validates it (all problems at once, each
``file:line: field: message``) and returns a :class:`LoadedScenario`.
``parse_grid`` and ``grid_overrides`` turn ``--grid key=v1,v2`` flags into the
list of override sets a sweep runs; ``load_scenario(path, overrides=...)`` sets
dotted keys (``price.sigma_per_day``) before validation.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hashwinter.errors import InputError, InputErrors
from hashwinter.scenario.config import Scenario, cross_field_problems
from hashwinter.tomlfile import TomlLines, parse_field_path, read_toml
from hashwinter.validation import input_errors_from_validation

__all__ = [
    "LoadedScenario",
    "apply_overrides",
    "grid_overrides",
    "load_scenario",
    "parse_grid",
    "scenario_from_dict",
]

# A part may be an index (``farm.policies.0.fee``: the first [[policies]] entry).
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$")


@dataclasses.dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario and where it came from.

    Attributes
    ----------
    config : Scenario
        The validated scenario.
    source : str
        File it was read from (or ``"<string>"``).
    base_dir : Path
        Folder that relative paths in the file are resolved against.
    overrides : tuple of (str, object)
        Dotted keys set on top of the file (a sweep's grid point), in order.

    """

    config: Scenario
    source: str
    base_dir: Path
    overrides: tuple[tuple[str, Any], ...] = ()


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``data`` with dotted keys set, e.g. ``{"price.s0": 3000.0}``.

    Missing tables on the way are created; a key through a non-table fails.
    """
    out = copy.deepcopy(dict(data))
    for key, value in overrides.items():
        if not _KEY.match(key):
            raise InputError(f"not a dotted key: {key!r}", field=key, source="--grid")
        parts = key.split(".")
        node: dict[str, Any] = out
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: i + 1])
                raise InputError(f"{where} is not a table", field=key, source="--grid")
            node = child
        node[parts[-1]] = value
    return out


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    source: str = "<string>",
    text: str | None = None,
    base_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    flags: Mapping[str, str] | None = None,
) -> LoadedScenario:
    """Validate a parsed scenario; raise :class:`InputErrors` listing every problem.

    Parameters
    ----------
    data : mapping
        Parsed TOML.
    source : str
        File name for the errors.
    text : str, optional
        The file's text, to give each error its line.
    base_dir : Path, optional
        Folder for relative paths (default: the current folder).
    overrides : mapping, optional
        Dotted keys to set before validation.
    flags : mapping, optional
        The command-line flag each override key came from (``{"paths": "--paths"}``): an
        error in it names the flag. Other overrides are named as ``--grid`` values.

    Returns
    -------
    LoadedScenario

    """
    merged = apply_overrides(data, overrides or {})
    errors: list[InputError] = []
    config: Scenario | None = None
    try:
        config = Scenario.model_validate(merged)
    except ValidationError as exc:
        errors.extend(input_errors_from_validation(exc, data=merged).errors)
    if config is not None:
        errors.extend(cross_field_problems(config))
    if errors:
        errors = [_without_union_tag(e, merged) for e in errors]
        lines = TomlLines(text) if text is not None else None
        given = set((overrides or {}).keys())
        located = []
        for e in errors:
            key = next((k for k in given if e.field is not None
                        and (e.field == k or e.field.startswith(k + "."))), None)
            if key is not None and flags and key in flags:
                located.append(InputError(e.message, field=flags[key]))
                continue
            from_grid = key is not None
            located.append(
                InputError(
                    e.message,
                    field=e.field,
                    source="--grid" if from_grid else source,
                    line=None if from_grid or lines is None else lines.line(e.field),
                )
            )
        raise InputErrors(located)
    assert config is not None
    return LoadedScenario(
        config=config,
        source=source,
        base_dir=base_dir if base_dir is not None else Path.cwd(),
        overrides=tuple((overrides or {}).items()),
    )


def _without_union_tag(error: InputError, data: Mapping[str, Any]) -> InputError:
    """Drop a trailing union tag: ``price.gbm: ...`` (a section check) becomes ``price: ...``."""
    if not error.field:
        return error
    parts = parse_field_path(error.field)
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return error
    last = parts[-1]
    if isinstance(node, Mapping) and last not in node and last in node.values():
        field = error.field[: error.field.rfind(".")] if "." in error.field else None
        return InputError(error.message, field=field, source=error.source)
    return error


def load_scenario(
    path: str | Path, *, overrides: Mapping[str, Any] | None = None,
    flags: Mapping[str, str] | None = None,
) -> LoadedScenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The file.
    overrides : mapping, optional
        Dotted keys to set before validation (``{"paths": 100}``).
    flags : mapping, optional
        The flag each override key came from, named in its errors (see
        :func:`scenario_from_dict`).

    Returns
    -------
    LoadedScenario

    Raises
    ------
    InputError
        The file cannot be read or is not valid TOML (with line and column).
    InputErrors
        Every validation problem, each with field, file and line.

    """
    data, text = read_toml(path, what="scenario")
    return scenario_from_dict(
        data,
        source=str(path),
        text=text,
        base_dir=Path(path).resolve().parent,
        overrides=overrides,
        flags=flags,
    )


def _parse_value(text: str) -> Any:
    """Parse one grid value as a TOML value (number, bool, string, date), else a bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_grid(specs: Sequence[str]) -> list[tuple[str, list[Any]]]:
    """Parse ``--grid key=v1,v2,...`` flags into ``[(key, [v1, v2, ...]), ...]``.

    Values are read as TOML (``0.02`` a float, ``100`` an int, ``true`` a bool);
    anything else is a string (``bitcoin``).
    """
    grid: list[tuple[str, list[Any]]] = []
    seen: set[str] = set()
    for spec in specs:
        key, sep, values = spec.partition("=")
        key = key.strip()
        if not sep or not key or not values.strip():
            raise InputError(f"expected key=v1,v2,... (got {spec!r})", source="--grid")
        if not _KEY.match(key):
            raise InputError(f"not a dotted key: {key!r}", source="--grid")
        if key in seen:
            raise InputError("given twice", field=key, source="--grid")
        seen.add(key)
        parsed = [_parse_value(v.strip()) for v in values.split(",") if v.strip()]
        grid.append((key, parsed))
    return grid


def grid_overrides(grid: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
    """Return the Cartesian product of a grid as override dicts, first key slowest."""
    if not grid:
        return [{}]
    keys = [k for k, _ in grid]
    return [
        dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in grid))
    ]
