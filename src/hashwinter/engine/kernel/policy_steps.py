"""The compiled step of the package's on/off policies (ShutdownPricePolicy, AlwaysOn).

One function, :func:`~hashwinter.engine.kernel.loop.on_off_step` (defined beside the
loop, whose disk cache must see its edits), serves both (``AlwaysOn`` is the row
``(1, 0, 0, 0)``), so that the kernel compiles once for the two. It decides one
(path, cohort, variant) cell exactly as the policies' numpy ``decide`` does (see
:mod:`hashwinter.engine.kernel.protocol` for the signature): the comparisons are the
same expressions in the same order. This module builds its parameters.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hashwinter.engine.kernel.loop import on_off_step

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
