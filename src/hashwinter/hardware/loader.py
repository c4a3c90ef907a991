"""Read machine catalogs from CSV or TOML files, reporting every problem with its place.

A user catalog has the built-in catalog's fields (see docs/catalog.md). CSV: a
header line, then one machine per line; TOML: one ``[[machine]]`` table per
machine. All problems of a file are collected; one is raised as
:class:`~hashwinter.errors.InputError`, several as
:class:`~hashwinter.errors.InputErrors`, each naming ``file:line`` and the field,
e.g. ``my.csv:4: power_w: must be > 0 (got -5)``. TOML problems name the table
as ``machine[i]`` (0-based, in file order) and the line of its key where it
can be found.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware.catalog import Catalog, alias_collisions
from hashwinter.hardware.machine import Machine
from hashwinter.hardware.records import (
    FIELDS,
    HASHRATE_FIELDS,
    REQUIRED_FIELDS,
    machine_from_record,
)
from hashwinter.tomlfile import TomlLines, parse_toml

__all__ = ["load_catalog", "read_catalog_csv_text", "read_catalog_toml_text"]



def load_catalog(path: str | Path) -> Catalog:
    """Read a user machine catalog from a TOML or CSV file.

    Parameters
    ----------
    path : str or Path
        A ``.toml`` file of ``[[machine]]`` tables or a ``.csv`` file with a
        header line; the fields are those of the built-in catalog, hashrate given
        as ``hashrate_ths`` [TH/s] or ``hashrate_mhs`` [MH/s].

    Returns
    -------
    Catalog
        Only the file's machines; lay it over the built-in one with
        ``default_catalog().merged_with(load_catalog(path))``.

    Raises
    ------
    InputError
        When the file is missing, unreadable, of another type, or has one problem.
    InputErrors
        When it has several problems (all are listed, each with file:line:field).

    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.casefold()
    if suffix not in (".csv", ".toml"):
        raise InputError(
            f"a machine catalog must be a .toml or .csv file (got {path.name!r})", source=source
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 text ({exc.reason})", source=source, line=line,
                         column=column) from None
    if suffix == ".csv":
        return read_catalog_csv_text(text, source=source)
    return read_catalog_toml_text(text, source=source)


