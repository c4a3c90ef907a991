"""Hypothesis strategies that mutate real importer and catalog inputs (tests/fuzz/).

Every strategy starts from a real input (a small slice of ../shared/data, a
fixture of tests/data/fixtures, rows of the built-in machine catalog) and
applies one to four mutations of the kinds a user's file or an attacker's
bring: a cell or value replaced by a nasty one (NaN, inf, 1e308, 2**63,
negative, a date out of range, text, a stray quote), a column or key dropped
or duplicated, rows dropped or duplicated, a changed type, truncation,
non-UTF-8 bytes, a byte-order mark, other line endings, NUL bytes. A strategy
returns the file's bytes and the names of the mutations applied, so a target
can count which kinds it tried.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import io
import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "FIXTURES",
    "NASTY_CELLS",
    "NASTY_JSON",
    "csv_seeds",
    "json_seeds",
    "located",
    "mutated_csv",
    "mutated_json",
    "mutated_toml",
    "outcome",
    "toml_text",
    "tried",
]

#: The JSON fixtures of tests/data (real API responses; see the README there).
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"

#: (mutation, "ok" or "error") -> cases, over the session (for reports; see ``tried``).
TRIED: Counter[tuple[str, str]] = Counter()


def tried(applied: list[str], result: str) -> None:
    """Count the mutations of one case and how it ended (``"ok"`` or ``"error"``)."""
    for op in set(applied):
        TRIED[op, result] += 1

#: Cell texts that break parsers or are implausible as data.
NASTY_CELLS: tuple[str, ...] = (
    "", "NA", "nan", "NaN", "null", "None", "-", "inf", "-inf", "Infinity", "1e308", "-1e308",
    "1e309", "1.7976931348623157e308", "-1", "-0", "0", "1e-320", "2147483648", "4294967296",
    "9223372036854775808", "1e30", "3.5", "abc", " 12 ", "1,000", "0x1F", "\u0661\u0662",
    "1_000", "+5", "--1", "2019-02-30", "0001-01-01", "9999-12-31", "1969-12-31",
    "2101-01-01", "2018-13-01", "2018-11-31T25:00", "2018-11-20", "2018-11", "2018",
    "\x00", "\xff", '"', 'a"b', '""', "9" * 400, "1e-5", "EUR", "used", "new (spot)",
)

#: JSON values of every type, in and out of range.
NASTY_JSON: tuple[Any, ...] = (
    None, True, False, "", "1", "abc", [], {}, [1, 2], {"x": 1}, 0, -1, -0.0, 1.5, 1e308,
    -1e308, 2**31, 2**63, 2**64, 10**30, math.nan, math.inf, -math.inf, 1e-320, 4e9, 1e11,
    -86400, 1542672000, 5646403851534.7, 4.3e19, 0.848662, 554400,
)


# -- seeds: small real inputs --------------------------------------------------------------

def _lines(folder: Path, name: str, first: int, count: int) -> list[str]:
    """Header and ``count`` data lines from line ``first`` (1-based) of a shared data file."""
    lines = (folder / name).read_text(encoding="utf-8").splitlines()
    return [lines[0], *lines[first - 1 : first - 1 + count]]


@functools.cache
def csv_seeds(folder: Path) -> dict[str, list[str]]:
    """Small real CSV inputs per importer (slices of the files in ``folder``, ../shared/data)."""
    btc = _lines(folder, "btc_daily.csv", 3030, 12)  # 2018-11-01 onwards: the winter
    cells = [row.split(",") for row in btc[1:]]
    # The raw Coin Metrics layout of the same days (HashRate TH/s, BlkCnt, ...).
    raw = ["time,PriceUSD,HashRate,BlkCnt,IssTotNtv,FeeTotNtv",
           *(f"{c[0]},{c[1]},{c[3]},{c[4]},{c[5]},{c[7]}" for c in cells)]
    fx = _lines(folder, "usd_cny_daily.csv", 1230, 12)
    fx_cells = [row.split(",") for row in fx[1:]]
    # The ECB's own layout: newest first, a trailing comma, N/A where not quoted.
    ecb = ["Date,USD,JPY,CNY,",
           *(f"{c[0]},{c[1]},N/A,{c[2]}," for c in reversed(fx_cells))]
    return {
        "coinmetrics": ["\n".join(btc) + "\n", "\n".join(raw) + "\n",
                        "\n".join(_lines(folder, "eth_daily.csv", 1200, 10)) + "\n"],
        "ecb": ["\n".join(fx) + "\n", "\n".join(ecb) + "\n"],
        "price": ["date,price\n" + "".join(f"{c[0]},{c[1]}\n" for c in cells)],
        "difficulty": ["".join(f"{c[0]},{c[2]}\n" for c in cells)],  # no header line
        "blocks": ["date,blk_cnt\n" + "".join(f"{c[0]},{c[4]}\n" for c in cells)],
        "fx": ["date,cny_per_usd\n" + "".join(f"{c[0]},{c[3]}\n" for c in fx_cells)],
        "machine-prices": [(folder / "used_asic_prices.csv").read_text(encoding="utf-8")],
    }


@functools.cache
def json_seeds(prefix: str) -> list[str]:
    """The JSON fixtures of one source (real responses, tests/data/fixtures)."""
    return [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob(f"{prefix}*.json"))]



def located(exc: BaseException) -> bool:
    """Tell whether a hashwinter error names a field or a file:line for every problem."""
    errors = getattr(exc, "errors", None) or [exc]
    return all(bool(getattr(e, "field", None)) or (getattr(e, "source", None) is not None
                                                  and getattr(e, "line", None) is not None)
               for e in errors)


def outcome(exc: BaseException) -> str:
    """Short outcome label, e.g. ``InputErrors(hashrate_ths)`` (indices folded to ``[]``)."""
    first = (getattr(exc, "errors", None) or [exc])[0]
    words = " ".join(str(getattr(first, "message", "")).split()[:3]).rstrip(":")
    field = getattr(first, "field", None) or f"line: {words}"
    folded = "".join("[]" if part.endswith("]") and "[" in part else part
                     for part in _split_index(str(field)))
    return f"{type(exc).__name__}({folded})"


def _split_index(field: str) -> list[str]:
    """Split ``values[3].y`` into ``["values", "[3]", ".y"]``."""
    out, cur = [], ""
    for ch in field:
        if ch == "[":
            out.append(cur)
            cur = "["
        elif ch == "]":
            out.append(cur + "]")
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p for p in out if p]


# -- shared text and byte mutations ----------------------------------------------------------

def _text_ops(draw: st.DrawFn, text: str, applied: list[str]) -> str:
    """Maybe apply text-level mutations (truncate, BOM, line endings, NUL, odd characters)."""
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 1, 2)))):
        op = draw(st.sampled_from(("truncate", "bom", "crlf", "cr", "nul", "unicode",
                                   "stray_quote", "blank_lines", "empty")))
        applied.append(op)
        if op == "truncate":
            text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
        elif op == "bom":
            text = "\ufeff" + text
        elif op == "crlf":
            text = text.replace("\n", "\r\n")
        elif op == "cr":
            text = text.replace("\n", "\r")
        elif op in ("nul", "unicode", "stray_quote"):
            at = draw(st.integers(0, len(text)))
            if op == "stray_quote" and "," in text:
                # At the start of a cell: the csv module then reads a quoted field.
                commas = [i + 1 for i, ch in enumerate(text) if ch in ",\n"]
                at = commas[draw(st.integers(0, len(commas) - 1))]
            char = {"nul": "\x00", "stray_quote": '"'}.get(op) or draw(
                st.text(min_size=1, max_size=3))
            text = text[:at] + char + text[at:]
        elif op == "blank_lines":
            text = "\n\n" + text.replace("\n", "\n\n", 1)
        elif op == "empty":
            text = draw(st.sampled_from(("", "\n", " ", "\ufeff")))
    return text


def _byte_ops(draw: st.DrawFn, raw: bytes, applied: list[str]) -> bytes:
    """Maybe apply byte-level mutations (invalid UTF-8, cut multi-byte characters, UTF-16)."""
    if draw(st.integers(0, 11)) != 0:  # rarely: most cases should reach the parsers
        return raw
    op = draw(st.sampled_from(("bad_byte", "cut_bytes", "utf16", "latin1")))
    applied.append(op)
    if op == "bad_byte":
        at = draw(st.integers(0, len(raw)))
        # A lead byte >= 0x80 never starts valid UTF-8 on its own (0xc0-0xff need followers).
        junk = bytes([draw(st.integers(0x80, 0xFF))]) + draw(st.binary(max_size=2))
        return raw[:at] + junk + raw[at:]
    if op == "cut_bytes":
        return raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    text = raw.decode("utf-8", errors="replace")
    if op == "utf16":
        return text.encode("utf-16")
    return text.replace("e", "\xe9", 1).encode("latin-1", errors="replace")


# -- CSV ------------------------------------------------------------------------------------

def _cell(draw: st.DrawFn) -> str:
    """A nasty cell: from the list, a float or integer of any size, or random text."""
    return draw(st.one_of(
        st.sampled_from(NASTY_CELLS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(2**70), 2**70).map(str),
        st.text(max_size=6),
    ))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def mutated_csv(draw: st.DrawFn, seed: str) -> tuple[bytes, list[str]]:
    """Bytes of a CSV file made from ``seed`` by 1-4 mutations, and their names."""
    rows = [r for r in _rows(seed) if r]
    applied: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        width = max(len(r) for r in rows) if rows else 0
        op = draw(st.sampled_from(("cell", "cell", "cell", "header", "drop_column",
                                   "duplicate_column", "drop_row", "duplicate_row",
                                   "swap_rows", "ragged", "header_only", "negate")))
        applied.append(op)
        if not rows or not width:
            rows = [["date", "value"], ["2018-11-20", _cell(draw)]]
            continue
        r = draw(st.integers(1 if len(rows) > 1 else 0, len(rows) - 1))
        c = draw(st.integers(0, width - 1))
        if op in ("cell", "negate") and c < len(rows[r]):
            rows[r][c] = _cell(draw) if op == "cell" else "-" + rows[r][c]
        elif op == "header" and c < len(rows[0]):
            rows[0][c] = draw(st.one_of(st.sampled_from([h for h in rows[0] if h] or [""]),
                                        st.text(max_size=8)))
        elif op == "drop_column":
            rows = [row[:c] + row[c + 1:] for row in rows]
        elif op == "duplicate_column":
            rows = [row + row[c:c + 1] for row in rows]
        elif op == "drop_row":
            del rows[r]
        elif op == "duplicate_row":
            rows.insert(r, list(rows[r]))
        elif op == "swap_rows":
            s = draw(st.integers(0, len(rows) - 1))
            rows[r], rows[s] = rows[s], rows[r]
        elif op == "ragged":
            rows[r] = rows[r] + [_cell(draw)] if draw(st.booleans()) else rows[r][:-1]
        elif op == "header_only":
            rows = rows[:1]
    text = _text_ops(draw, _csv(rows), applied)
    return _byte_ops(draw, text.encode("utf-8"), applied), applied


# -- JSON -----------------------------------------------------------------------------------

def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (tuple of keys and indices) to a value inside ``doc``."""
    out: list[tuple[Any, ...]] = []
    items: list[tuple[Any, Any]] = []
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = list(enumerate(doc))
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutated_json(draw: st.DrawFn, seed: str) -> tuple[bytes, list[str]]:
    """Bytes of a JSON document made from ``seed`` by 1-4 mutations, and their names."""
    doc = json.loads(seed)
    applied: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        op = draw(st.sampled_from(("value", "value", "value", "drop", "duplicate", "retype",
                                   "top", "add_key")))
        applied.append(f"json_{op}")
        if op == "top" or not paths:
            # Copies: the values are mutated by later steps, and hypothesis replays draws.
            doc = copy.deepcopy(draw(st.sampled_from((*NASTY_JSON, [doc]))))
            continue
        path = draw(st.sampled_from(paths))
        parent, key = _get(doc, path[:-1]), path[-1]
        if op == "value":
            parent[key] = copy.deepcopy(draw(st.one_of(
                st.sampled_from(NASTY_JSON), st.floats(), st.integers(-(2**80), 2**80))))
        elif op == "drop":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif op == "retype":
            value = parent[key]
            parent[key] = (str(value) if not isinstance(value, str)
                           else draw(st.sampled_from(([value], {"v": value}, None))))
        elif op == "add_key" and isinstance(parent, dict):
            parent[draw(st.text(max_size=6))] = copy.deepcopy(draw(st.sampled_from(NASTY_JSON)))
    text = json.dumps(doc, indent=draw(st.sampled_from((None, 1))), allow_nan=True)
    special = draw(st.integers(0, 30))
    if special == 0:
        applied.append("huge_integer")
        text = text.replace("1", "1" + "0" * 5000, 1)  # beyond Python's int digit limit
    elif special == 1:
        applied.append("deep_nesting")
        text = "[" * 100_000 + "]" * 100_000
    text = _text_ops(draw, text, applied)
    return _byte_ops(draw, text.encode("utf-8"), applied), applied


