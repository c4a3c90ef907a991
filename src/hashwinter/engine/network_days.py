"""Per-day network rows of a run, on either step loop (numpy or compiled).

:class:`NetworkDaysRecorder` keeps, per day and path of variant 0: the network hashrate
and difficulty at the day's last step, the coins issued, mined, sold (planned and
forced) and sold by force in the day, and the running hashrate of each group of
cohorts (e.g. per machine tier) averaged over the day's steps. It is the recorder of an
endogenous network that the compiled kernel fills too
(:class:`~hashwinter.engine.kernel.network_run.CompiledDaysRecorder`), so a run that
needs no per-step flows can take the kernel.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.step import RunMeta, StepData

__all__ = ["DAY_ROWS", "NetworkDays", "NetworkDaysRecorder"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The per-day rows, in the order the kernel keeps them.
DAY_ROWS = ("hashrate", "difficulty", "issuance", "mined", "sold", "forced_sold")


@dataclasses.dataclass(frozen=True)
class NetworkDays:
    """Per-day rows of variant 0 (see the module docstring).

    Attributes
    ----------
    rows : dict of str to ndarray (D, P)
        :data:`DAY_ROWS`: [H/s], [dimensionless], then [coin].
    groups : ndarray (D, P, G)
        Running hashrate per group, mean over the day's steps. [H/s]

    """

    rows: dict[str, FloatArray]
    groups: FloatArray


class NetworkDaysRecorder:
    """Keep :class:`NetworkDays` (see the module docstring).

    Parameters
    ----------
    group : ndarray of int (C,)
        Group of each cohort (0 .. G - 1).
    n_groups : int, optional
        ``G`` (default: ``group.max() + 1``).

    """

    def __init__(self, group: npt.ArrayLike, n_groups: int | None = None) -> None:
        self.group = np.asarray(group, dtype=np.int64)
        self.n_groups = int(self.group.max()) + 1 if n_groups is None else n_groups
        self._sum = OwnerGroups.of(self.group, self.n_groups).sum
        self._days: NetworkDays | None = None
        self._rows: dict[str, FloatArray] = {}
        self._groups = np.zeros((0, 0, 0))
        self._spd = 1

    def begin(self, meta: RunMeta) -> None:
        """Allocate the day rows."""
        d, p = meta.clock.n_days, meta.n_paths
        self._rows = {k: np.zeros((d, p)) for k in DAY_ROWS}
        self._groups = np.zeros((d, p, self.n_groups))
        self._spd = meta.clock.steps_per_day
        self._hashing = meta.cohorts.effective_hashrate
        self._days = None

    def record(self, data: StepData) -> None:
        """Add one step (numpy path)."""
        net, rows, d = data.network, self._rows, data.day
        p = rows["hashrate"].shape[1]
        rows["hashrate"][d] = np.broadcast_to(np.asarray(net.network_hashrate)[0], (p,))
        rows["difficulty"][d] = np.broadcast_to(np.asarray(net.difficulty)[0], (p,))
        rows["issuance"][d] += np.broadcast_to(np.asarray(net.issuance)[0], (p,))
        rows["mined"][d] += np.asarray(data.mined)[0].sum(axis=-1)
        tr = data.treasury
        forced = np.asarray(tr.forced_sold)[0].sum(axis=-1)
        rows["sold"][d] += np.asarray(tr.sold)[0].sum(axis=-1) + forced
        rows["forced_sold"][d] += forced
        running = np.asarray(data.running)[0] * self._hashing
        self._groups[d] += self._sum(running) / self._spd

    def compiled_groups(self, hashrate: FloatArray) -> tuple[IntArray, FloatArray, int]:
        """Return the kernel's group column (C, 1), its weight (the hashrate) and ``G``."""
        return self.group[:, None], np.asarray(hashrate, np.float64)[:, None], self.n_groups

    def load_compiled_days(self, rows: dict[str, FloatArray], groups: FloatArray) -> None:
        """Take the kernel's rows (compiled path)."""
        self._days = NetworkDays(rows={k: rows[k] for k in DAY_ROWS}, groups=groups)

    def finish(self) -> NetworkDays:
        """Return the rows."""
        if self._days is not None:
            return self._days
        return NetworkDays(rows=self._rows, groups=self._groups)
