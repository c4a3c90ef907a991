"""The compiled step of the package's on/off policies (ShutdownPricePolicy, AlwaysOn).

One function serves both (``AlwaysOn`` is the row ``(1, 0, 0, 0)``), so that the
kernel, which is compiled once per process and policy function, compiles once
for the two. It decides one (path, cohort, variant) cell exactly as the
policies' numpy ``decide`` does (see :mod:`hashwinter.engine.kernel.protocol` for
the signature): the comparisons are the same expressions in the same order.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from hashwinter.units import SECONDS_PER_DAY

__all__ = ["ALWAYS_ON_PARAMS", "on_off_step", "shutdown_price_params"]

FloatArray = npt.NDArray[np.float64]

#: ``on_off_step`` parameters of :class:`~hashwinter.farm.policies.AlwaysOn`.
ALWAYS_ON_PARAMS = np.array([[1.0, 0.0, 0.0, 0.0]])


def shutdown_price_params(off_below: FloatArray, on_above: FloatArray,
                          minimum: FloatArray) -> FloatArray:
    """Return the ``(V, 4)`` parameters of a shutdown-price policy (variant arrays broadcast)."""
    n = max(off_below.size, on_above.size, minimum.size)
    cols = [np.zeros(n)] + [np.broadcast_to(a, (n,)) for a in (off_below, on_above, minimum)]
    return np.stack(cols, axis=1)


@numba.njit(cache=True)
def on_off_step(params: FloatArray, state: FloatArray, v: int, p: int, c: int,
                on: bool, revenue: float, cost: float, step_seconds: float) -> bool:
    """Decide one cell; ``params[v] = (always_on, off_below, on_above, minimum)``.

    Always on when ``always_on`` is nonzero. Otherwise hysteresis around the shutdown
    price: off when ``revenue < cost * (1 + off_below)``, on again when ``revenue >
    cost * (1 + on_above)``; a nonzero minimum margin [currency/(machine·day)] also
    requires ``revenue - cost >= minimum * step_seconds / 86400`` (0: no minimum).
    """
    if params[v, 0] != 0.0:
        return True
    stay = revenue >= cost * (1.0 + params[v, 1])
    start = revenue > cost * (1.0 + params[v, 2])
    minimum = params[v, 3]
    if minimum != 0.0:
        enough = (revenue - cost) >= minimum * (step_seconds / SECONDS_PER_DAY)
        stay = stay and enough
        start = start and enough
    return stay if on else start
