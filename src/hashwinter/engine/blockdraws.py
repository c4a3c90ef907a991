"""The random numbers of a block network, keyed by (block number, path).

Block ``n`` of the run on path ``p`` always uses the ``n``-th exponential and
normal of path ``p``, whichever step it falls in and however fast other paths
go: variants (e.g. one retarget rule each) share them, and a path's numbers do
not depend on which other paths run with it. They are drawn in chunks of
:data:`DRAW_CHUNK_BLOCKS` blocks × all paths (an exponential array, then a
standard-normal one: the layout that makes a seed reproduce a run) as the
fastest path needs them, and dropped once the slowest has passed them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["DRAW_CHUNK_BLOCKS", "BlockDraws"]

FloatArray = npt.NDArray[np.float64]

#: Blocks whose random numbers are drawn at once: per chunk, an exponential array
#: ``(chunk, n_paths)`` then a standard-normal one. Part of the contract that makes a
#: seed reproduce a run.
DRAW_CHUNK_BLOCKS: int = 64


class BlockDraws:
    """A window of rows (block numbers) of pre-scaled draws, ``(rows, n_paths)`` flat.

    Parameters
    ----------
    rng : numpy.random.Generator or None
        Source of the draws; None with ``draws``.
    n_paths : int
        Paths (columns).
    max_blocks : int or None
        Blocks per path at most (no rows are drawn beyond it).
    exp_scale, normal_scale : float
        Factors the exponentials and normals are multiplied by once, when drawn.
    draws : tuple of ndarray, optional
        Explicit ``(exponentials, normals)``, each ``(n_blocks, n_paths)``.

    """

    def __init__(
        self, rng: np.random.Generator | None, n_paths: int, max_blocks: int | None,
        exp_scale: float, normal_scale: float,
        draws: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        self.rng = rng
        self.n_paths = n_paths
        self.max_blocks = max_blocks
        self.exp_scale = exp_scale
        self.normal_scale = normal_scale
        self.first = 0  # block number of row 0
        if draws is not None:
            e, z = (np.asarray(a, dtype=np.float64) for a in draws)
            if e.shape != z.shape or e.ndim != 2 or e.shape[1] != n_paths:
                raise InputError(f"each must be shaped (blocks, {n_paths})", field="draws")
            self.exp = (e * exp_scale).reshape(-1)
            self.normal = (z * normal_scale).reshape(-1)
            self.rows = e.shape[0]
            self.fixed = True
        else:
            if rng is None:
                raise InputError("give a seed (or explicit draws)", field="seed")
            self.exp = np.empty(0)
            self.normal = np.empty(0)
            self.rows = 0
            self.fixed = False

    @property
    def end(self) -> int:
        """Block number after the last row held."""
        return self.first + self.rows

    def cover(self, last_block: int, keep_from: int) -> int:
        """Hold rows up to block ``last_block`` (if it may exist); drop rows before ``keep_from``.

        Returns the rows dropped (indices into the flat arrays move back by
        ``dropped * n_paths``).
        """
        if self.fixed:
            return 0
        dropped = 0
        drop = (keep_from - self.first) // DRAW_CHUNK_BLOCKS * DRAW_CHUNK_BLOCKS
        if drop > 0:
            dropped = drop
            self.exp = self.exp[drop * self.n_paths:]
            self.normal = self.normal[drop * self.n_paths:]
            self.first += drop
            self.rows -= drop
        new_e, new_z = [], []
        end = self.end
        limit = self.max_blocks if self.max_blocks is not None else np.iinfo(np.int64).max
        while end <= last_block and end < limit:
            size = min(DRAW_CHUNK_BLOCKS, limit - end)
            assert self.rng is not None
            e = self.rng.standard_exponential((size, self.n_paths))
            z = self.rng.standard_normal((size, self.n_paths))
            e *= self.exp_scale
            z *= self.normal_scale
            new_e.append(e.reshape(-1))
            new_z.append(z.reshape(-1))
            end += size
        if len(new_e) == 1 and self.exp.size == 0:
            self.exp, self.normal = new_e[0], new_z[0]  # paths in lockstep: no copy
            self.rows = end - self.first
        elif new_e:
            self.exp = np.concatenate([self.exp, *new_e])
            self.normal = np.concatenate([self.normal, *new_z])
            self.rows = end - self.first
        return dropped

    def row(self, block: int) -> tuple[FloatArray, FloatArray]:
        """Return the (exponentials, normals) of block number ``block`` of every path."""
        i = (block - self.first) * self.n_paths
        return self.exp[i:i + self.n_paths], self.normal[i:i + self.n_paths]

    def headroom(self, furthest: int) -> int:
        """Return the rounds before a path at block ``furthest`` could need a row not held."""
        if self.fixed or (self.max_blocks is not None and self.end >= self.max_blocks):
            return np.iinfo(np.int64).max
        return self.end - 1 - furthest
