"""The whole story: ``hashwinter story winter-2018`` at full and CI scale (goal: full < 5 min).

Each repeat runs :func:`hashwinter.story.run_story` in this process on a new store built from
the public data (the store build is part of the time, as in the command), with the PDF
printed by headless Chromium where installed; runs alternate full / ci. Prints the wall time
of each run (min / median over repeats) and, for the last full run, the time of each step.
One end-to-end ``python -m hashwinter.cli.app story`` (interpreter start and imports
included) is timed at the end.

Run: ``PYTHONPATH=src python benchmarks/bench_story.py [--repeats 2]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import SHARED_DATA, machine
from hashwinter.story import run_story


def one_run(scale: str, out: Path) -> tuple[float, list[tuple[str, float]]]:
    """Run the story once; return its wall time [s] and each step's time [s]."""
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    run_story("winter-2018", out, scale=scale, data_dir=SHARED_DATA,
              progress=lambda done, total, what: marks.append((what, time.perf_counter())))
    wall = time.perf_counter() - start
    steps = [(what, t1 - t0) for (what, t0), (_, t1) in itertools.pairwise(marks)]
    return wall, steps


def main() -> None:
    """Time the story at both scales, interleaved, then once through the CLI."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(machine(), "| load average:", open("/proc/loadavg").read().split()[:3])
    times: dict[str, list[float]] = {"full": [], "ci": []}
    steps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for scale in ("full", "ci"):
                wall, s = one_run(scale, Path(tmp) / f"{scale}{i}")
                times[scale].append(wall)
                if scale == "full":
                    steps = s
                print(f"{scale} run {i + 1}: {wall:.1f} s", flush=True)
        for scale, ts in times.items():
            print(f"{scale}: min {min(ts):.1f} s, median {statistics.median(ts):.1f} s "
                  f"({len(ts)} runs)")
        print("last full run, by step:", ", ".join(f"{w} {t:.1f} s" for w, t in steps))
        env = {**os.environ, "HASHWINTER_SHARED_DATA": str(SHARED_DATA)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hashwinter.cli.app", "story", "winter-2018",
                        "--out", str(Path(tmp) / "cli"), "--scale", "full"], check=True, env=env)
        print(f"CLI, full scale, end to end: {time.perf_counter() - start:.1f} s")
    print("load average after:", open("/proc/loadavg").read().split()[:3])


if __name__ == "__main__":
    main()
