"""Parameter variants: one more array axis instead of a Python loop.

A policy or treasury parameter is a scalar (the same for every variant) or a
1-d array of length ``V``. Inside the engine it is reshaped to ``(V, 1, 1)`` so
that it broadcasts against state shaped ``(V, P, C)`` (variants, paths,
cohorts). :func:`grid` builds the Cartesian product of several parameter lists.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError

__all__ = ["as_variant_array", "count_variants", "grid", "take_variants", "to_engine_axis"]

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
