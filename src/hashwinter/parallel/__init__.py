"""Scale-out: chunks of work on any ``concurrent.futures.Executor`` (local or Dask).

- :func:`open_executor` — a local process pool (one worker: this process,
  :class:`InProcessExecutor`), or a Dask cluster's executor.
- :func:`chunk_sizes`, :func:`child_seeds` — a chunk layout and its seeds that do
  not depend on the number of workers.
- :func:`run_chunks` — submit, show progress per chunk, cancel on Ctrl-C, return
  results in order.
- :func:`atomic_output_dir` — write outputs to a temporary folder and move them
  into place only when everything is written.
"""

from hashwinter.parallel.executors import InProcessExecutor, default_workers, open_executor
from hashwinter.parallel.output import atomic_output_dir
from hashwinter.parallel.tasks import child_seeds, chunk_sizes, run_chunks

__all__ = [
    "InProcessExecutor",
    "atomic_output_dir",
    "child_seeds",
    "chunk_sizes",
    "default_workers",
    "open_executor",
    "run_chunks",
]
