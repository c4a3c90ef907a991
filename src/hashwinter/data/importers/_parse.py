"""Shared parsing: CSV rows with their line numbers, cell checks, bad-row reports.

Importers read a file into a :class:`CsvTable` (cells as strings, with the line
each record starts on), convert columns with :func:`parse_numbers` and
:func:`parse_dates`, and record every bad cell in a :class:`BadRows`. At the end
:meth:`BadRows.finish` either raises one :class:`~hashwinter.errors.InputErrors`
listing every bad row as ``file:line:column: field: why`` (up to a limit) or,
with ``skip_bad``, returns those messages and lets the importer drop the rows.

Columns in messages are 1-based CSV field numbers (the header names the field).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hashwinter.errors import InputError, InputErrors
from hashwinter.ranges import get_range

__all__ = [
    "MAX_REPORTED",
    "MISSING",
    "BadRows",
    "CsvTable",
    "Skipped",
    "day_out_of_range",
    "day_range_text",
    "decode_bytes",
    "missing_mask",
    "parse_dates",
    "parse_numbers",
    "range_problem",
    "read_csv_table",
    "read_text",
    "reject_duplicates",
]

#: How many bad rows one error report lists before summarising the rest.
MAX_REPORTED = 25
#: Cell texts that mean "no value".
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ].*)?$")
#: Registry kind every stored day must lie in (see :mod:`hashwinter.ranges`).
DAY_KIND = "history_day"


class Skipped(list[str]):
    """Messages about dropped bad rows (capped); ``rows`` counts every dropped row."""

    rows: int = 0


class BadRows:
    """Collects bad cells of one file: row, position (line, column), field and why.

    A *row* is the key used to drop bad records: the line number for CSV
    files, the element index for JSON arrays (whose elements may share a line).

    Parameters
    ----------
    origin : str
        File name or URL, the ``file`` of ``file:line:column``.
    limit : int
        Most errors listed in a report; the rest are counted in a last line.

    """

    def __init__(self, origin: str, limit: int = MAX_REPORTED) -> None:
        self.origin = origin
        self.limit = limit
        self._items: list[tuple[int, int | None, int | None, str | None, str]] = []

    def add(
        self,
        line: int | None,
        column: int | None,
        field: str | None,
        why: str,
        *,
        row: int | None = None,
    ) -> None:
        """Record one bad cell (a whole bad record when ``column`` is None).

        Parameters
        ----------
        line, column : int or None
            1-based position in the file.
        field : str or None
            Field name (CSV header) or path (``values[3].y``).
        why : str
            What is wrong.
        row : int, optional
            Record key for dropping it (default: ``line``).

        """
        key = row if row is not None else line
        if key is None:
            raise ValueError("a bad row needs a line or a row key")
        self._items.append((int(key), line, column, field, why))

    def add_where(
        self,
        mask: np.ndarray,
        lines: np.ndarray,
        column: int | None,
        field: str | None,
        texts: np.ndarray | None,
        why: str,
    ) -> None:
        """Record every CSV row where ``mask`` is true; ``why`` may use ``{value}``.

        Parameters
        ----------
        mask : ndarray of bool
            Which rows are bad.
        lines : ndarray of int
            Line number of each row.
        column : int or None
            1-based CSV column of the field.
        field : str or None
            Field name.
        texts : ndarray or None
            Cell texts, substituted for ``{value}`` in ``why``.
        why : str
            Reason, e.g. ``"not a number: {value!r}"``.

        """
        for i in np.flatnonzero(mask):
            value = texts[i] if texts is not None else None
            self.add(int(lines[i]), column, field, why.format(value=value))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bad_rows(self) -> set[int]:
        """Keys (lines or element indices) of records with at least one bad cell."""
        return {item[0] for item in self._items}

    def good_mask(self, rows: np.ndarray) -> np.ndarray:
        """Boolean mask of records (by key: line or element index) without a bad cell."""
        if not self._items:
            return np.ones(len(rows), dtype=bool)
        return ~np.isin(rows, np.fromiter(self.bad_rows, dtype=np.int64))

    def errors(self) -> list[InputError]:
        """All problems as InputErrors sorted by position, truncated to ``limit``."""
        items = sorted(self._items, key=lambda t: (t[0], t[2] or 0))
        out = [
            InputError(why, field=field, source=self.origin, line=line, column=column)
            for _, line, column, field, why in items[: self.limit]
        ]
        rest = len(items) - self.limit
        if rest > 0:
            rows = len({t[0] for t in items[self.limit :]})
            # Located at the first problem not listed (its line, else its field).
            _, line, _, field, _ = items[self.limit]
            out.append(
                InputError(
                    f"... and {rest} more problems on {rows} more rows not listed",
                    source=self.origin, line=line, field=None if line is not None else field,
                )
            )
        return out

    def finish(self, skip_bad: bool) -> Skipped:
        """End parsing: raise every problem, or (``skip_bad``) return them as messages.

        Parameters
        ----------
        skip_bad : bool
            If true, bad rows are to be dropped and reported, not fatal.

        Returns
        -------
        Skipped
            One message per problem (empty when the file was clean), with the
            number of dropped rows in ``.rows``.

        Raises
        ------
        InputErrors
            When there are problems and ``skip_bad`` is false. Nothing has been
            written at this point: imports parse fully before they write.

        """
        if not self._items:
            return Skipped()
        errors = self.errors()
        if not skip_bad:
            raise InputErrors(errors)
        out = Skipped(str(e) for e in errors)
        out.rows = len(self.bad_rows)
        return out


@dataclasses.dataclass
class CsvTable:
    """A CSV file as string cells, one array per column, with record line numbers.

    Attributes
    ----------
    origin : str
        File name or URL.
    header : list of str
        Column names as in the file (stripped).
    lines : ndarray of int64
        Line each data record starts on (the header is line 1 when it is first).
    cells : dict of str to ndarray
        Column name -> object array of the stripped cell texts.

    """

    origin: str
    header: list[str]
    lines: np.ndarray
    cells: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.lines)

    def column_number(self, name: str) -> int:
        """1-based CSV column of ``name``."""
        return self.header.index(name) + 1

    def find(self, *names: str) -> str | None:
        """Return the first of ``names`` present in the header (case-insensitive), or None."""
        lower = {h.lower(): h for h in self.header}
        for name in names:
            if name.lower() in lower:
                return lower[name.lower()]
        return None


def decode_bytes(raw: bytes, origin: str) -> tuple[str, str]:
    """Decode file or response bytes as UTF-8 text; a zip gives its single CSV member.

    Parameters
    ----------
    raw : bytes
        Content.
    origin : str
        File name or URL for messages.

    Returns
    -------
    text : str
        The text (a UTF-8 byte-order mark is dropped).
    origin : str
        ``origin``, or ``origin!member.csv`` for a zip.

    Raises
    ------
    InputError
        For a zip without exactly one CSV, or bytes that are not UTF-8.

    """
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if len(members) != 1:
                    raise InputError(
                        f"expected one .csv inside the zip, found {len(members)}",
                        source=origin, field="zip members",
                    )
                raw = zf.read(members[0])
                origin = f"{origin}!{members[0]}"
        except zipfile.BadZipFile as exc:
            raise InputError(f"damaged zip: {exc}", source=origin, field="zip") from None
    try:
        return raw.decode("utf-8-sig"), origin
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r})",
                         source=origin, line=line, column=column) from None


def read_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Read a text file (UTF-8, BOM tolerated; a ``.zip``: its single CSV member).

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    text : str
        Its content.
    origin : str
        The path as given, for messages (``archive.zip!member.csv`` for zips).

    Raises
    ------
    InputError
        If the file is missing, unreadable or not UTF-8.

    """
    origin = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source=origin) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", source=origin) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=origin) from None
    return decode_bytes(raw, origin)


