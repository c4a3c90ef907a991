"""Resource guard: estimate a run's memory from its shapes before it starts, and refuse or re-chunk.

A Monte Carlo run's memory is set by its shapes (paths x days x cohorts for a
farm scenario, rules x paths x trace points for the block clock), so it can be
estimated before anything is allocated. :func:`guard_farm_run` and
:func:`guard_blockclock_run` compare the estimate with :func:`memory_limit` (by
default half of the memory this process may use: the cgroup's limit where there
is one, else ``MemAvailable`` of ``/proc/meminfo``; overridden by the
``HASHWINTER_MEMORY_LIMIT`` variable or a ``--memory-limit`` flag). When only the
chunks in flight are too large, fewer run at once (fewer worker processes: the
results do not depend on that, while the chunk size is part of what a seed
reproduces and is never changed); when the run does not fit even one chunk at a
time, it is refused with the estimate and what to change in the message. The
kernel's OOM killer is never the one who says no.

The per-element byte counts are those of the arrays the code allocates
(float64 = 8 bytes, float32 = 4, bool = 1), checked against a measured peak in
tests/test_resources.py.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from hashwinter.errors import HashwinterError

__all__ = [
    "MEMORY_ENV",
    "MEMORY_FRACTION",
    "MemoryLimit",
    "Plan",
    "ResourceError",
    "available_memory",
    "blockclock_bytes",
    "farm_bytes",
    "format_bytes",
    "guard_backtest",
    "guard_blockclock_run",
    "guard_farm_run",
    "memory_limit",
    "parse_bytes",
]

#: Environment variable that sets the memory limit (bytes, or with a suffix: ``8G``, ``512M``).
MEMORY_ENV = "HASHWINTER_MEMORY_LIMIT"
#: Share of the available memory a run may plan to use by default: the rest is
#: for the interpreter, the libraries, pickled copies in transit, other programs.
MEMORY_FRACTION = 0.5

#: cgroup files: v2, then v1 (limit, usage). A v1 limit this large means "none".
_CGROUP_V2 = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current"))
_CGROUP_V1 = (
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
    Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)
_V1_UNLIMITED = 1 << 60
_MEMINFO = Path("/proc/meminfo")

_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgGtT]?)(i?[bB])?\s*$")
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


class ResourceError(HashwinterError):
    """A run would need more memory than it may use (printed on one line, exit 2)."""


@dataclasses.dataclass(frozen=True)
class MemoryLimit:
    """How many bytes a run may plan to use, and where that figure comes from."""

    bytes: int
    source: str


def parse_bytes(text: str, *, field: str) -> int:
    """Parse ``"8G"``, ``"512M"``, ``"2e9"`` or ``"1.5GiB"`` into bytes (decimal and binary alike).

    Examples
    --------
    >>> parse_bytes("8G", field="--memory-limit")
    8000000000
    >>> parse_bytes("512MiB", field="--memory-limit")
    536870912

    """
    match = _SIZE.match(text)
    if match is None:
        raise ResourceError(f"{field}: not a size like 8G, 512M or 2e9 (got {text!r})")
    number, unit, suffix = float(match[1]), match[2].lower(), match[3] or ""
    scale = 1024 ** "kmgt".index(unit) * 1024 if unit and suffix.lower().startswith("i") else (
        _UNITS[unit])
    value = number * scale
    if not (math.isfinite(value) and value >= 1e6):
        raise ResourceError(f"{field}: must be at least 1M (got {text!r})")
    return int(value)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None  # "max" (v2, no limit) -> None


def _meminfo_available() -> int | None:
    try:
        for line in _MEMINFO.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None
    return None


def available_memory() -> tuple[int | None, str]:
    """Return the bytes this process may still use and where the figure comes from.

    The smaller of the cgroup's headroom (limit minus usage; v2 ``memory.max``,
    else v1 ``memory.limit_in_bytes``) and the machine's ``MemAvailable``; None
    when neither is known (not Linux).
    """
    candidates: list[tuple[int, str]] = []
    for limit_file, usage_file in (_CGROUP_V2, _CGROUP_V1):
        limit = _read_int(limit_file)
        if limit is not None and limit < _V1_UNLIMITED:
            usage = _read_int(usage_file) or 0
            candidates.append((max(0, limit - usage), f"cgroup limit {format_bytes(limit)}"))
            break
    meminfo = _meminfo_available()
    if meminfo is not None:
        candidates.append((meminfo, "MemAvailable"))
    if not candidates:
        return None, "unknown"
    return min(candidates)


def memory_limit(flag: str | None = None) -> MemoryLimit:
    """Return the memory a run may plan to use.

    Parameters
    ----------
    flag : str, optional
        The ``--memory-limit`` flag's value (bytes or ``8G``); it wins over the
        ``HASHWINTER_MEMORY_LIMIT`` variable, which wins over the default,
        :data:`MEMORY_FRACTION` of :func:`available_memory`.

    """
    if flag is not None:
        return MemoryLimit(parse_bytes(flag, field="--memory-limit"), "--memory-limit")
    env = os.environ.get(MEMORY_ENV)
    if env:
        return MemoryLimit(parse_bytes(env, field=MEMORY_ENV), MEMORY_ENV)
    available, source = available_memory()
    if available is None:  # not Linux: no figure to go by; assume a small machine (8 GB)
        return MemoryLimit(int(MEMORY_FRACTION * 8e9), "assumed 8 GB machine")
    return MemoryLimit(int(MEMORY_FRACTION * available),
                       f"{MEMORY_FRACTION:g} x {source} {format_bytes(available)}")


def format_bytes(n: float) -> str:
    """Return a size for people: ``23.6 GB``, ``512 MB`` (decimal units)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