def _raise_all(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


def _finish(
    machines: list[Machine],
    places: list[tuple[str, int | None]],
    errors: list[InputError],
    source: str,
    describe: Sequence[str],
) -> Catalog:
    """Check names across rows, raise everything found, or build the catalog.

    ``places[i]`` is ``(field prefix, line)`` of ``machines[i]``; ``describe[i]``
    says where that row is, for messages about a clash with it.
    """
    for first, second, name in alias_collisions(machines):
        prefix, line = places[second]
        field = "model" if name == machines[second].model else "aliases"
        errors.append(
            InputError(
                f"{name!r} already names {machines[first].model!r} ({describe[first]})",
                field=f"{prefix}{field}",
                source=source,
                line=line,
            )
        )
    if not machines and not errors:
        errors.append(InputError("no machines in the file", source=source, field="machine"))
    errors.sort(key=lambda e: (e.line or 0))
    _raise_all(errors)
    return Catalog(machines)


# -- CSV ------------------------------------------------------------------------------------


def read_catalog_csv_text(text: str, *, source: str, builtin: bool = False) -> Catalog:
    """Parse a catalog in CSV form.

    Parameters
    ----------
    text : str
        The file's text: a header line naming the fields, then one machine per
        line. Blank lines and lines starting with ``#`` are skipped.
    source : str
        Name of the file, for messages.
    builtin : bool
        Whether this is the built-in catalog (every row must then give a source).

    Returns
    -------
    Catalog

    Raises
    ------
    InputError, InputErrors
        As :func:`load_catalog`; lines are the file's own line numbers.

    """
    # Strict: a quote that opens a field must close it, and only a comma may follow.
    reader = csv.reader(io.StringIO(text), strict=True)
    errors: list[InputError] = []
    header: list[str] | None = None
    machines: list[Machine] = []
    places: list[tuple[str, int | None]] = []
    last_line = 0
    while True:
        line = last_line + 1  # first line of this record (a quoted field may span lines)
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A quoted field that never closes (the csv module reads on to the end of the
            # file or its field limit), or text after a closing quote.
            errors.append(InputError(f"bad quoting from this line on (a stray '\"'?): {exc}",
                                     source=source, line=line))
            break
        last_line = reader.line_num
        if not row or not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().casefold() for cell in row]
            errors.extend(_check_header(header, source, line))
            if errors:
                break
            continue
        if len(row) != len(header):
            why = f"expected {len(header)} fields as in the header, got {len(row)}"
            if last_line > line:
                why += (f" (lines {line}-{last_line} read as one record: "
                        "a stray '\"' opens a quoted field)")
            errors.append(InputError(why, source=source, line=line))
            continue
        record = dict(zip(header, row, strict=True))
        machine, problems = machine_from_record(record, require_source=builtin)
        errors.extend(InputError(msg, field=f, source=source, line=line) for f, msg in problems)
        if machine is not None:
            machines.append(machine)
            places.append(("", line))
    if header is None and not errors:
        errors.append(InputError("empty file: expected a header line", source=source, line=1))
    describe = [f"line {line}" for _, line in places]
    return _finish(machines, places, errors, source, describe)


def _check_header(header: list[str], source: str, line: int) -> list[InputError]:
    errors = []
    seen: set[str] = set()
    for name in header:
        if name not in FIELDS:
            errors.append(
                InputError(
                    f"unknown column (expected some of {', '.join(FIELDS)})",
                    field=name or "(blank)",
                    source=source,
                    line=line,
                )
            )
        elif name in seen:
            errors.append(InputError("column given twice", field=name, source=source, line=line))
        seen.add(name)
    for name in REQUIRED_FIELDS:
        if name not in seen:
            errors.append(InputError("missing column", field=name, source=source, line=line))
    if not seen & set(HASHRATE_FIELDS):
        errors.append(
            InputError(
                "missing column (give hashrate_ths or hashrate_mhs)",
                field="hashrate_ths",
                source=source,
                line=line,
            )
        )
    return errors


# -- TOML -----------------------------------------------------------------------------------


def read_catalog_toml_text(text: str, *, source: str) -> Catalog:
    """Parse a catalog in TOML form: an array of ``[[machine]]`` tables.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        Name of the file, for messages.

    Returns
    -------
    Catalog

    Raises
    ------
    InputError, InputErrors
        As :func:`load_catalog`. A syntax error carries tomllib's line and column;
        a field problem names ``machine[i].field`` and, where it can be found,
        the line of the key (else of the table's header).

    """
    document = parse_toml(text, source)

    errors: list[InputError] = []
    for key in document:
        if key != "machine":
            errors.append(
                InputError(
                    "unknown top-level key (expected [[machine]] tables)", field=key, source=source
                )
            )
    tables = document.get("machine", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        errors.append(
            InputError(
                "must be an array of tables: write [[machine]]", field="machine", source=source
            )
        )
        tables = []
    lines = TomlLines(text)

    def locate(index: int, key: str) -> int | None:
        return lines.line(f"machine[{index}].{key}")

    machines: list[Machine] = []
    places: list[tuple[str, int | None]] = []
    for index, table in enumerate(tables):
        prefix = f"machine[{index}]."
        for key in table:
            if key not in FIELDS:
                errors.append(
                    InputError(
                        f"unknown field (expected some of {', '.join(FIELDS)})",
                        field=prefix + key,
                        source=source,
                        line=locate(index, key),
                    )
                )
        record: Mapping[str, object] = {k: v for k, v in table.items() if k in FIELDS}
        machine, problems = machine_from_record(record)
        errors.extend(
            InputError(msg, field=prefix + f, source=source, line=locate(index, f))
            for f, msg in problems
        )
        if machine is not None:
            machines.append(machine)
            places.append((prefix, locate(index, "model")))
    describe = [p.rstrip(".") for p, _ in places]
    return _finish(machines, places, errors, source, describe)