def read_csv_table(
    text: str,
    origin: str,
    bad: BadRows,
    *,
    header: Sequence[str] | None = None,
) -> CsvTable:
    """Split CSV text into string columns, recording ragged records as bad rows.

    Parameters
    ----------
    text : str
        CSV content; the first non-blank record is the header unless ``header``
        is given.
    origin : str
        File name or URL for messages.
    bad : BadRows
        Where ragged records (wrong number of fields) are recorded.
    header : sequence of str, optional
        Column names for a file without a header line.

    Returns
    -------
    CsvTable
        The records with the right number of fields.

    Raises
    ------
    InputError
        If the file is empty or has no header, names a column twice, or has a
        quoted field that never closes or text after a closing quote (quoting is
        read strictly; the error names the line the record starts on).

    """
    # A byte-order mark survives in text handed over without read_text (downloads).
    text = text.removeprefix("\ufeff")
    # Strict: a quote that opens a field must close it, and only a comma may follow.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    names: list[str] | None = [h.strip() for h in header] if header is not None else None
    records: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    while True:
        start = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _quoting_error(exc, text, origin, start) from None
        previous_end = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if names is None:
            names = [c.strip() for c in row]
            _reject_repeated_names(names, origin, start)
            continue
        if len(row) != len(names):
            why = f"expected {len(names)} fields, found {len(row)}"
            if previous_end > start:
                why += (f" (lines {start}-{previous_end} read as one record: "
                        "a stray '\"' opens a quoted field)")
            bad.add(start, None, None, why)
            continue
        records.append(row)
        lines.append(start)
    if names is None:
        raise InputError("empty file: no header line", source=origin, line=1)
    columns = list(zip(*records, strict=True)) if records else [() for _ in names]
    cells = _Columns({name: col for name, col in zip(names, columns, strict=True) if name})
    return CsvTable(origin, names, np.array(lines, dtype=np.int64), cells)