# -- TOML (machine catalogs) ----------------------------------------------------------------

def _toml_value(value: Any) -> str:
    """Render a Python value as a TOML value (a small writer: tomllib only reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Huge):
        return "1" + "0" * 5000  # beyond Python's int digit limit
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}"
                               for k, v in value.items()) + "}"
    return _toml_string(value)


def _toml_string(value: Any) -> str:
    """A TOML basic string (JSON's escapes are TOML's, non-ASCII kept as is)."""
    return json.dumps(str(value), ensure_ascii=False)


def toml_text(tables: list[dict[str, Any]]) -> str:
    """A ``[[machine]]`` catalog of ``tables`` as TOML text."""
    out = []
    for table in tables:
        out.append("[[machine]]")
        out.extend(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in table.items())
        out.append("")
    return "\n".join(out)


class _Huge:
    """Marker of an integer literal of 5,001 digits."""


_TOML_VALUES: tuple[Any, ...] = (
    "", "x", "asic", "gpu", "sha256", "SHA-256", "ethash", "scrypt", "2017-08", "2017-13",
    "1e308", "https://example.org/s9", "ftp://x", 0, -5, 13.5, 1e308, math.inf, -math.inf,
    math.nan, 2**63, _Huge(), True, [], ["S9", 5], {"a": 1}, dt.date(2017, 8, 1),
)


@st.composite
def mutated_toml(draw: st.DrawFn, tables: list[dict[str, Any]],
                 value: Callable[[], Any] | None = None) -> tuple[bytes, list[str]]:
    """Bytes of a TOML catalog made from ``tables`` by 1-4 mutations, and their names."""
    tables = [dict(t) for t in tables]
    applied: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("value", "value", "drop_key", "unknown_key", "drop_table",
                                   "duplicate_table", "rename")))
        applied.append(f"toml_{op}")
        if not tables:
            tables = [{"model": "x"}]
            continue
        i = draw(st.integers(0, len(tables) - 1))
        keys = list(tables[i])
        key = draw(st.sampled_from(keys)) if keys else "model"
        if op == "value":
            tables[i][key] = copy.deepcopy(draw(st.one_of(
                st.sampled_from(_TOML_VALUES), st.floats(), st.text(max_size=8))))
        elif op == "drop_key" and keys:
            del tables[i][key]
        elif op == "unknown_key":
            tables[i][draw(st.text(min_size=1, max_size=8))] = 1
        elif op == "drop_table":
            del tables[i]
        elif op == "duplicate_table":
            tables.insert(i, dict(tables[i]))
        elif op == "rename":
            tables[i]["model"] = tables[(i + 1) % len(tables)].get("model", "x")
    text = _text_ops(draw, toml_text(tables), applied)
    return _byte_ops(draw, text.encode("utf-8"), applied), applied
