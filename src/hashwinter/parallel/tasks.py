"""Coarse chunks, their seeds, and running them on an executor in order.

A run is cut into chunks whose layout depends only on the work (e.g. paths
per chunk), never on how many workers there are; chunk ``i`` gets the ``i``-th
child of ``numpy.random.SeedSequence(seed)``. Results are put back in chunk
order. So a seed gives the same numbers on one process, a pool of four or a
Dask cluster. :func:`run_chunks` shows a progress bar per finished chunk and,
on Ctrl-C or a failed chunk, cancels what has not run and re-raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from typing import TypeVar

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hashwinter.errors import InputError

__all__ = ["child_seeds", "chunk_sizes", "run_chunks"]

P = TypeVar("P")
R = TypeVar("R")


def chunk_sizes(n_items: int, per_chunk: int) -> list[int]:
    """Split ``n_items`` into chunks of ``per_chunk`` (the last one smaller).

    Examples
    --------
    >>> chunk_sizes(1100, 500)
    [500, 500, 100]

    """
    if n_items < 1:
        raise InputError(f"must be >= 1 (got {n_items})", field="paths")
    if per_chunk < 1:
        raise InputError(f"must be >= 1 (got {per_chunk})", field="chunk_paths")
    full, rest = divmod(n_items, per_chunk)
    return [per_chunk] * full + ([rest] if rest else [])


def child_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Return the first ``n`` children of ``SeedSequence(seed)`` (chunk ``i`` gets child ``i``)."""
    if seed < 0:
        raise InputError(f"must be >= 0 (got {seed})", field="seed")
    return list(np.random.SeedSequence(seed).spawn(n))


def run_chunks(
    executor: Executor,
    fn: Callable[[P], R],
    payloads: Sequence[P],
    *,
    description: str = "chunks",
    progress: bool = True,
    console: Console | None = None,
) -> list[R]:
    """Run ``fn`` on every payload through ``executor``; return results in payload order.

    Parameters
    ----------
    executor : concurrent.futures.Executor
        Where to run (see :func:`hashwinter.parallel.open_executor`).
    fn : callable
        A module-level function (it is pickled to the workers).
    payloads : sequence
        One argument per chunk (picklable).
    description : str
        Label of the progress bar.
    progress : bool, default True
        Show a progress bar advancing per finished chunk (on stderr).
    console : rich.console.Console, optional
        Where the bar is drawn (default: stderr).

    Returns
    -------
    list
        ``[fn(p) for p in payloads]``.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, after cancelling the chunks that have not started.
    Exception
        The first chunk's error, after cancelling the rest.

    """
    futures: list[Future[R]] = []
    try:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            disable=not progress,
            transient=False,
        )
        with bar:
            task = bar.add_task(description, total=len(payloads))
            pending = []
            for p in payloads:
                future = executor.submit(fn, p)
                futures.append(future)
                if future.done():  # run at submit (InProcessExecutor): counted now
                    future.result()  # surface a failed chunk at once
                    bar.advance(task)
                else:
                    pending.append(future)
            for done in as_completed(pending):
                done.result()  # surface a failed chunk at once
                bar.advance(task)
        return [f.result() for f in futures]
    except BaseException as exc:
        # On Ctrl-C a process pool is cancelled and stopped by its owner (open_executor).
        # Cancelling here as well races with the pool's manager thread, which then dies
        # on a cancelled future with a traceback on stderr (CPython gh-107219, fixed in
        # 3.12); cancelled by shutdown(cancel_futures=True), futures are cancelled there.
        if not (isinstance(exc, KeyboardInterrupt) and isinstance(executor, ProcessPoolExecutor)):
            for f in futures:
                f.cancel()
        raise