def _quoting_error(exc: csv.Error, text: str, origin: str, start: int) -> InputError:
    """Explain a csv module error about the record starting on line ``start``."""
    why = str(exc)
    if "end of data" in why or "field limit" in why:
        # A quoted field that never closes: the module reads on to the end of the file
        # or its field limit.
        return InputError(f"a quoted field starting on this line never ends (stray '\"'?): "
                          f"{why}", source=origin, line=start,
                          column=_open_quote_column(_line(text, start)))
    return InputError(f"bad quoting in the record starting on this line (a stray '\"'?): {why}",
                      source=origin, line=start)


def _line(text: str, number: int) -> str:
    """Return line ``number`` (1-based) of ``text``, or "" past the end."""
    for i, line in enumerate(io.StringIO(text, newline=""), start=1):
        if i == number:
            return line
    return ""


def _open_quote_column(line: str) -> int | None:
    """1-based CSV field number of the quoted field left open at the end of ``line``.

    Examples
    --------
    >>> _open_quote_column('2018-11-05,"6380.78,0.1')
    2
    >>> _open_quote_column('a,"b ""c"" d",e,"f')
    4
    >>> _open_quote_column('a,"b",c') is None
    True

    """
    field, quoted, at_start, closed, opened = 1, False, True, False, None
    for ch in line.rstrip("\r\n"):
        if quoted:
            if ch == '"':
                quoted, closed = False, True
            continue
        if ch == '"' and (at_start or closed):
            # At a field's start a quote opens it; right after a closing quote it is
            # the doubled quote of an escaped '"', and the field goes on.
            quoted, opened = True, opened if closed else field
        elif ch == ",":
            field, at_start, closed = field + 1, True, False
            continue
        at_start = closed = False
    return opened if quoted else None


