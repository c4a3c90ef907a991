"""Fuzz the farm and scenario files: every mutation loads, or fails with a located HashwinterError.

Mutations start from the example files (examples/*.toml and
examples/scenarios/*.toml), as a user (or an attacker) would edit them:

- on the parsed document: drop a key, set a number to NaN, inf, a huge, negative,
  zero or random value, give a field another type (string, bool, list, table,
  date), add an unknown key;
- on the text: truncate it, put a stray quote, replace a byte by ``\\xfc`` (not
  UTF-8), duplicate a line (a key given twice), empty the file.

The property: loading returns a valid config, or raises a
:class:`~hashwinter.errors.HashwinterError` whose every problem names a field, or
a file and line. Never another exception (a traceback for the user). For a small
share of the cases that load, the run is also prepared: a farm is built on a
short real history (``build_farm_run``); a scenario's jobs are built and its
memory is estimated by the resource guard, so that nothing valid at load fails
later with a traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fuzzing import fuzz_settings, record
from hypothesis import given
from hypothesis import strategies as st

from hashwinter.engine import DailyMarket
from hashwinter.errors import HashwinterError, InputError, InputErrors
from hashwinter.farm import build_farm_run, farm_from_dict, load_farm
from hashwinter.resources import MemoryLimit, guard_blockclock_run, guard_farm_run
from hashwinter.scenario import load_scenario, scenario_from_dict
from hashwinter.scenario.config import BlockClockNetwork
from hashwinter.scenario.farmrun import farm_jobs
from hashwinter.scenario.run import blockclock_job

ROOT = Path(__file__).resolve().parents[2]
FARMS = sorted((ROOT / "examples").glob("*.toml"))
SCENARIOS = sorted((ROOT / "examples" / "scenarios").glob("*.toml"))

#: Cases per target under the CI profile (tests/fuzz/fuzzing.py scales it).
CI_CASES = 2500
#: One case in this many that loads also prepares its run.
BUILD_EVERY = 12
BUILD = st.integers(0, BUILD_EVERY - 1)

NUMBERS = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0, 0.0, -1, -1.0, 1e308, -1e308, 1e18,
                     1e12, 2**63, 10**30, -(10**30), 5e-324]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
)
OTHER_TYPES = st.one_of(
    st.text(max_size=6), st.booleans(), st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(-3, 3), max_size=2),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)

Path_ = tuple[str | int, ...]


def _leaves(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every key path of a parsed TOML document (tables and lists entered)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _leaves(value, (*path, i))


def _parent(doc: Any, path: Path_) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def _mutated_document(draw: st.DrawFn, original: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(original)
    paths = list(_leaves(doc))
    # A Random seeded by hypothesis spreads the mutations over the whole document
    # (hypothesis' own choices favour the first keys); the seed still shrinks.
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(1, 3))):
        path = rnd.choice(paths)
        try:
            parent = _parent(doc, path)
            key = path[-1]
            parent[key]  # the path may have been removed by an earlier mutation
        except (KeyError, IndexError, TypeError):
            continue
        kind = draw(st.sampled_from(["drop", "number", "number", "type", "unknown"]))
        if kind == "drop":
            del parent[key]
        elif kind == "number":
            parent[key] = draw(NUMBERS)
        elif kind == "type":
            parent[key] = draw(OTHER_TYPES)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "Paths", "pue ", "x"]))] = draw(NUMBERS)
    return doc


@st.composite
def _mutated_text(draw: st.DrawFn, original: bytes) -> bytes:
    data = original
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["truncate", "quote", "byte", "duplicate", "empty"]))
        at = rnd.randrange(max(1, len(data)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "quote":
            data = data[:at] + draw(st.sampled_from([b'"', b"'", b'"""'])) + data[at:]
        elif kind == "byte":
            data = data[:at] + b"\xfc" + data[at + 1:]
        elif kind == "duplicate":
            lines = data.split(b"\n")
            i = rnd.randrange(len(lines))
            data = b"\n".join([*lines[: i + 1], *lines[i:]])
        else:
            data = b""
    return data


def _outcome(exc: HashwinterError) -> str:
    """Check every problem is located; return "ErrorClass(field)" for the summary."""
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for error in errors:
        if isinstance(error, InputError):
            assert error.field or (error.source and error.line), f"unlocated: {error}"
        else:
            assert str(error), "an error without a message"
    first = errors[0]
    field = getattr(first, "field", None) or ("file:line" if getattr(first, "line", None)
                                               else type(first).__name__)
    # Collapse list indices so the summary groups kinds of error, not positions.
    return f"{type(first).__name__}({_generic(str(field))})"


