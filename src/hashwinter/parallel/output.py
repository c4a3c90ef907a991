"""Outputs that appear whole or not at all.

:func:`atomic_output_dir` hands out a temporary folder next to the target; files
are written there, and only when the ``with`` block ends without an error are
they moved into the target folder (a rename each, on the same file system). On
an error or Ctrl-C the temporary folder is removed and the target is untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hashwinter.errors import InputError

__all__ = ["atomic_output_dir"]


@contextlib.contextmanager
def atomic_output_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder whose files move into ``target`` on success.

    Parameters
    ----------
    target : path
        Output folder; created if missing. Files already in it with the same names
        are replaced; others are left alone.

    Yields
    ------
    Path
        The temporary folder to write into.

    Raises
    ------
    InputError
        ``target`` exists and is not a folder, or its parent cannot be written.

    """
    final = Path(target)
    if final.exists() and not final.is_dir():
        raise InputError("exists and is not a folder", field="--out", source=str(final))
    parent = final.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=parent))
        # mkdtemp makes the folder private (0700); give it the usual permissions.
        mask = os.umask(0)
        os.umask(mask)
        staging.chmod(0o777 & ~mask)
    except OSError as exc:
        raise InputError(f"cannot write there: {exc.strerror or exc}", field="--out") from None
    try:
        yield staging
        if not final.exists():
            staging.rename(final)  # one rename: the folder appears complete
            return
        for item in sorted(staging.iterdir()):
            os.replace(item, final / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
