"""Where chunks run: a local process pool by default, a Dask cluster when asked.

:func:`open_executor` yields a :class:`concurrent.futures.Executor`: a
:class:`~concurrent.futures.ProcessPoolExecutor` on this machine, or, given a
scheduler address (``tcp://host:8786``), the executor of a
``distributed.Client`` connected to it. Nothing else differs, so a run gives
the same numbers on either (seeds travel with the chunks, see
:mod:`hashwinter.parallel.tasks`). Workers of a remote cluster must have
hashwinter installed (the same version). Dask is optional: ``pip install
"hashwinter[cluster]"`` (without it, asking for a cluster is an :class:`InputError`
saying so).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from hashwinter.errors import InputError

__all__ = ["default_workers", "open_executor"]


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _ignore_sigint() -> None:
    """Worker initializer: leave SIGINT to the parent (no traceback per worker on Ctrl-C)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_workers(pool: ProcessPoolExecutor, n: int) -> None:
    """Start the ``n`` workers now, with SIGINT blocked: they inherit the mask.

    A worker takes a second or more to import numpy and hashwinter before its
    initializer can ignore SIGINT; a Ctrl-C in that window would print a
    traceback per worker. Blocked in the parent while they are spawned, SIGINT
    stays blocked in them; a Ctrl-C meanwhile reaches the parent when the mask is
    restored. (A pool spawns a worker per submitted task while none is idle.)
    """
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        for _ in range(n):
            pool.submit(int)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the workers of an interrupted pool now rather than after their running chunks."""
    # The standard library has no public way before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            process.terminate()


@contextlib.contextmanager
def open_executor(
    cluster: str | None = None, *, workers: int | None = None, timeout_s: float = 10.0
) -> Iterator[Executor]:
    """Yield an executor; shut it down (cancelling pending work) on exit.

    Parameters
    ----------
    cluster : str, optional
        Address of a Dask scheduler, e.g. ``"tcp://127.0.0.1:8786"``. None runs a
        local process pool.
    workers : int, optional
        Processes of the local pool (default: the CPUs available). Ignored with
        a cluster, whose size is the cluster's.
    timeout_s : float, default 10
        How long to wait for the scheduler. [s]

    Yields
    ------
    concurrent.futures.Executor

    Raises
    ------
    InputError
        The scheduler cannot be reached, Dask is not installed (the ``cluster``
        extra), or ``workers < 1``.

    """
    if cluster is None:
        n = default_workers() if workers is None else workers
        if n < 1:
            raise InputError(f"must be >= 1 (got {n})", field="workers")
        # spawn, not fork: workers start clean (no copied threads or locks of the parent).
        # Workers ignore Ctrl-C (the terminal sends SIGINT to the whole process group):
        # the parent alone handles it, prints one line, and stops them.
        pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_ignore_sigint)
        try:
            _start_workers(pool, n)
            yield pool
        except KeyboardInterrupt:
            _terminate(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return

    try:
        # Imported only when a cluster is used: Dask is the optional "cluster" extra.
        from distributed import Client
    except ImportError:
        raise InputError(
            'needs Dask, which is not installed: pip install "hashwinter[cluster]"',
            field="--cluster",
        ) from None

    try:
        client = Client(cluster, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler: {exc}", field="--cluster") from None
    try:
        executor = client.get_executor()
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)
    finally:
        client.close()