def _generic(field: str) -> str:
    out, depth = [], 0
    for ch in field:
        if ch == "[":
            depth += 1
            out.append("[]")
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _check(target: str, load: Callable[[], Any], build: Callable[[Any], None], n: int) -> None:
    try:
        loaded = load()
    except HashwinterError as exc:
        record(target, _outcome(exc))
        return
    if n % BUILD_EVERY == 0:  # n is drawn uniformly enough: ~1 case in BUILD_EVERY
        try:
            build(loaded)
        except HashwinterError as exc:
            record(target, "built: " + _outcome(exc))
            return
        record(target, "ok (built)")
        return
    record(target, "ok")


# --- farms ----------------------------------------------------------------------------

FARM_TEXTS = {p.name: p.read_bytes() for p in FARMS}
FARM_DOCS = {name: tomllib.loads(text.decode("utf-8")) for name, text in FARM_TEXTS.items()}


def _market(days: int = 20) -> DailyMarket:
    """A constant market of the built-in 25 Nov 2018 state (hashwinter.state.WINTER_2018)."""
    def row(value: float) -> np.ndarray:
        return np.full((1, days), value)

    return DailyMarket(
        dates=np.datetime64("2018-11-25", "D") + np.arange(days), price=row(27_400.0),
        difficulty=row(6_653_303_141_406.0), subsidy=row(12.5), fees_per_block=row(0.26),
        blocks_per_day=row(144.0), currency="CNY", fx_per_usd={"CNY": np.full(days, 6.94)},
        notes=("fuzz: constant 25 Nov 2018 state",),
    )  # fmt: skip


MARKET = _market()


def _build_farm(loaded: Any) -> None:
    build_farm_run(loaded, MARKET, start=dt.date(2018, 11, 25), end=dt.date(2018, 12, 14))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    # Scenarios name their farms ../x.toml: keep the layout of examples/.
    for farm in FARMS:
        (folder / farm.name).write_bytes(farm.read_bytes())
    (folder / "scenarios").mkdir()
    return folder


@fuzz_settings(CI_CASES // 2)
@given(name=st.sampled_from(sorted(FARM_DOCS)), data=st.data(), n=BUILD)
def test_fuzz_farm_documents(name: str, data: st.DataObject, n: int) -> None:
    doc = data.draw(_mutated_document(FARM_DOCS[name]))
    text = FARM_TEXTS[name].decode("utf-8")
    _check("farm", lambda: farm_from_dict(doc, source=name, text=text), _build_farm, n)


@fuzz_settings(CI_CASES // 2)
@given(name=st.sampled_from(sorted(FARM_TEXTS)), data=st.data(), n=BUILD)
def test_fuzz_farm_files(fuzz_dir: Path, name: str, data: st.DataObject, n: int) -> None:
    path = fuzz_dir / f"mutated-{name}"
    path.write_bytes(data.draw(_mutated_text(FARM_TEXTS[name])))
    _check("farm", lambda: load_farm(path), _build_farm, n)


# --- scenarios ------------------------------------------------------------------------

SCENARIO_TEXTS = {p.name: p.read_bytes() for p in SCENARIOS}
SCENARIO_DOCS = {n: tomllib.loads(t.decode("utf-8")) for n, t in SCENARIO_TEXTS.items()}
_GENEROUS = MemoryLimit(4_000_000_000, "fuzz")


def _build_scenario(loaded: Any) -> None:
    c = loaded.config
    net = c.network
    if isinstance(net, BlockClockNetwork):
        guard_blockclock_run(paths=c.paths, blocks=net.blocks, rules=[len(net.rules)],
                             trace_every=net.trace_every, chunk_paths=c.chunk_paths, workers=2,
                             limit=_GENEROUS)
        blockclock_job(loaded)
    else:
        jobs = farm_jobs(loaded)
        guard_farm_run(paths=c.paths, days=jobs[0].days,
                       cohorts=[len(j.farm.config.fleet) for j in jobs],
                       chunk_paths=c.chunk_paths, workers=2, limit=_GENEROUS)


@fuzz_settings(CI_CASES // 2)
@given(name=st.sampled_from(sorted(SCENARIO_DOCS)), data=st.data(), n=BUILD)
def test_fuzz_scenario_documents(fuzz_dir: Path, name: str, data: st.DataObject, n: int) -> None:
    doc = data.draw(_mutated_document(SCENARIO_DOCS[name]))
    text = SCENARIO_TEXTS[name].decode("utf-8")
    base = fuzz_dir / "scenarios"
    _check("scenario",
           lambda: scenario_from_dict(doc, source=name, text=text, base_dir=base),
           _build_scenario, n)


@fuzz_settings(CI_CASES // 2)
@given(name=st.sampled_from(sorted(SCENARIO_TEXTS)), data=st.data(), n=BUILD)
def test_fuzz_scenario_files(fuzz_dir: Path, name: str, data: st.DataObject, n: int) -> None:
    path = fuzz_dir / "scenarios" / f"mutated-{name}"
    path.write_bytes(data.draw(_mutated_text(SCENARIO_TEXTS[name])))
    _check("scenario", lambda: load_scenario(path), _build_scenario, n)
