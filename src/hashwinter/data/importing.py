"""Import a file (or frames) into the store: parse everything first, then one transaction.

A file is parsed completely before anything is written; a bad row makes the
whole import fail with every problem listed (``file:line:column: why``), unless
``skip_bad`` drops and reports the bad rows. The write is one transaction, so
an import either lands completely or not at all, even if the process dies.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hashwinter.data.importers import parse_source, read_text
from hashwinter.data.paths import resolve_store_path
from hashwinter.data.store import HistoryStore, check_frames

__all__ = ["ImportReport", "import_file", "import_frames", "import_text"]

#: Progress callback: ``progress(stage, done, total)`` with stage ``"parse"`` or ``"write"``.
StageProgress = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes
    ----------
    source : str
        Importer name.
    origin : str
        File or URL.
    store : pathlib.Path
        The store written.
    rows : dict of str to int
        Rows written (inserted or updated) per table.
    skipped : tuple of str
        Messages for bad rows dropped with ``skip_bad`` (listing is capped).
    skipped_rows : int
        How many rows were dropped.

    """

    source: str
    origin: str
    store: Path
    rows: dict[str, int]
    skipped: tuple[str, ...] = ()
    skipped_rows: int = 0

    def summary(self) -> str:
        """One line, e.g. ``imported btc.csv (coinmetrics): chain_daily 5727, ...``."""
        parts = ", ".join(f"{t} {n:,}" for t, n in self.rows.items()) or "nothing"
        tail = f"; skipped {self.skipped_rows:,} bad rows" if self.skipped_rows else ""
        return f"imported {self.origin} ({self.source}): {parts}{tail} -> {self.store}"


def import_frames(
    frames: Sequence[pd.DataFrame],
    *,
    store: str | os.PathLike[str] | HistoryStore | None = None,
    source: str | None = None,
    origin: str | None = None,
    skipped: Sequence[str] = (),
    progress: StageProgress | None = None,
) -> ImportReport:
    """Write tidy frames to the store in one transaction (upsert).

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        Frames from ``read_<source>`` or ``get_<source>``.
    store : path or HistoryStore, optional
        Where to write (default: ``$HASHWINTER_STORE`` or the user data dir).
    source, origin : str, optional
        Recorded in the import log (default: the first frame's attrs).
    skipped : sequence of str
        Messages of rows the parser dropped (for the report and log); a
        :class:`~hashwinter.data.importers._parse.Skipped` also carries the row count.
    progress : callable, optional
        ``progress("write", done_rows, total_rows)``.

    Returns
    -------
    ImportReport
        Rows written per table.

    """
    first = frames[0].attrs if frames else {}
    src = source or str(first.get("source", "frames"))
    org = origin or str(first.get("origin", "frames"))
    n_skipped = int(getattr(skipped, "rows", len(skipped)))

    def write(st: HistoryStore) -> ImportReport:
        cb = (lambda done, total: progress("write", done, total)) if progress else None
        rows = st.write(frames, source=src, origin=org, skipped=n_skipped, progress=cb)
        return ImportReport(src, org, st.path, rows, tuple(skipped), n_skipped)

    if isinstance(store, HistoryStore):
        return write(store)
    # Check before opening: a refused import must not even create the store file.
    check_frames(frames)
    path = resolve_store_path(store)
    existed = path.exists()
    try:
        with HistoryStore.open(path, write=True) as st:
            return write(st)
    except BaseException:
        if not existed:
            # Nothing is written on failure, not even an empty new store.
            for leftover in (path, path.with_name(path.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        raise


def import_text(
    source: str,
    text: str,
    origin: str,
    *,
    store: str | os.PathLike[str] | HistoryStore | None = None,
    skip_bad: bool = False,
    progress: StageProgress | None = None,
    **options: Any,
) -> ImportReport:
    """Parse text with the named importer and write it (used by the downloaders).

    Parameters
    ----------
    source : str
        Importer name (see :data:`hashwinter.data.importers.IMPORTERS`).
    text : str
        File or response content.
    origin : str
        File name or URL.
    store : path or HistoryStore, optional
        Where to write.
    skip_bad : bool
        Drop and report bad rows instead of failing (and importing nothing).
    progress : callable, optional
        ``progress(stage, done, total)``.
    **options
        Source options, e.g. ``asset="BTC"``.

    Returns
    -------
    ImportReport
        Rows written per table, and skipped rows.

    """
    if progress is not None:
        progress("parse", 0, 1)
    frames, skipped = parse_source(source, text, origin, skip_bad=skip_bad, **options)
    if progress is not None:
        progress("parse", 1, 1)
    return import_frames(frames, store=store, source=source, origin=origin, skipped=skipped,
                         progress=progress)


def import_file(
    source: str,
    path: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str] | HistoryStore | None = None,
    skip_bad: bool = False,
    progress: StageProgress | None = None,
    **options: Any,
) -> ImportReport:
    """Import a file into the history store: all of it, in one transaction, or nothing.

    Parameters
    ----------
    source : str
        ``coinmetrics``, ``ecb``, ``csv``, ``blockchain-com``, ``mempool`` or
        ``machine-prices``.
    path : str or path-like
        The file.
    store : path or HistoryStore, optional
        Where to write (default: ``$HASHWINTER_STORE`` or the user data dir).
    skip_bad : bool
        Drop and report bad rows instead of failing.
    progress : callable, optional
        ``progress(stage, done, total)``; stage ``"parse"`` then ``"write"``.
    **options
        Source options: ``asset`` (coinmetrics, csv), ``series`` and
        ``currency`` (csv), ``chart`` (blockchain-com).

    Returns
    -------
    ImportReport
        Rows written per table (re-importing the same file writes the same
        rows again as updates, never duplicates).

    Raises
    ------
    InputError, InputErrors
        For a missing file, an unknown source or option, or bad rows (each as
        ``file:line:column: field: why``); the store is then unchanged.

    """
    text, origin = read_text(path)
    return import_text(source, text, origin, store=store, skip_bad=skip_bad, progress=progress,
                       **options)
