"""What a network run keeps per day, and the network-level conservation checks.

Per day and path: network hashrate and difficulty; running hashrate by region and by
farm-size class; per tier the machines traded and the clearing price (variant 0).
Each step it checks that every tier's machines sold equal its machines bought (counts
conserved between farms) and that the coins the farms mined equal the network's
issuance (the farms are the whole network), relative 1e-9.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.engine.checks import ConservationError
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.step import RunMeta, StepData

__all__ = ["NetworkRecord", "NetworkRecorder", "concat_records"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class NetworkRecord:
    """Daily arrays of a network run (variant 0).

    Attributes
    ----------
    hashrate, difficulty : ndarray (T, P)
        Network hashrate [H/s] and difficulty in force at the day's end.
    by_region : ndarray (T, P, R)
        Running hashrate per region. [H/s]
    by_size : ndarray (T, P, S)
        Running hashrate per farm-size class. [H/s]
    traded : ndarray (T, P, K)
        Machines that changed owner per tier. [machines]
    used_price : ndarray (T, P, K)
        Clearing price per tier (NaN on a day without trades). [currency/machine]
    mined, issuance : ndarray (T, P)
        Coins the farms mined and the network issued. [coin]

    """

    hashrate: FloatArray
    difficulty: FloatArray
    by_region: FloatArray
    by_size: FloatArray
    traded: FloatArray
    used_price: FloatArray
    mined: FloatArray
    issuance: FloatArray


class NetworkRecorder:
    """Engine recorder of a network run (see the module docstring).

    Parameters
    ----------
    tier, owner : ndarray of int (C,)
        Tier and owner (farm) of each cohort.
    region, size_class : ndarray of int (O,)
        Region and size class of each farm.
    n_tiers, n_regions, n_sizes : int
        Sizes of those axes.
    hashrate : ndarray (C,)
        Effective hashrate per machine of each cohort. [H/s]

    """

    def __init__(self, tier: npt.NDArray[np.int64], owner: npt.NDArray[np.int64],
                 region: npt.NDArray[np.int64], size_class: npt.NDArray[np.int64],
                 n_tiers: int, n_regions: int, n_sizes: int, hashrate: FloatArray) -> None:
        # Group sums (O(C), and each path's sum independent of the other paths); regions
        # and sizes sum the farms' sums (O(O) after one pass over the cohorts).
        self._tier = OwnerGroups.of(tier, n_tiers).sum
        self._farm = OwnerGroups.of(owner, region.size).sum
        self._region = OwnerGroups.of(region, n_regions).sum
        self._size = OwnerGroups.of(size_class, n_sizes).sum
        self._hashrate = hashrate
        self._n_tiers = n_tiers
        self._rows: dict[str, list[FloatArray]] = {}

    def begin(self, meta: RunMeta) -> None:
        """Reset the rows."""
        self._rows = {k: [] for k in NetworkRecord.__dataclass_fields__}

    def record(self, data: StepData) -> None:
        """Keep the step's daily values and check the network's conservation."""
        net = data.network
        running = np.asarray(data.running)[0]  # (P, C)
        p = running.shape[0]
        mined = np.asarray(data.coins)[0].sum(axis=-1)
        issuance = np.broadcast_to(np.asarray(net.issuance)[0], (p,))
        if not np.allclose(mined, issuance, rtol=1e-9, atol=1e-12):
            raise ConservationError(f"step {data.step}: coins mined {mined} differ from "
                                    f"the network's issuance {issuance}")
        traded = np.zeros((p, self._n_tiers))
        price = np.full_like(traded, np.nan)
        if data.trades is not None:
            sold = self._tier(np.broadcast_to(data.trades.sold, data.running.shape)[0])
            bought = self._tier(np.broadcast_to(data.trades.bought, data.running.shape)[0])
            if not np.allclose(sold, bought, rtol=1e-9, atol=1e-9):
                raise ConservationError(f"step {data.step}: machines sold {sold} and bought "
                                        f"{bought} differ in a tier")
            proceeds = np.broadcast_to(data.trades.sale_proceeds, data.running.shape)[0]
            value = self._tier(proceeds)
            traded = sold
            with np.errstate(divide="ignore", invalid="ignore"):
                price = np.where(sold > 1e-9, value / sold, np.nan)
        rows = self._rows
        rows["hashrate"].append(np.broadcast_to(np.asarray(net.network_hashrate)[0], (p,)))
        rows["difficulty"].append(np.broadcast_to(np.asarray(net.difficulty)[0], (p,)))
        farm_hashing = self._farm(running * self._hashrate)
        rows["by_region"].append(self._region(farm_hashing))
        rows["by_size"].append(self._size(farm_hashing))
        rows["traded"].append(traded)
        rows["used_price"].append(price)
        rows["mined"].append(mined)
        rows["issuance"].append(issuance)

    def finish(self) -> NetworkRecord:
        """Return the daily arrays."""
        return NetworkRecord(**{k: np.stack(v) for k, v in self._rows.items()})


def concat_records(parts: list[NetworkRecord]) -> NetworkRecord:
    """Merge the records of runs on consecutive slices of the paths (axis 1), in order."""
    if len(parts) == 1:
        return parts[0]
    return NetworkRecord(**{f: np.concatenate([getattr(p, f) for p in parts], axis=1)
                            for f in NetworkRecord.__dataclass_fields__})
