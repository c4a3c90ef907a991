"""Split a large run into chunks over the variant axis and merge what they kept.

Each chunk is a self-contained engine run on a slice of the variants, so memory
is bounded by the chunk size; totals are concatenated back along the variant
axis in order. The same function is what an executor (a process pool, Dask)
maps over chunks: it takes and returns plain picklable objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from hashwinter.engine.policy import Policy
from hashwinter.engine.recorders import Totals, TotalsRecorder
from hashwinter.engine.run import run
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.treasury import Treasury
from hashwinter.engine.variants import as_variant_array, count_variants
from hashwinter.errors import InputError

__all__ = ["concat_totals", "run_in_chunks"]


def concat_totals(parts: Sequence[Totals], axis: int = 0) -> Totals:
    """Concatenate :class:`Totals` of chunks along the variant (0) or path (1) axis."""
    if not parts:
        raise InputError("nothing to merge", field="parts")
    first = parts[0]
    cohort = {k: np.concatenate([p.cohort[k] for p in parts], axis=axis) for k in first.cohort}
    owner = {k: np.concatenate([p.owner[k] for p in parts], axis=axis) for k in first.owner}
    size = cohort[next(iter(cohort))].shape[axis] if cohort else owner["cash"].shape[axis]
    meta = dataclasses.replace(first.meta, **({"n_variants": size} if axis == 0 else
                                              {"n_paths": size}))
    return Totals(meta, cohort, owner)


def run_in_chunks(
    spec: EngineSpec,
    policy: Policy,
    treasury: Treasury | None = None,
    *,
    tariff_scale: npt.ArrayLike = 1.0,
    chunk_size: int = 256,
    fields: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "auto",
) -> Totals:
    """Run all variants in chunks of ``chunk_size`` and return the merged totals.

    Parameters
    ----------
    spec : EngineSpec
        Static inputs.
    policy, treasury : Policy, Treasury
        Parameters over the variant axis.
    tariff_scale : float or array_like (V,)
        Tariff multiplier per variant.
    chunk_size : int, default 256
        Variants per chunk (a few hundred keeps the (V, P, C) arrays in cache).
    fields : sequence of str, optional
        Per-cohort totals to keep (see :class:`TotalsRecorder`).
    progress : callable, optional
        Called with the number of variants finished after each chunk.
    engine : {"auto", "numpy", "compiled"}, default "auto"
        Step loop of every chunk (see :func:`~hashwinter.engine.run.run`); ``"auto"``
        decides once, on the size of the whole run.

    Returns
    -------
    Totals
        Shaped as if all variants had run at once.

    """
    treasury = treasury if treasury is not None else Treasury()
    scale = as_variant_array(tariff_scale, "tariff_scale")
    n_var = count_variants({"policy": np.empty(policy.n_variants),
                            "treasury": np.empty(treasury.n_variants), "tariff_scale": scale})
    if chunk_size < 1:
        raise InputError("must be >= 1", field="chunk_size")
    if engine == "auto":  # decided once for the whole run, not per (smaller) chunk
        from hashwinter.engine.kernel.support import compiled_plan, small_run_reason

        cells = spec.clock.n_steps * n_var * spec.market.n_paths * spec.cohorts.n
        step, _ = (compiled_plan(spec, policy, treasury, [TotalsRecorder()], ())
                   if small_run_reason(cells) is None else (None, None))
        engine = "compiled" if step is not None else "numpy"
    parts: list[Totals] = []
    for start in range(0, n_var, chunk_size):
        sel = slice(start, min(start + chunk_size, n_var))
        rec = TotalsRecorder() if fields is None else TotalsRecorder(fields)
        result = run(
            spec,
            policy.take_variants(sel) if policy.n_variants > 1 else policy,
            treasury.take_variants(sel) if treasury.n_variants > 1 else treasury,
            tariff_scale=scale[sel] if scale.size > 1 else scale,
            recorders=[rec],
            engine=engine,
        )
        part = result.records[0]
        if part.meta.n_variants < sel.stop - sel.start:  # every parameter was shared
            part = _repeat_variants(part, sel.stop - sel.start)
        parts.append(part)
        if progress is not None:
            progress(sel.stop)
    return concat_totals(parts, axis=0)


def _repeat_variants(part: Totals, n: int) -> Totals:
    cohort = {k: np.repeat(v, n, axis=0) for k, v in part.cohort.items()}
    owner = {k: np.repeat(v, n, axis=0) for k, v in part.owner.items()}
    return Totals(dataclasses.replace(part.meta, n_variants=n), cohort, owner)


