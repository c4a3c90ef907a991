"""The random numbers of a block network, keyed by (block number, path).

Block ``n`` of the run on path ``p`` always uses the ``n``-th exponential and
normal of path ``p``, whichever step it falls in and however fast other paths
go: variants (e.g. one retarget rule each) share them. They are drawn in chunks
of :data:`DRAW_CHUNK_BLOCKS` blocks as the fastest path needs them, and dropped
once the slowest has passed them. Three sources:

* **one stream per path** (``streams``, a generator per path: what a
  :class:`~hashwinter.engine.blocks.BlockNetwork` seeded with an int or a
  ``SeedSequence`` uses, path ``p`` from the seed's child ``p``): per chunk, path by
  path, its exponentials then its normals. A path's numbers depend on its index
  only, not on which other paths run beside it, so a run cut into chunks of paths
  draws the same numbers as the whole run;
* **one generator for all paths** (``rng``: a block network given a
  ``numpy.random.Generator``, the block-clock studies): per chunk a
  ``(chunk, n_paths)`` exponential array, then a standard-normal one. The numbers
  of a path then depend on how many paths are drawn together;
* **no draws** (``unit``): every exponential is 1 and every normal 0, the blocks at
  their expected intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    streams : sequence of numpy.random.Generator, optional
        One generator per path (instead of ``rng``).
    unit : bool, default False
        No draws: exponentials 1, normals 0 (instead of ``rng``).

    """

    def __init__(
        self, rng: np.random.Generator | None, n_paths: int, max_blocks: int | None,
        exp_scale: float, normal_scale: float,
        draws: tuple[FloatArray, FloatArray] | None = None,
        streams: Sequence[np.random.Generator] | None = None, unit: bool = False,
    ) -> None:
        if streams is not None and len(streams) != n_paths:
            raise InputError(f"needs one generator per path ({n_paths}, got {len(streams)})",
                             field="seed")
        self.rng = rng
        self.streams = None if streams is None else tuple(streams)
        self.unit = unit
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
            if rng is None and streams is None and not unit:
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
            e, z = self._draw(size)
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

    def _draw(self, size: int) -> tuple[FloatArray, FloatArray]:
        """Return the next ``size`` blocks' (exponentials, normals), each ``(size, n_paths)``."""
        shape = (size, self.n_paths)
        if self.unit:
            return np.ones(shape), np.zeros(shape)
        if self.streams is not None:
            e, z = np.empty(shape), np.empty(shape)
            for p, gen in enumerate(self.streams):  # one call per path and chunk
                e[:, p] = gen.standard_exponential(size)
                z[:, p] = gen.standard_normal(size)
            return e, z
        assert self.rng is not None
        return self.rng.standard_exponential(shape), self.rng.standard_normal(shape)

    def row(self, block: int) -> tuple[FloatArray, FloatArray]:
        """Return the (exponentials, normals) of block number ``block`` of every path."""
        i = (block - self.first) * self.n_paths
        return self.exp[i:i + self.n_paths], self.normal[i:i + self.n_paths]

    def headroom(self, furthest: int) -> int:
        """Return the rounds before a path at block ``furthest`` could need a row not held."""
        if self.fixed or (self.max_blocks is not None and self.end >= self.max_blocks):
            return np.iinfo(np.int64).max
        return self.end - 1 - furthest