# --- Farm scenarios -------------------------------------------------------------------

#: Bytes per path and day a farm's results keep (hashwinter.scenario.farmrun.PathRecorder):
#: cash, coins, price, capex, mined, difficulty, network hashrate, height (float64) and
#: broke (bool). Each cohort's daily margin (8 more per cohort) only when asked for.
_FARM_KEPT_PER_PATH_DAY = 8 * 8 + 1
#: Bytes per path and cohort the results keep whatever the horizon: each fleet item's
#: payback day and cumulative margin at the end (the recorder's running figures).
_FARM_KEPT_PER_PATH_COHORT = 2 * 8
#: Bytes per path and day a chunk needs besides its results while it runs: the
#: simulated prices and difficulty of the market, and the engine's step arrays.
_FARM_WORK_PER_PATH_DAY = 3 * 8
#: Bytes per path and cohort of a chunk while it runs: the engine's (variants, paths,
#: cohorts) state and step arrays and the recorder's running margin and payback.
#: Measured 82 with tracemalloc (2,000 cohorts) and ~140 in resident memory (10,000
#: cohorts, benchmarks/bench_farm_mc.py); with room for the latter.
_FARM_WORK_PER_PATH_COHORT = 160
#: Bytes per cohort and day of a chunk whatever its paths: the (steps, cohorts) tariff
#: and the engine's per-cohort schedules. Measured 53 with tracemalloc; with room.
_FARM_WORK_PER_COHORT_DAY = 64
#: The parent holds every chunk's results and their concatenation (x2), then the
#: summary forms equity and P&L (two float64 per path and day).
_FARM_SUMMARY_PER_PATH_DAY = 2 * 8


