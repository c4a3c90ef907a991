"""Parameter variants: one more array axis instead of a Python loop.

A policy or treasury parameter is a scalar (the same for every variant) or a
1-d array of length ``V``. Inside the engine it is reshaped to ``(V, 1, 1)`` so
that it broadcasts against state shaped ``(V, P, C)`` (variants, paths,
cohorts). :func:`grid` builds the Cartesian product of several parameter lists.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = [
    "as_variant_array",
    "count_variants",
    "grid",
    "stack_variants",
    "take_variants",
    "to_engine_axis",
]

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")


def as_variant_array(value: npt.ArrayLike, name: str, dtype: Any = np.float64) -> np.ndarray:
    """Return a parameter as a 1-d array (length 1 for a scalar)."""
    arr = np.atleast_1d(np.asarray(value, dtype=dtype))
    if arr.ndim != 1:
        raise InputError(f"must be a scalar or a 1-d array of variants (got shape {arr.shape})",
                         field=name)
    return arr


def count_variants(arrays: Mapping[str, np.ndarray]) -> int:
    """Return ``V``: the common length of the variant arrays (1 broadcasts)."""
    sizes = {name: a.shape[0] for name, a in arrays.items()}
    distinct = set(sizes.values()) - {1}
    if len(distinct) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in sizes.items() if v != 1)
        raise InputError(f"variant axes disagree ({detail})", field="variants")
    return distinct.pop() if distinct else 1


def to_engine_axis(arr: np.ndarray) -> np.ndarray:
    """Reshape a (V,) parameter to (V, 1, 1) for (variants, paths, cohorts) state."""
    return arr.reshape(-1, 1, 1)


def take_variants(obj: T, sel: slice | npt.NDArray[np.int64]) -> T:
    """Return a copy of a frozen dataclass of variant arrays, restricted to ``sel``.

    Fields holding one value for all variants (length 1) are kept as they are.
    """
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.shape[0] > 1:
            changes[f.name] = value[sel]
    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


def stack_variants(objs: Sequence[T]) -> T:
    """Return one object whose variant axis holds ``objs`` in order (the inverse of a take).

    ``objs`` are frozen dataclasses of the same type whose parameters are 1-d
    variant arrays (policies, treasuries); each parameter is broadcast to the
    object's own variant count and concatenated, unless every object has the same
    value (it then stays one value, broadcast to all variants). Other fields (a cohort mask,
    nested policies) must be equal in all of them, or be tuples of such
    objects (a :class:`~hashwinter.engine.policy.Policies` chain), stacked part by
    part. Objects without parameters (``AlwaysOn``) come back as the first.
    """
    first = objs[0]
    if len(objs) == 1:
        return first
    if any(type(o) is not type(first) for o in objs):
        raise InputError("variants of different kinds cannot share a run", field="variants")
    if not dataclasses.is_dataclass(first):
        return first
    sizes = [int(getattr(o, "n_variants", 1)) for o in objs]
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        values = [getattr(o, f.name) for o in objs]
        head = values[0]
        if all(_same(head, v) for v in values[1:]) and all(n == 1 for n in sizes):
            continue  # shared by every variant: stays one value (it broadcasts)
        if all(isinstance(v, np.ndarray) and v.ndim == 1 and v.shape[0] in (1, n)
               for v, n in zip(values, sizes, strict=True)):
            changes[f.name] = np.concatenate(
                [np.broadcast_to(v, (n,)) for v, n in zip(values, sizes, strict=True)])
            continue
        if isinstance(head, tuple) and head and dataclasses.is_dataclass(head[0]):
            changes[f.name] = tuple(stack_variants([v[i] for v in values])
                                    for i in range(len(head)))
            continue
        if not all(_same(head, v) for v in values[1:]):
            raise InputError(f"{f.name} differs between variants and is not a variant "
                             "parameter", field="variants")
    out = copy.copy(first)
    for name, value in changes.items():
        object.__setattr__(out, name, value)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return bool(a == b)


def grid(**axes: Sequence[Any]) -> dict[str, np.ndarray]:
    """Return the Cartesian product of parameter lists as flat arrays of equal length.

    Examples
    --------
    >>> g = grid(off_below=[0.0, -0.1], tariff_scale=[1.0, 1.5, 2.0])
    >>> g["off_below"].tolist(), g["tariff_scale"].tolist()
    ([0.0, 0.0, 0.0, -0.1, -0.1, -0.1], [1.0, 1.5, 2.0, 1.0, 1.5, 2.0])

    """
    names = list(axes)
    rows = list(itertools.product(*(axes[n] for n in names)))
    return {n: np.asarray([r[i] for r in rows]) for i, n in enumerate(names)}
