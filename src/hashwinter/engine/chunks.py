"""Split a large run into chunks over the variant axis and merge what they kept.

Each chunk is a self-contained engine run on a slice of the variants, so memory
is bounded by the chunk size; totals are concatenated back along the variant
axis in order (whole :class:`~hashwinter.engine.run.RunResult` of chunks over
paths: :func:`concat_paths`). The same function is what an executor (a process pool, Dask)
maps over chunks: it takes and returns plain picklable objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.checks import ConservationReport
from hashwinter.engine.policy import Policy
from hashwinter.engine.recorders import Totals, TotalsRecorder
from hashwinter.engine.run import RunResult, run
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.treasury import Treasury
from hashwinter.engine.variants import as_variant_array, count_variants
from hashwinter.errors import InputError

__all__ = ["concat_paths", "concat_totals", "run_in_chunks"]


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


def concat_paths(parts: Sequence[RunResult], records: list[Any]) -> RunResult:
    """Merge the results of runs on consecutive slices of the paths, in order.

    Per-owner and per-cohort closing arrays are concatenated along the path axis
    (1); so is every (V, P) array of the network's state (a dataclass of arrays, or
    its own ``concat_paths`` classmethod, e.g. the block network's);
    the conservation report keeps each check's largest deviation. ``records`` are
    the merged records (recorders differ in how they merge).
    """
    if not parts:
        raise InputError("nothing to merge", field="parts")
    first = parts[0]
    if len(parts) == 1:
        return dataclasses.replace(first, records=records)

    def cat(arrays: Sequence[Any]) -> Any:
        return None if arrays[0] is None else np.concatenate(arrays, axis=1)

    state = first.network_state
    join = getattr(type(state), "concat_paths", None)
    if join is not None:  # a state that knows which of its fields are per path
        state = join([p.network_state for p in parts])
    elif dataclasses.is_dataclass(state) and not isinstance(state, type):
        merged = {f.name: np.concatenate([getattr(p.network_state, f.name) for p in parts],
                                         axis=1) for f in dataclasses.fields(state)}
        state = dataclasses.replace(state, **merged)
    checks = [p.checks for p in parts]
    report = ConservationReport(
        max_share=max(c.max_share for c in checks),
        max_excess_coins=max(c.max_excess_coins for c in checks),
        max_cash_error=max(c.max_cash_error for c in checks),
        max_coin_error=max(c.max_coin_error for c in checks),
        enabled=all(c.enabled for c in checks),
        max_count_error=max(c.max_count_error for c in checks),
    )
    return RunResult(
        meta=dataclasses.replace(first.meta, n_paths=sum(p.meta.n_paths for p in parts)),
        records=records, cash=cat([p.cash for p in parts]), coins=cat([p.coins for p in parts]),
        broke_step=cat([p.broke_step for p in parts]), checks=report,
        held=cat([p.held for p in parts]), positions=cat([p.positions for p in parts]),
        network_state=state, path=first.path, fallback=first.fallback,
    )


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


