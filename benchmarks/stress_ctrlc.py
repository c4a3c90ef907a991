"""Stress check (not timed): Ctrl-C at many moments of a command, under CPU load.

Every interrupted run must exit 130 with exactly one line on stderr, ``hashwinter:
interrupted; nothing written``, and leave nothing behind (tests/cli/test_cli_interrupt.py
checks two moments; this checks many, repeatedly). ``--busy`` processes spin meanwhile
(default 2, one per core here) so that the windows stretch as on a loaded machine. Each
run: the command in a new session, SIGINT to its whole process group after the delay (as
a terminal does), 15 s to stop (else a second Ctrl-C, counted). Commands: ``sim2``/``sim1``
(noda2019.toml, 50,000 paths, 2 or 1 workers), ``farm1`` (winter_farms.toml, 1 worker),
``plan`` and ``backtest`` (the README's, on a store imported from the real data).

Run: python benchmarks/stress_ctrlc.py [--src SRC] [--repeats 10] [--delays 0.3 0.6 1 1.5 2.5]
     [--busy 2] [sim2 sim1 farm1 plan backtest]
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from _shared import shared_data_file

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = "hashwinter: interrupted; nothing written\n"


def command(name: str, out: Path, store: Path) -> list[str]:
    """Return the hashwinter arguments of a stress command."""
    noda = str(ROOT / "examples/scenarios/noda2019.toml")
    return {
        "sim2": ["simulate", noda, "--paths", "50000", "--workers", "2", "--out", str(out),
                 "--no-progress"],
        "sim1": ["simulate", noda, "--paths", "50000", "--workers", "1", "--out", str(out),
                 "--no-progress"],
        "farm1": ["simulate", str(ROOT / "examples/scenarios/winter_farms.toml"), "--workers",
                  "1", "--out", str(out), "--no-progress"],
        "plan": ["plan", str(ROOT / "examples/shihezi_hu_haifeng.toml"), "--sites",
                 str(ROOT / "examples/sites/sichuan_wet_season.toml"), "--from", "2018-11-01",
                 "--to", "2019-12-31", "--store", str(store), "--out", str(out)],
        "backtest": ["backtest", str(ROOT / "examples/lao_luo_a741.toml"), "--from",
                     "2018-11-01", "--to", "2018-12-31", "--store", str(store), "--out",
                     str(out)],
    }[name]


def interrupt_once(src: Path, argv: list[str], delay: float, cwd: Path) -> tuple[str, str]:
    """Run, interrupt after ``delay`` s; return (outcome, detail)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.Popen([sys.executable, "-m", "hashwinter.cli.app", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env, cwd=cwd)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGINT)
    again = ""
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        again = " (2nd Ctrl-C)"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    left = sorted(p.name for p in cwd.iterdir())
    if proc.returncode == 0:
        return "finished first", ""
    if proc.returncode == 130 and err == EXPECTED and not left:
        return "ok" + again, ""
    return f"BAD exit {proc.returncode}{again}", f"left {left}, stderr ...{err[-400:]!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commands", nargs="*", default=["sim2", "sim1", "farm1", "plan",
                                                        "backtest"])
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--delays", type=float, nargs="+", default=[0.3, 0.6, 1.0, 1.5, 2.5])
    parser.add_argument("--busy", type=int, default=2)
    args = parser.parse_args()
    src = args.src.resolve()
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.busy)]
    bad = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp) / "history.duckdb"
            if {"plan", "backtest"} & set(args.commands):
                for source, name in (("coinmetrics", "btc_daily.csv"),
                                     ("ecb", "usd_cny_daily.csv")):
                    subprocess.run([sys.executable, "-m", "hashwinter.cli.app", "data", "import",
                                    source, str(shared_data_file(name)), "--store", str(store)],
                                   env={**os.environ, "PYTHONPATH": str(src)}, check=True,
                                   capture_output=True)
            for name in args.commands:
                tally: dict[float, collections.Counter[str]] = {
                    d: collections.Counter() for d in args.delays}
                details: list[str] = []
                for _ in range(args.repeats):
                    for delay in args.delays:
                        cwd = Path(tempfile.mkdtemp(dir=tmp))
                        outcome, detail = interrupt_once(src, command(name, cwd / "out", store),
                                                         delay, cwd)
                        tally[delay][outcome] += 1
                        if detail:
                            bad += 1
                            details.append(f"  {delay:g} s: {outcome}: {detail}")
                        shutil.rmtree(cwd, ignore_errors=True)
                counts = "; ".join(f"{d:g} s: " + ", ".join(f"{k} {v}" for k, v in c.items())
                                   for d, c in tally.items())
                print(f"{name}: {counts}", flush=True)
                for line in details[:5]:
                    print(line, flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
