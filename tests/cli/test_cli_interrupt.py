"""Ctrl-C during a run: one line from the parent, status 130, nothing written, no worker tracebacks.

The terminal sends SIGINT to the whole process group: the command and its
worker processes. Workers start with SIGINT blocked and then ignore it
(hashwinter.parallel.executors); the parent prints one line (hashwinter.cli.app.main,
wherever the interrupt lands). Interrupted at several moments: while typer and the
command import what they need (0.3 s), while the workers start (1 s), while they
import and run (2.5 s, 4 s). The CLI starts in a tenth of a second of CPU, so on a
quiet machine 1 s is already past the imports; benchmarks/stress_ctrlc.py repeats this
under load, at more moments and for more commands.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@pytest.mark.slow
@pytest.mark.parametrize("after_s", [0.3, 1.0, 2.5, 4.0])
def test_ctrl_c_is_one_line_exit_130_and_writes_nothing(tmp_path, after_s):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hashwinter.cli.app", "simulate", str(EXAMPLES / "noda2019.toml"),
         "--paths", "50000", "--workers", "2", "--out", str(out), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=env, cwd=tmp_path,
    )  # fmt: skip
    time.sleep(after_s)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole group
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        # Not seen in the stress runs (docs/scenarios.md), but a Ctrl-C that lands while
        # the workers are started with SIGINT blocked could be lost: a second one must stop
        # the run with the same outcome.
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err == "hashwinter: interrupted; nothing written\n"
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hashwinter")]
