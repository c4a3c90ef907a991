"""Benchmark: start-up, the CPU a short command costs before and after the lazy imports.

Goals (issue 10): ``hashwinter --help`` < 0.3 s of CPU and ``hashwinter shutdown`` (the
README's quick start) < 0.6 s of CPU. Measured: user + system CPU of the child process
(``resource.getrusage(RUSAGE_CHILDREN)`` before and after each run) and its wall time, for

- ``import hashwinter``;
- ``hashwinter --help``;
- ``hashwinter shutdown``: the README's first command (the built-in 25 Nov 2018 state);
- ``hashwinter shutdown --date 2018-12-15 --currency CNY``: the README's tour, on a store
  built from the real data as the README does (``data import coinmetrics btc_daily.csv``,
  ``data import ecb usd_cny_daily.csv``).

Each command is run as the console script runs it (``from hashwinter.cli.app import main``)
in a fresh interpreter with ``PYTHONPATH`` at a source tree: this one ("after") and, with
``--before SRC``, another (e.g. a worktree of the commit before). Runs are interleaved
(command by command, tree by tree, repeat by repeat) after one untimed warm-up run of
each (byte code compiled, files in the page cache); min and median of ``--repeats``. The
printed output of every command must be the same in both trees (asserted).

Run: python benchmarks/bench_startup.py [--before ../wt-base/src] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import machine, shared_data_file

HELP_GOAL_S = 0.3
SHUTDOWN_GOAL_S = 0.6
AFTER = Path(__file__).resolve().parents[1] / "src"
#: What the ``hashwinter`` console script runs.
SCRIPT = "import sys; from hashwinter.cli.app import main; sys.exit(main())"


def run(src: Path, argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``argv`` in a fresh interpreter on ``src``; return (CPU s, wall s, stdout)."""
    env = {k: v for k, v in os.environ.items() if k != "HASHWINTER_STORE"}
    env.update(PYTHONPATH=str(src), COLUMNS="200")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env,
                          cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} on {src} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="source tree to compare with (its src/)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    trees = {"after": AFTER}
    if args.before is not None:
        trees = {"before": args.before.resolve(), **trees}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = work / "history.duckdb"
        for source, name in (("coinmetrics", "btc_daily.csv"), ("ecb", "usd_cny_daily.csv")):
            run(AFTER, ["-c", SCRIPT, "data", "import", source, str(shared_data_file(name)),
                        "--store", str(store)], work)
        commands = {
            "import hashwinter": ["-c", "import hashwinter"],
            "hashwinter --help": ["-c", SCRIPT, "--help"],
            "hashwinter shutdown": ["-c", SCRIPT, "shutdown"],
            "hashwinter shutdown --date 2018-12-15 --currency CNY":
                ["-c", SCRIPT, "shutdown", "--date", "2018-12-15", "--currency", "CNY",
                 "--store", str(store)],
        }
        cpu: dict[tuple[str, str], list[float]] = {}
        wall: dict[tuple[str, str], list[float]] = {}
        outputs: dict[tuple[str, str], str] = {}
        for argv in commands.values():  # warm-up, not timed: byte code, page cache
            for src in trees.values():
                run(src, argv, work)
        for _ in range(args.repeats):
            for label, argv in commands.items():
                for tree, src in trees.items():
                    c, w, out = run(src, argv, work)
                    cpu.setdefault((label, tree), []).append(c)
                    wall.setdefault((label, tree), []).append(w)
                    outputs[(label, tree)] = out
    if "before" in trees:
        for label in commands:
            assert outputs[(label, "before")] == outputs[(label, "after")], label
    load = os.getloadavg()[0]
    print(f"{machine()}; load average {load:.1f}; {args.repeats} interleaved runs each")
    print("| command | " + " | ".join(f"{t} CPU min / median [s]" for t in trees)
          + " | after wall median [s] |" + (" CPU ratio (median) |" if len(trees) > 1 else ""))
    print("|---|" + "---|" * len(trees) + "---|" + ("---|" if len(trees) > 1 else ""))
    for label in commands:
        cells = [f"{min(cpu[(label, t)]):.3f} / {statistics.median(cpu[(label, t)]):.3f}"
                 for t in trees]
        row = f"| `{label}` | " + " | ".join(cells)
        row += f" | {statistics.median(wall[(label, 'after')]):.3f} |"
        if len(trees) > 1:
            ratio = (statistics.median(cpu[(label, "before")])
                     / statistics.median(cpu[(label, "after")]))
            row += f" {ratio:.1f}× |"
        print(row)
    help_cpu = statistics.median(cpu[("hashwinter --help", "after")])
    shutdown_cpu = statistics.median(cpu[("hashwinter shutdown", "after")])
    print(f"goals (median): --help {help_cpu:.3f} s < {HELP_GOAL_S} s: "
          f"{'met' if help_cpu < HELP_GOAL_S else 'NOT met'}; shutdown {shutdown_cpu:.3f} s "
          f"< {SHUTDOWN_GOAL_S} s: {'met' if shutdown_cpu < SHUTDOWN_GOAL_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
