"""Chunks, seeds, ordered results, cancellation and all-or-nothing outputs."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from hashwinter.errors import InputError
from hashwinter.parallel import atomic_output_dir, child_seeds, chunk_sizes, run_chunks


def test_chunk_sizes_and_seeds_do_not_depend_on_workers():
    assert chunk_sizes(1000, 500) == [500, 500]
    assert chunk_sizes(7, 3) == [3, 3, 1]
    a = [np.random.default_rng(s).random() for s in child_seeds(42, 3)]
    b = [np.random.default_rng(s).random() for s in child_seeds(42, 5)[:3]]
    assert a == b  # child i is the same however many children are spawned
    assert len(set(a)) == 3
    with pytest.raises(InputError):
        chunk_sizes(0, 10)
    with pytest.raises(InputError):
        child_seeds(-1, 2)


def _square(x: int) -> int:
    time.sleep(0.01 * (5 - x))  # later payloads finish first
    return x * x


def test_results_come_back_in_payload_order():
    with ThreadPoolExecutor(3) as ex:
        assert run_chunks(ex, _square, [1, 2, 3, 4], progress=False) == [1, 4, 9, 16]


def test_interrupt_cancels_chunks_not_started():
    started: list[int] = []
    gate = threading.Event()

    def work(x: int) -> int:
        started.append(x)
        if x == 0:
            raise KeyboardInterrupt
        gate.wait(1.0)
        return x

    with ThreadPoolExecutor(1) as ex:
        with pytest.raises(KeyboardInterrupt):
            run_chunks(ex, work, list(range(20)), progress=False)
        gate.set()
    # The worker may pick up chunk 1 before the interrupt reaches the main thread; the
    # other 18 are cancelled before they start.
    assert started[0] == 0 and len(started) <= 2


def test_failed_chunk_raises_its_error():
    def work(x: int) -> int:
        if x == 2:
            raise InputError("bad chunk", field="x")
        return x

    with ThreadPoolExecutor(2) as ex, pytest.raises(InputError, match="bad chunk"):
        run_chunks(ex, work, [1, 2, 3], progress=False)


def test_atomic_output_dir_all_or_nothing(tmp_path: Path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError), atomic_output_dir(target) as staging:
        (staging / "a.csv").write_text("half")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind
    with atomic_output_dir(target) as staging:
        (staging / "a.csv").write_text("1")
    assert (target / "a.csv").read_text() == "1"
    (target / "keep.txt").write_text("mine")
    with atomic_output_dir(target) as staging:
        (staging / "a.csv").write_text("2")
    assert (target / "a.csv").read_text() == "2"
    assert (target / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"), atomic_output_dir(tmp_path / "file"):
        pass



class _NoProcessPool(ProcessPoolExecutor):
    """A process pool that starts nothing: submit hands out pending futures, then fails."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(1)
        self.error = error
        self.made: list[Future[int]] = []

    def submit(self, fn, /, *args, **kwargs):
        if len(self.made) == 2:
            raise self.error
        self.made.append(Future())
        return self.made[-1]


def test_interrupt_leaves_a_process_pools_futures_to_its_owner():
    # open_executor cancels a process pool's futures in its manager thread; cancelling
    # them from here first makes that thread die with a traceback (CPython gh-107219).
    pool = _NoProcessPool(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run_chunks(pool, int, ["1", "2", "3"], progress=False)
    assert len(pool.made) == 2 and not any(f.cancelled() for f in pool.made)
    # Any other error: cancelled here, as on every executor.
    pool = _NoProcessPool(InputError("bad chunk", field="x"))
    with pytest.raises(InputError):
        run_chunks(pool, int, ["1", "2", "3"], progress=False)
    assert len(pool.made) == 2 and all(f.cancelled() for f in pool.made)
