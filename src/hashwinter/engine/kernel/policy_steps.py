"""Compiled steps of the package's on/off policies (ShutdownPricePolicy, AlwaysOn).

Each function decides one (path, cohort, variant) cell exactly as the policy's
numpy ``decide`` does (see :mod:`hashwinter.engine.kernel.protocol` for the
signature); comparisons are the same expressions in the same order, so the two
paths take the same decisions to the last bit of their inputs.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.units import SECONDS_PER_DAY

__all__ = ["always_on_step", "shutdown_price_step"]

FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True)  # type: ignore[misc]
def shutdown_price_step(params: FloatArray, state: FloatArray, v: int, p: int, c: int,
                        on: bool, revenue: float, cost: float, step_seconds: float) -> bool:
    """Hysteresis around the shutdown price; ``params[v] = (off_below, on_above, minimum)``.

    Off when ``revenue < cost * (1 + off_below)``, on again when ``revenue > cost *
    (1 + on_above)``; a nonzero minimum margin [currency/(machine·day)] also
    requires ``revenue - cost >= minimum * step_seconds / 86400`` (0: no minimum).
    """
    stay = revenue >= cost * (1.0 + params[v, 0])
    start = revenue > cost * (1.0 + params[v, 1])
    minimum = params[v, 2]
    if minimum != 0.0:
        enough = (revenue - cost) >= minimum * (step_seconds / SECONDS_PER_DAY)
        stay = stay and enough
        start = start and enough
    return stay if on else start


@numba.njit(cache=True)  # type: ignore[misc]
def always_on_step(params: FloatArray, state: FloatArray, v: int, p: int, c: int,
                   on: bool, revenue: float, cost: float, step_seconds: float) -> bool:
    """Every installed machine runs."""
    return True