def _reject_repeated_names(names: list[str], origin: str, line: int) -> None:
    """Refuse a column named twice (it would be read from one place, reported at another)."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name and name in seen:
            raise InputError("column given twice in the header", field=name, source=origin,
                             line=line, column=i + 1)
        seen.add(name)


class _Columns(dict[str, np.ndarray]):
    """Column name -> stripped cell texts, built on first access (wide files stay cheap)."""

    def __init__(self, raw: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self._raw = raw

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __missing__(self, name: str) -> np.ndarray:
        col = np.array([c.strip() for c in self._raw[name]], dtype=object)
        self[name] = col
        return col


def missing_mask(texts: np.ndarray) -> np.ndarray:
    """Mask of cells that mean "no value" (empty, ``NA``, ``nan``, ``null``, ...)."""
    lowered = pd.Series(texts, dtype=object).str.lower()
    return lowered.isin(MISSING).to_numpy(dtype=bool)


def range_problem(kind: str, value: float, scale: float = 1.0, unit: str = "") -> str | None:
    """Why ``value`` (in the file's unit, ``scale`` base units each) is implausible, or None.

    Parameters
    ----------
    kind : str
        Registry kind (:mod:`hashwinter.ranges`), in base units.
    value : float
        The value as written in the file.
    scale : float
        Base units per file unit (e.g. 1e12 for TH/s to H/s).
    unit : str
        The file's unit, for the message.

    Returns
    -------
    str or None
        E.g. ``"implausible: must be <= 1e+22 H/s (got 1e+308 TH/s)"``.

    """
    rng = get_range(kind)
    if scale == 1.0:
        problem = rng.problem(value)
        return None if problem is None else f"implausible: {problem}"
    with np.errstate(over="ignore", invalid="ignore"):
        base = float(np.float64(value) * scale)
    if not np.isfinite(base) or rng.problem(base) is not None:
        low, high = rng.low / scale, rng.high / scale
        op = ">" if rng.low_open else ">="
        return (f"implausible: must be {op} {low:g} and <= {high:g} {unit} ({rng.low:g} to "
                f"{rng.high:g} {rng.unit}; got {value:g} {unit})")
    return None


def _out_of_range(kind: str, numbers: np.ndarray, scale: float) -> np.ndarray:
    """Mask of finite values whose ``value * scale`` lies outside the range of ``kind``."""
    rng = get_range(kind)
    finite = np.isfinite(numbers)
    with np.errstate(over="ignore", invalid="ignore"):
        base = numbers * scale
        low = base <= rng.low if rng.low_open else base < rng.low
        out = finite & (~np.isfinite(base) | low | (base > rng.high))
    return np.asarray(out, dtype=bool)


def parse_numbers(
    table: CsvTable,
    name: str,
    bad: BadRows,
    *,
    minimum: float | None = None,
    strictly_above: bool = False,
    integer: bool = False,
    field: str | None = None,
    kind: str | None = None,
    scale: float = 1.0,
    unit: str = "",
) -> np.ndarray:
    """Convert a column to float64 (NaN where empty), recording bad cells.

    Parameters
    ----------
    table : CsvTable
        The parsed file.
    name : str
        Column name in the file.
    bad : BadRows
        Collector for unparseable or out-of-range cells.
    minimum : float, optional
        Lowest allowed value.
    strictly_above : bool
        If true the value must be ``> minimum``, otherwise ``>= minimum``.
    integer : bool
        If true the value must be a whole number.
    field : str, optional
        Name used in messages (default: ``name``).
    kind : str, optional
        Registry kind (:mod:`hashwinter.ranges`) the values must lie in once
        multiplied by ``scale``; values outside are bad ("implausible").
    scale : float
        Base units of ``kind`` per unit of the file (1e12 for TH/s).
    unit : str
        The file's unit, for messages.

    Returns
    -------
    ndarray of float64
        Values; NaN for empty and for bad cells.

    """
    texts = table.cells[name]
    missing = missing_mask(texts)
    cells = np.array(texts, dtype=object)
    cells[missing] = None
    numbers = np.array(pd.to_numeric(cells, errors="coerce"), dtype=np.float64)
    # pandas before 3.1 is not correctly rounded on some decimals (900719926.0078125 came
    # back one ulp low); Python's float() is, so re-read each cell pandas accepted.
    for i in np.flatnonzero(np.isfinite(numbers)):
        with contextlib.suppress(ValueError):
            numbers[i] = float(cells[i])
    column = table.column_number(name)
    label = field or name
    unparsed = ~missing & np.isnan(numbers)
    bad.add_where(unparsed, table.lines, column, label, texts, "not a number: {value!r}")
    infinite = np.isinf(numbers)
    bad.add_where(infinite, table.lines, column, label, texts, "not a finite number: {value!r}")
    numbers[unparsed | infinite] = np.nan
    finite = np.isfinite(numbers)
    if minimum is not None:
        with np.errstate(invalid="ignore"):
            low = (numbers <= minimum) if strictly_above else (numbers < minimum)
        low &= finite
        op = ">" if strictly_above else ">="
        bad.add_where(low, table.lines, column, label, texts,
                      f"must be {op} {minimum:g} (got {{value}})")
        numbers[low] = np.nan
    if integer:
        fractional = finite & (np.floor(numbers) != numbers)
        bad.add_where(fractional, table.lines, column, label, texts,
                      "must be a whole number (got {value})")
        numbers[fractional] = np.nan
    if kind is not None:
        implausible = _out_of_range(kind, numbers, scale)
        for i in np.flatnonzero(implausible):
            bad.add(int(table.lines[i]), column, label,
                    range_problem(kind, float(numbers[i]), scale, unit) or "implausible")
        numbers[implausible] = np.nan
    return numbers


def parse_dates(table: CsvTable, name: str, bad: BadRows, *, field: str = "date") -> np.ndarray:
    """Convert a column of ``YYYY-MM-DD`` dates (a time part is ignored) to datetime64[D].

    Empty cells are bad: every record of a daily series needs its day.

    Parameters
    ----------
    table : CsvTable
        The parsed file.
    name : str
        Column name in the file.
    bad : BadRows
        Collector for bad cells.
    field : str
        Name used in messages.

    Returns
    -------
    ndarray of datetime64[D]
        Days; NaT for bad cells.

    """
    texts = table.cells[name]
    series = pd.Series(texts, dtype=object)
    shaped = series.str.match(_DATE.pattern).to_numpy(dtype=bool, na_value=False)
    days = pd.to_datetime(series.str.slice(0, 10).where(shaped), format="%Y-%m-%d",
                          errors="coerce")
    out = days.to_numpy(dtype="datetime64[D]")
    invalid = np.isnat(out)
    column = table.column_number(name)
    bad.add_where(invalid, table.lines, column, field, texts,
                  "not a date YYYY-MM-DD: {value!r}")
    implausible = day_out_of_range(out)
    bad.add_where(implausible, table.lines, column, field, texts,
                  f"implausible date {{value!r}}: {day_range_text()}")
    out[implausible] = np.datetime64("NaT")
    return out


def day_out_of_range(days: np.ndarray) -> np.ndarray:
    """Mask of days (datetime64) outside the registry's ``history_day`` range (NaT: False)."""
    numbers = days.astype("datetime64[D]").astype(np.int64).astype(np.float64)
    numbers[np.isnat(days)] = np.nan
    return _out_of_range(DAY_KIND, numbers, 1.0)


def day_range_text() -> str:
    """``"must be 1970-01-01 to 2100-12-31"`` from the registry's ``history_day`` range."""
    rng = get_range(DAY_KIND)
    first = np.datetime64(int(rng.low), "D")
    last = np.datetime64(int(rng.high), "D")
    return f"must be {first} to {last}"


def reject_duplicates(
    keys: Sequence[np.ndarray],
    lines: np.ndarray,
    valid: np.ndarray,
    bad: BadRows,
    *,
    column: int | None,
    field: str,
    describe: str = "date",
    whole_key: bool = False,
) -> None:
    """Record rows whose key repeats an earlier row's key (only among ``valid`` rows).

    Parameters
    ----------
    keys : sequence of ndarray
        Key columns (e.g. ``[dates]`` or ``[currencies, dates]``).
    lines : ndarray of int
        Line of each row.
    valid : ndarray of bool
        Rows to consider (rows already bad are ignored).
    bad : BadRows
        Collector.
    column : int or None
        Column to report.
    field : str
        Field to report.
    describe : str
        Word for the key in the message.
    whole_key : bool
        Show every key column in the message (default: only the last, e.g. the date).

    """
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return
    def shown(key: np.ndarray) -> np.ndarray:
        arr = np.asarray(key)[idx]
        # Days print as YYYY-MM-DD in messages.
        return arr.astype("datetime64[D]").astype(str) if arr.dtype.kind == "M" else arr

    frame = pd.DataFrame({f"k{i}": shown(k) for i, k in enumerate(keys)})
    dup = frame.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first_line: dict[tuple[object, ...], int] = {}
    for j, row in enumerate(frame.itertuples(index=False, name=None)):
        if not dup[j]:
            first_line.setdefault(row, int(lines[idx[j]]))
        else:
            bad.add(int(lines[idx[j]]), column, field,
                    f"duplicate {describe} {', '.join(map(str, row)) if whole_key else row[-1]}"
                    f" (first on line {first_line[row]})")
