"""Small helpers shared by the economics functions: scalar in, scalar out."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatOrArray = float | npt.NDArray[np.float64]


def as_float_array(value: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``value`` as a float64 array (0-d for scalars)."""
    return np.asarray(value, dtype=np.float64)


def scalar_or_array(result: Any) -> FloatOrArray:
    """Return a Python float for 0-d results, the array otherwise."""
    array = np.asarray(result, dtype=np.float64)
    return float(array) if array.ndim == 0 else array
