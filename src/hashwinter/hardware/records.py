"""Validate one catalog row (a CSV line or a TOML ``[[machine]]`` table) into a Machine.

Both file formats share the same fields; this module checks them and returns
every problem of a row at once as ``(field, message)`` pairs, so the loader can
add the file and line and report all problems of a file together.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

from hashwinter.errors import InputError
from hashwinter.hardware.machine import ALGORITHMS, HASHRATE_UNITS, KINDS, MEGA, TERA, Machine
from hashwinter.ranges import get_range

__all__ = [
    "FIELDS",
    "HASHRATE_FIELDS",
    "REQUIRED_FIELDS",
    "Problem",
    "machine_from_record",
]

#: Fields a row must give (besides one of :data:`HASHRATE_FIELDS`).
REQUIRED_FIELDS: tuple[str, ...] = ("model", "maker", "kind", "algorithm", "power_w")
#: Hashrate columns and their unit in H/s; a row gives exactly one.
HASHRATE_FIELDS: dict[str, float] = {"hashrate_ths": TERA, "hashrate_mhs": MEGA}
#: Every field a row may have, in the built-in file's column order.
FIELDS: tuple[str, ...] = (
    "model",
    "maker",
    "kind",
    "algorithm",
    "release",
    "hashrate_ths",
    "hashrate_mhs",
    "power_w",
    "launch_price_usd",
    "aliases",
    "source",
    "notes",
    "rates",
)

#: A problem with one field of a row: ``(field, message)``.
Problem = tuple[str, str]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: object) -> str:
    """Render a value in a message as the user wrote it: numbers bare, text quoted."""
    if isinstance(value, str):
        text = value.strip()
        try:
            float(text)
        except ValueError:
            text = repr(text)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
    except OverflowError:  # an integer beyond float range
        return math.inf
    except ValueError:
        return None
    return None


def _positive(
    field: str,
    value: object,
    problems: list[Problem],
    kind: str,
    scale: float = 1.0,
) -> float | None:
    """Check a number > 0 within the plausible range of ``kind`` (after ``scale``)."""
    number = _number(value)
    if number is None or math.isnan(number):
        problems.append((field, f"must be a number (got {_shown(value)})"))
        return None
    if not math.isfinite(number):
        problems.append((field, f"must be a finite number (got {_shown(value)})"))
        return None
    if number <= 0:
        problems.append((field, f"must be > 0 (got {_shown(value)})"))
        return None
    rng = get_range(kind)
    base = number * scale
    problem = rng.problem(base)
    if problem is not None:
        # In the file's unit, so the bound reads as the user wrote the value.
        bound = f"{rng.high / scale:g}" + ("" if scale == 1.0 else f" ({rng.high:g} {rng.unit})")
        problems.append((field, f"implausible: must be <= {bound} (got {_shown(value)})"))
        return None
    return number


def _text(field: str, value: object, problems: list[Problem]) -> str | None:
    if not isinstance(value, str):
        problems.append((field, f"must be text (got {value!r})"))
        return None
    return value.strip()


def _choice(field: str, value: object, choices: tuple[str, ...], problems: list[Problem]) -> str:
    text = _text(field, value, problems)
    if text is None:
        return ""
    # "SHA-256" and "ASIC" are how spec sheets spell them.
    folded = text.casefold().replace("-", "")
    if folded not in choices:
        problems.append((field, f"must be one of {', '.join(choices)} (got {text!r})"))
        return ""
    return folded


def _release(value: object, problems: list[Problem]) -> dt.date | None:
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = value.strip() if isinstance(value, str) else None
    match = _MONTH.match(text) if text is not None else None
    if match is not None:
        year, month = int(match[1]), int(match[2])
        if 2009 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    problems.append(("release", f"must be YYYY-MM (got {_shown(value)})"))
    return None


def _aliases(value: object, problems: list[Problem]) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        parts: list[object] = list(value.split(";"))
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        problems.append(("aliases", f"must be text separated by ';' or a list (got {value!r})"))
        return ()
    aliases: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            problems.append(("aliases", f"must be text (got {part!r})"))
            continue
        if part.strip():
            aliases.append(part.strip())
    return tuple(aliases)


def _rates(value: object, problems: list[Problem]) -> tuple[tuple[str, float, float], ...]:
    """Parse further algorithms: ``"equihash:450:120;cryptonight:850:110"`` or TOML tables.

    Each entry is an algorithm, its hashrate in the algorithm's usual unit
    (:data:`~hashwinter.hardware.machine.HASHRATE_UNITS`: TH/s, MH/s, Sol/s, H/s) and its
    power in W; TOML may give a list of ``{algorithm, hashrate, power_w}`` tables instead.
    """
    if _blank(value):
        return ()
    entries: list[tuple[object, object, object]] = []
    if isinstance(value, str):
        for part in value.split(";"):
            if not part.strip():
                continue
            bits = part.split(":")
            if len(bits) != 3:
                problems.append(("rates", f"each entry is algorithm:hashrate:power_w "
                                          f"(got {_shown(part)})"))
                return ()
            entries.append((bits[0].strip(), bits[1], bits[2]))
    elif isinstance(value, list) and all(isinstance(t, dict) for t in value):
        for table in value:
            unknown = set(table) - {"algorithm", "hashrate", "power_w"}
            if unknown or len(table) != 3:
                problems.append(("rates", "each table has algorithm, hashrate and power_w"))
                return ()
            entries.append((table["algorithm"], table["hashrate"], table["power_w"]))
    else:
        problems.append(("rates", f"must be text 'algorithm:hashrate:power_w;...' or a list "
                                  f"of tables (got {_shown(value)})"))
        return ()
    rates: list[tuple[str, float, float]] = []
    for algorithm, hashrate, power in entries:
        name = _choice("rates", algorithm, ALGORITHMS, problems)
        scale = HASHRATE_UNITS[name][1] if name else 1.0
        h = _positive("rates", hashrate, problems, "machine_hashrate", scale)
        w = _positive("rates", power, problems, "machine_power")
        if name and h is not None and w is not None:
            if name in {r[0] for r in rates}:
                problems.append(("rates", f"{name} given twice"))
                continue
            rates.append((name, h * scale, w))
    return tuple(rates)


def _source(value: object, problems: list[Problem], *, required: bool) -> str:
    if _blank(value):
        if required:
            problems.append(("source", "is required (URL of the spec sheet or listing)"))
        return ""
    text = _text("source", value, problems)
    if text is None:
        return ""
    if not re.match(r"^https?://\S+$", text):
        problems.append(("source", f"must be an http(s) URL (got {text!r})"))
    return text


def machine_from_record(
    record: Mapping[str, object], *, require_source: bool = False
) -> tuple[Machine | None, list[Problem]]:
    """Validate one row of a catalog and build its :class:`Machine`.

    Parameters
    ----------
    record : mapping of str to object
        Field name to value: strings from CSV, or TOML values (numbers, strings,
        dates, lists). Blank strings count as missing. Unknown fields are the
        caller's concern.
    require_source : bool
        Whether ``source`` must be given (True for the built-in catalog).

    Returns
    -------
    machine : Machine or None
        The machine, or None when there were problems.
    problems : list of (str, str)
        ``(field, message)`` for every problem found, e.g.
        ``("power_w", "must be > 0 (got -5)")``.

    """
    problems: list[Problem] = []
    for field in REQUIRED_FIELDS:
        if _blank(record.get(field)):
            problems.append((field, "is required"))
    given = [f for f in HASHRATE_FIELDS if not _blank(record.get(f))]
    if not given:
        problems.append(
            ("hashrate_ths", "is required (give hashrate_ths [TH/s] or hashrate_mhs [MH/s])")
        )
    elif len(given) > 1:
        problems.append((given[1], f"give only one of {', '.join(HASHRATE_FIELDS)}"))

    missing = {field for field, _ in problems}
    model = maker = ""
    if "model" not in missing:
        model = _text("model", record["model"], problems) or ""
    if "maker" not in missing:
        maker = _text("maker", record["maker"], problems) or ""
    kind = "" if "kind" in missing else _choice("kind", record["kind"], KINDS, problems)
    algorithm = (
        ""
        if "algorithm" in missing
        else _choice("algorithm", record["algorithm"], ALGORITHMS, problems)
    )
    release = _release(record.get("release"), problems)
    hashrate = None
    if len(given) == 1:
        scale = HASHRATE_FIELDS[given[0]]
        value = _positive(given[0], record[given[0]], problems, "machine_hashrate", scale)
        hashrate = None if value is None else value * scale
    power = (None if "power_w" in missing
             else _positive("power_w", record["power_w"], problems, "machine_power"))
    price = None
    if not _blank(record.get("launch_price_usd")):
        price = _positive("launch_price_usd", record["launch_price_usd"], problems,
                          "machine_price")
    aliases = _aliases(record.get("aliases"), problems)
    source = _source(record.get("source"), problems, required=require_source)
    rates = _rates(record.get("rates"), problems)
    if algorithm and algorithm in {r[0] for r in rates}:
        problems.append(("rates", f"{algorithm} is the machine's algorithm: give its hashrate "
                                  "in the hashrate column"))
    notes = ""
    if not _blank(record.get("notes")):
        notes = _text("notes", record["notes"], problems) or ""

    if problems or hashrate is None or power is None:
        return None, problems
    try:
        machine = Machine(
            model=model,
            maker=maker,
            kind=kind,
            algorithm=algorithm,
            release=release,
            hashrate=hashrate,
            power=power,
            launch_price_usd=price,
            source=source,
            aliases=aliases,
            notes=notes,
            other_rates=rates,
        )
    except InputError as exc:
        # E.g. a hashrate so large that it overflows to infinity once in H/s.
        renamed = {"hashrate": given[0], "power": "power_w"}
        field = exc.field or ""
        return None, [(renamed.get(field, field), exc.message)]
    return machine, problems