def farm_bytes(
    *, paths: int, days: int, cohorts: int, chunk_paths: int, workers: int,
    daily_margin: bool = False,
) -> tuple[int, int]:
    """Estimate the peak memory of one farm of a scenario: (results in the parent, chunks).

    The recorder keeps per path and day a few balances, and per path and cohort
    running figures (payback, margin at the end), so the results grow with
    days x paths plus paths x cohorts, not with their product; a chunk's engine
    state grows with its paths x cohorts.

    Parameters
    ----------
    paths, days, cohorts : int
        Shapes of the run: price paths, simulated days, fleet items of the farm.
    chunk_paths : int
        Paths per chunk.
    workers : int
        Chunks that run at once.
    daily_margin : bool, default False
        The results keep each cohort's daily margin too (days x paths x cohorts).

    Returns
    -------
    (int, int)
        Bytes the parent holds for the results; bytes the chunks in flight need. [bytes]

    Examples
    --------
    Two cohorts, 2,000 paths over a year, chunks of 500 on 2 workers:

    >>> farm_bytes(paths=2000, days=365, cohorts=2, chunk_paths=500, workers=2)
    (106708000, 32930440)

    10,000 cohorts x 1,000 paths x 365 days in chunks of 250, one at a time (the
    benchmark's run; ~27 GiB more with each cohort's daily margin):

    >>> farm_bytes(paths=1000, days=365, cohorts=10_000, chunk_paths=250, workers=1)
    (373290000, 681721250)

    """
    per_day = _FARM_KEPT_PER_PATH_DAY + (8 * cohorts if daily_margin else 0)
    per_path = _FARM_KEPT_PER_PATH_COHORT * cohorts
    parent = paths * (days * (2 * per_day + _FARM_SUMMARY_PER_PATH_DAY) + 2 * per_path)
    n_chunks = min(workers, math.ceil(paths / chunk_paths))
    in_flight = n_chunks * min(chunk_paths, paths)
    chunks = (in_flight * (days * (per_day + _FARM_WORK_PER_PATH_DAY) + per_path
                           + _FARM_WORK_PER_PATH_COHORT * cohorts)
              + n_chunks * _FARM_WORK_PER_COHORT_DAY * cohorts * days)
    return int(parent), int(chunks)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What the guard decided: the estimate, the limit, and how many chunks may run at once.

    Attributes
    ----------
    bytes : int
        Estimated peak memory with ``workers`` chunks in flight. [bytes]
    limit : MemoryLimit
        The limit it was compared with.
    workers : int
        Local worker processes to use: the requested number, or fewer so that
        the chunks in flight fit (the results do not depend on it).
    work : float
        Elementary steps (farm: path-days x cohorts; block clock: blocks x paths x rules).
    note : str or None
        What the guard changed, for the user (None when nothing).

    """

    bytes: int
    limit: MemoryLimit
    workers: int
    work: float
    note: str | None = None


def _plan(shape: str, parent: int, chunk_bytes: Callable[[int], int], workers: int,
          limit: MemoryLimit, hint: str, work: float) -> Plan:
    """Fit the run under the limit by running fewer chunks at once, or refuse."""
    need = parent + chunk_bytes(workers)
    if need <= limit.bytes:
        return Plan(need, limit, workers, work)
    if parent + chunk_bytes(1) > limit.bytes:
        raise ResourceError(
            f"{shape} needs ~{format_bytes(need)} of memory; the limit is "
            f"{format_bytes(limit.bytes)} ({limit.source}): {hint}")
    fewer = max(w for w in range(1, workers) if parent + chunk_bytes(w) <= limit.bytes)
    note = (f"memory: {workers} chunks at once would need ~{format_bytes(need)}; running "
            f"{fewer} at once (limit {format_bytes(limit.bytes)}, {limit.source})")
    return Plan(parent + chunk_bytes(fewer), limit, fewer, work, note)


def guard_farm_run(
    *,
    paths: int,
    days: int,
    cohorts: Sequence[int],
    chunk_paths: int,
    workers: int,
    limit: MemoryLimit,
    points: int = 1,
    daily_margin: bool = False,
) -> Plan:
    """Check a farm scenario (or a sweep of ``points`` of them) against the memory limit.

    Parameters
    ----------
    paths, days : int
        Price paths and simulated days.
    cohorts : sequence of int
        Fleet items of each farm of the scenario.
    chunk_paths, workers : int
        Paths per chunk; local processes asked for.
    limit : MemoryLimit
        See :func:`memory_limit`.
    points : int, default 1
        Grid points of a sweep (their results are all held at once).
    daily_margin : bool, default False
        The results keep each cohort's daily margin (see :func:`farm_bytes`).

    Returns
    -------
    Plan
        With fewer workers than asked when only the chunks in flight were too
        large (the chunk size is never changed: chunk ``i`` is seeded by child
        ``i`` of the seed, so it is part of what a seed reproduces).

    Raises
    ------
    ResourceError
        The run does not fit even one chunk at a time.

    Examples
    --------
    >>> limit = MemoryLimit(2_000_000_000, "test")
    >>> guard_farm_run(paths=10**7, days=365, cohorts=[2], chunk_paths=1000, workers=2,
    ...                limit=limit)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hashwinter.resources.ResourceError: 10,000,000 paths x 365 days x 1 farms ... ~534 GB ...

    10,000 cohorts x 1,000 paths x 365 days fits in 2 GB in chunks of 250 (with each
    cohort's daily margin kept it would need ~66.8 GB):

    >>> guard_farm_run(paths=1000, days=365, cohorts=[10_000], chunk_paths=250, workers=1,
    ...                limit=limit).bytes
    1055011250

    """
    def results(c: int) -> int:
        return farm_bytes(paths=paths, days=days, cohorts=c, chunk_paths=chunk_paths,
                          workers=1, daily_margin=daily_margin)[0]

    def chunk_bytes(w: int) -> int:
        return max(farm_bytes(paths=paths, days=days, cohorts=c, chunk_paths=chunk_paths,
                              workers=w, daily_margin=daily_margin)[1] for c in cohorts)

    parent = points * sum(results(c) for c in cohorts)
    shape = (f"{points} grid points x " if points > 1 else "") + (
        f"{paths:,} paths x {days:,} days x {len(cohorts)} farms ({sum(cohorts)} cohorts)")
    hint = "use fewer paths, a shorter horizon_days or fewer grid points"
    if parent + chunk_bytes(1) > limit.bytes and parent <= limit.bytes:
        hint = "use a smaller chunk_paths (--chunk-paths) or fewer paths"
    work = float(points * paths * days * max(1, sum(cohorts)))
    return _plan(shape, parent, chunk_bytes, workers, limit, hint, work)


# --- Block clock -------------------------------------------------------------------------

#: Bytes per rule, path and trace point: five float32 series (interval, time,
#: difficulty, hashrate, price; hashwinter.engine.blocks.BlockTrace).
_TRACE_PER_POINT = 5 * 4
#: float64 arrays of shape (rules, paths) the block network keeps while it runs (state,
#: statistics, scratch), with room.
_CLOCK_STATE_ARRAYS = 32
#: A rolling-window rule's ring buffers per path: cumulative work and time, 256 slots
#: (the power of two above cw-144's window + 2; hashwinter.blockclock.rules).
_RING_PER_PATH = 2 * 256 * 8
#: The steps' book of a network that runs ahead: per rule, path and day, a count,
#: a difficulty and a hashrate (hashwinter.engine.blocks.BlockBook).
_BOOK_PER_DAY = 3 * 8
#: Random numbers held per path: up to two DRAW_CHUNK_BLOCKS chunks x (exponential, normal).
_DRAWS_PER_PATH = 2 * 64 * 2 * 8


def blockclock_bytes(
    *, paths: int, blocks: int, rules: int, trace_every: int, chunk_paths: int, workers: int
) -> tuple[int, int]:
    """Estimate the peak memory of a block-clock scenario: (results in the parent, chunks).

    Examples
    --------
    Noda et al.'s scenario (examples/scenarios/noda2019.toml): 5,000 paths,
    12,096 blocks, two rules, a trace point every 144 blocks, chunks of 2,500:

    >>> blockclock_bytes(paths=5000, blocks=12096, rules=2, trace_every=144,
    ...                  chunk_paths=2500, workers=2)
    (34880000, 91840000)

    """
    points = -(-blocks // trace_every) if trace_every else 0
    result = rules * (points * _TRACE_PER_POINT + 8 * 8)
    days = blocks * 600 // 86_400 + 2  # the study's run: the blocks at the target pace
    running = rules * (_CLOCK_STATE_ARRAYS * 8 + _RING_PER_PATH + days * _BOOK_PER_DAY)
    parent = 2 * paths * result  # every chunk's result and their concatenation
    in_flight = min(workers, math.ceil(paths / chunk_paths)) * min(chunk_paths, paths)
    chunks = in_flight * (result + running + _DRAWS_PER_PATH)
    return int(parent), int(chunks)


def guard_blockclock_run(
    *,
    paths: int,
    blocks: int,
    rules: Sequence[int],
    trace_every: int,
    chunk_paths: int,
    workers: int,
    limit: MemoryLimit,
) -> Plan:
    """Check block-clock scenarios (one per grid point, ``rules`` each) against the limit.

    Parameters are those of :func:`blockclock_bytes`, ``rules`` listing each grid
    point's number of retarget rules; see :func:`guard_farm_run` for the result
    and the errors. The work (blocks x paths x rules) is reported in the plan.

    Examples
    --------
    >>> limit = MemoryLimit(2_000_000_000, "test")
    >>> guard_blockclock_run(paths=5000, blocks=10**8, rules=[2], trace_every=144,
    ...                      chunk_paths=2500, workers=2, limit=limit)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hashwinter.resources.ResourceError: 5,000 paths x 100,000,000 blocks x 2 rules, ... ~583 GB ...

    """
    def chunk_bytes(w: int) -> int:
        return max(blockclock_bytes(paths=paths, blocks=blocks, rules=r, trace_every=trace_every,
                                    chunk_paths=chunk_paths, workers=w)[1] for r in rules)

    parent = sum(blockclock_bytes(paths=paths, blocks=blocks, rules=r, trace_every=trace_every,
                                  chunk_paths=chunk_paths, workers=1)[0] for r in rules)
    work = float(paths) * blocks * sum(rules)
    shape = (f"{len(rules)} grid points x " if len(rules) > 1 else "") + (
        f"{paths:,} paths x {blocks:,} blocks x {max(rules)} rules"
        + (f", a trace point every {trace_every} blocks" if trace_every else ""))
    hint = "use fewer paths or blocks, or a larger network.trace_every (0: no trace)"
    if parent + chunk_bytes(1) > limit.bytes and parent <= limit.bytes:
        hint = "use a smaller chunk_paths (--chunk-paths)"
    return _plan(shape, parent, chunk_bytes, workers, limit, hint, work)


# --- Backtests ---------------------------------------------------------------------------

#: Bytes per cohort and step of a backtest (the engine's state and the full daily
#: ledgers with their cohort columns), measured at ~400 with tracemalloc on a
#: 200-cohort, 1,095-day run; with room.
_BACKTEST_PER_COHORT_STEP = 500


def guard_backtest(*, cohorts: int, steps: int, limit: MemoryLimit) -> Plan:
    """Check a backtest (``cohorts`` fleet items over ``steps`` steps) against the limit.

    Examples
    --------
    >>> guard_backtest(cohorts=200, steps=1095, limit=MemoryLimit(10**9, "test")).bytes
    109500000

    """
    need = _BACKTEST_PER_COHORT_STEP * cohorts * steps
    if need > limit.bytes:
        raise ResourceError(
            f"{cohorts:,} cohorts x {steps:,} steps needs ~{format_bytes(need)} of memory; the "
            f"limit is {format_bytes(limit.bytes)} ({limit.source}): merge fleet items, "
            "use a shorter window or --resolution day")
    return Plan(need, limit, 1, float(cohorts) * steps)
