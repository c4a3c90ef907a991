"""One local worker is this process: same results as a pool, no process started."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from hashwinter.cli.app import main
from hashwinter.errors import InputError
from hashwinter.parallel import InProcessExecutor, open_executor, run_chunks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _pid(_: object) -> int:
    return os.getpid()


def test_one_worker_runs_here_and_starts_no_process():
    with open_executor(workers=1) as ex:
        assert isinstance(ex, InProcessExecutor)
        assert run_chunks(ex, _pid, [0, 1, 2], progress=False) == [os.getpid()] * 3
    assert multiprocessing.active_children() == []


def test_in_process_results_in_order_and_first_failure_stops_the_run():
    ran: list[int] = []

    def work(x: int) -> int:
        ran.append(x)
        if x == 2:
            raise InputError("bad chunk", field="x")
        return x * x

    with InProcessExecutor() as ex:
        assert run_chunks(ex, work, [3, 1, 0], progress=False) == [9, 1, 0]
        ran.clear()
        with pytest.raises(InputError, match="bad chunk"):
            run_chunks(ex, work, [1, 2, 3, 4], progress=False)
    assert ran == [1, 2]  # chunks after the failed one never ran
    with pytest.raises(RuntimeError, match="after shutdown"):
        ex.submit(int, "1")


def test_in_process_interrupt_propagates_at_once():
    ran: list[int] = []

    def work(x: int) -> int:
        ran.append(x)
        if x == 1:
            raise KeyboardInterrupt
        return x

    with InProcessExecutor() as ex, pytest.raises(KeyboardInterrupt):
        run_chunks(ex, work, list(range(10)), progress=False)
    assert ran == [0, 1]


def _outputs(folder: Path) -> dict[str, object]:
    """Every file of a run's --out, without the run's clock and where it ran."""
    files: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(folder))
        if path.suffix == ".json":
            data = json.loads(path.read_text())
            if isinstance(data, dict) and "executor" in data:  # meta.json, summary.json
                assert data.pop("executor") in ("this process", "2 local processes")
                del data["seconds"], data["written"]
            files[name] = data
        elif path.suffix == ".html":
            # Plotly gives each chart a random id, and the page shows the run's seconds.
            files[name] = path.stat().st_size > 0
        else:
            files[name] = path.read_bytes()
    return files


@pytest.mark.slow
@pytest.mark.parametrize(("command", "scenario", "extra"), [
    ("simulate", "winter_farms.toml", ["--paths", "120", "--chunk-paths", "40"]),
    ("sweep", "noda2019.toml", ["--paths", "60", "--chunk-paths", "20",
                                "--grid", "price.sigma_per_day=0.02,0.08"]),
])  # fmt: skip
def test_one_worker_gives_the_pool_results(tmp_path, capsys, command, scenario, extra):
    runs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        code = main([command, str(EXAMPLES / scenario), *extra, "--workers", workers,
                     "--out", str(out), "--no-progress", "--format", "csv"])
        assert code == 0, capsys.readouterr().err
        runs[workers] = (capsys.readouterr().out, _outputs(out))
    assert runs["1"][0] == runs["2"][0]  # the printed summary
    assert runs["1"][1] == runs["2"][1]  # every file written
    assert len(runs["1"][1]) >= 3
