"""Where chunks run: a local process pool by default, a Dask cluster when asked.

:func:`open_executor` yields a :class:`concurrent.futures.Executor`: a
:class:`~concurrent.futures.ProcessPoolExecutor` on this machine, or, given a
scheduler address (``tcp://host:8786``), the executor of a
``distributed.Client`` connected to it. One local worker is this process
(:class:`InProcessExecutor`): a spawned worker would spend seconds importing numpy
and the engine before its first chunk. Nothing else differs, so a run gives
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
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import ParamSpec, TypeVar

from hashwinter.errors import InputError

__all__ = ["InProcessExecutor", "default_workers", "open_executor"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class InProcessExecutor(Executor):
    """Run each submitted call in this process, at once: futures complete in submit order.

    The executor of one local worker. A call's exception is set on its future, as a
    pool does; a :class:`KeyboardInterrupt` (any exception that is not an
    :class:`Exception`) propagates out of :meth:`submit`, so Ctrl-C stops the run at
    once. Payloads and results are not pickled: a chunk function must not change its
    payload (none does; the same results with one and with two workers are tested).

    Examples
    --------
    >>> with InProcessExecutor() as ex:
    ...     futures = [ex.submit(pow, 2, n) for n in range(4)]
    ...     failed = ex.submit(int, "x")
    >>> [f.result() for f in futures], failed.exception()
    ([1, 2, 4, 8], ValueError("invalid literal for int() with base 10: 'x'"))

    """

    def __init__(self) -> None:
        self._closed = False

    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Future[_T]:
        """Call ``fn(*args, **kwargs)`` now; return its completed future."""
        if self._closed:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: Future[_T] = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuse further calls (every submitted call has already run)."""
        self._closed = True


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
    """Stop the workers of an interrupted pool now rather than after their running chunks.

    Its futures are cancelled by ``shutdown(cancel_futures=True)`` alone, in the pool's
    manager thread: one cancelled from another thread before the workers die makes
    that thread fail with a traceback (CPython gh-107219, fixed in 3.12), which is why
    :func:`~hashwinter.parallel.run_chunks` leaves a process pool's futures alone on Ctrl-C.
    """
    # The standard library has no public way before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            process.terminate()


@contextlib.contextmanager
def open_executor(
    cluster: str | None = None,
    *,
    workers: int | None = None,
    timeout_s: float = 10.0,
    spawn_single: bool = False,
) -> Iterator[Executor]:
    """Yield an executor; shut it down (cancelling pending work) on exit.

    Parameters
    ----------
    cluster : str, optional
        Address of a Dask scheduler, e.g. ``"tcp://127.0.0.1:8786"``. None runs a
        local process pool.
    workers : int, optional
        Processes of the local pool (default: the CPUs available). Ignored with
        a cluster, whose size is the cluster's. One worker is this process
        (:class:`InProcessExecutor`), unless ``spawn_single``.
    timeout_s : float, default 10
        How long to wait for the scheduler. [s]
    spawn_single : bool, default False
        Run even one worker in a spawned process: for a caller whose thread must not
        block while a call runs (the web's job manager).

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
        if n == 1 and not spawn_single:
            with InProcessExecutor() as inline:
                yield inline
            return
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
