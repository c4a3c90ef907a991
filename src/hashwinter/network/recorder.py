"""What a network run keeps per day, and the network-level conservation checks.

Per day and path: network hashrate and difficulty; running hashrate by region and by
farm-size class; per tier the machines traded and the clearing price (variant 0).
Per day and maker: machines produced, delivered, held (inventory) and running, placed
at host farms, and the revenue of deliveries. Each step it checks that every tier's
machines sold equal its machines bought less the makers' production (counts conserved
between owners; scrapped machines leave the network and are kept per tier) and that the
coins the farms mined equal the network's issuance (the farms are the whole network),
relative 1e-9.
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
    sold, forced_sold : ndarray (T, P)
        Coins the owners sold (planned and forced together), and forced alone. [coin]
    short : ndarray (T, P)
        Coins the owners are short in the position book at the day's end. [coin]
    net_sold : ndarray (T, P)
        Miners' net selling: ``sold`` plus the shorts opened that day (the first day's
        position counts as held before the run). [coin]
    produced, delivered, inventory, maker_running : ndarray (T, P, M)
        Per maker: machines made, sold to farms, held at the day's end, running.
        [machines]
    maker_revenue : ndarray (T, P, M)
        Deliveries times the list price. [currency]
    hosted : ndarray (T, P, M)
        Per maker: its machines placed at host farms at the day's end (not in
        ``inventory``; running ones are in ``maker_running``). [machines]
    power : ndarray (T, P)
        Wall power of the running machines, makers' new models included (no PUE). [W]
    scrapped : ndarray (T, P, K)
        Machines scrapped per tier (they leave the network). [machines]
    dry_running, dry_off : ndarray (T, P)
        With the dry season (network.migration): machines of the hydro sites in their
        dry season that run (only at a sister site: none has power at home) and that
        are off (dark at home, in transit, or unplugged at the sister site); 0 without
        it. [machines]

    """

    hashrate: FloatArray
    difficulty: FloatArray
    by_region: FloatArray
    by_size: FloatArray
    traded: FloatArray
    used_price: FloatArray
    mined: FloatArray
    issuance: FloatArray
    sold: FloatArray
    forced_sold: FloatArray
    short: FloatArray
    net_sold: FloatArray
    produced: FloatArray
    delivered: FloatArray
    inventory: FloatArray
    maker_running: FloatArray
    maker_revenue: FloatArray
    power: FloatArray
    hosted: FloatArray
    scrapped: FloatArray
    dry_running: FloatArray
    dry_off: FloatArray


class NetworkRecorder:
    """Engine recorder of a network run (see the module docstring).

    Parameters
    ----------
    tier, region, size_class : ndarray of int (C,)
        Tier, region and size class of each cohort.
    n_tiers, n_regions, n_sizes : int
        Sizes of those axes.
    hashrate : ndarray (C,)
        Effective hashrate per machine of each cohort. [H/s]
    maker_cohort : ndarray of int (M,), optional
        The makers' inventory cohorts (their purchases are production).
    power : ndarray (C,), optional
        Wall power per machine of each cohort (default: 0, no power kept). [W]
    region_by_day : ndarray of int (D, C), optional
        Region of each cohort per day, when farms move (network.migration); ``region``
        otherwise.
    hosted : tuple of ndarray of int (K,), optional
        The makers' hosted cohorts and the maker (0 .. M-1) of each.
    dry : ndarray of bool (D, C), optional
        The cohort is a hydro site in its own dry season (network.migration's plan).

    """

    def __init__(self, tier: npt.NDArray[np.int64], region: npt.NDArray[np.int64],
                 size_class: npt.NDArray[np.int64], n_tiers: int, n_regions: int,
                 n_sizes: int, hashrate: FloatArray,
                 maker_cohort: npt.NDArray[np.int64] | None = None,
                 power: FloatArray | None = None,
                 region_by_day: npt.NDArray[np.integer] | None = None,
                 hosted: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
                 dry: npt.NDArray[np.bool_] | None = None) -> None:
        # Group sums: O(C), and each path's sum independent of the other paths (chunks).
        self._tier = OwnerGroups.of(tier, n_tiers).sum
        self._region = OwnerGroups.of(region, n_regions).sum
        self._size = OwnerGroups.of(size_class, n_sizes).sum
        self._hashrate = hashrate
        self._power = np.zeros_like(hashrate) if power is None else np.asarray(power, float)
        self._n_tiers = n_tiers
        self._maker_tier = (None if maker_cohort is None or len(maker_cohort) == 0
                            else OwnerGroups.of(tier[np.asarray(maker_cohort)], n_tiers).sum)
        self._rows: dict[str, list[FloatArray]] = {}
        self._makers = (np.zeros(0, np.int64) if maker_cohort is None
                        else np.asarray(maker_cohort, np.int64))
        self._columns = (np.asarray(region, np.int64), np.asarray(size_class, np.int64))
        self._region_by_day = region_by_day
        # As weights (1.0 for a cohort in its dry season): one einsum a step.
        self._dry = None if dry is None else np.asarray(dry, dtype=np.float64)
        empty = np.zeros(0, np.int64)
        self._hosted = (empty, empty) if hosted is None else (
            np.asarray(hosted[0], np.int64), np.asarray(hosted[1], np.int64))
        self._n_groups = (n_regions, n_sizes)
        self._loaded: NetworkRecord | None = None

    def begin(self, meta: RunMeta) -> None:
        """Reset the rows."""
        self._rows = {k: [] for k in NetworkRecord.__dataclass_fields__}
        self._loaded = None

    def compiled_groups(self, hashrate: FloatArray
                        ) -> tuple[npt.NDArray[np.int64], FloatArray, int] | None:
        """Return the compiled kernel's groups: region and size class by hashrate, power.

        The endogenous kernel (:mod:`hashwinter.engine.kernel.network_run`) keeps the
        network's days and these groups' sums over the running machines (``hashrate`` is
        the kernel's; this recorder weighs by its own); with the market and the makers
        (kernel.network_market) it also hands the trades' rows.
        """
        if self._region_by_day is not None:
            return None  # regions that change by day (network.migration): numpy only
        region, size = self._columns
        n_regions, n_sizes = self._n_groups
        power = np.full(region.size, n_regions + n_sizes)
        groups = np.stack([region, size + n_regions, power], axis=1)
        weights = np.stack([self._hashrate, self._hashrate, self._power], axis=1)
        return groups, weights, n_regions + n_sizes + 1

    def load_compiled_days(self, rows: dict[str, FloatArray], groups: FloatArray) -> None:
        """Build the record from the kernel's days (no book).

        ``rows`` holds the network's days and, from the market's kernel, ``traded`` and
        ``used_price`` (D, P, K) and the makers' rows (D, P, M)
        (``kernel.network_trades.MARKET_ROWS``); without them nothing traded.
        """
        mined, issuance = rows["mined"], rows["issuance"]
        if not np.allclose(mined, issuance, rtol=1e-9, atol=1e-12):
            day = int(np.argmax(np.abs(mined - issuance).max(axis=1)))
            raise ConservationError(f"day {day}: coins mined {mined[day]} differ from the "
                                    f"network's issuance {issuance[day]}")
        n_days, n_paths = mined.shape
        n_regions = self._n_groups[0]
        none = np.zeros((n_days, n_paths, self._makers.size))
        self._loaded = NetworkRecord(
            hashrate=rows["hashrate"], difficulty=rows["difficulty"],
            by_region=groups[..., :n_regions], by_size=groups[..., n_regions:-1],
            traded=rows.get("traded", np.zeros((n_days, n_paths, self._n_tiers))),
            used_price=rows.get("used_price", np.full((n_days, n_paths, self._n_tiers), np.nan)),
            mined=mined, issuance=issuance, sold=rows["sold"],
            forced_sold=rows["forced_sold"], short=np.zeros((n_days, n_paths)),
            net_sold=rows["sold"].copy(), produced=rows.get("produced", none),
            delivered=rows.get("delivered", none), inventory=rows.get("inventory", none),
            maker_running=rows.get("maker_running", none),
            maker_revenue=rows.get("maker_revenue", none), power=groups[..., -1].copy(),
            hosted=none,
            scrapped=rows.get("scrapped", np.zeros((n_days, n_paths, self._n_tiers))),
            dry_running=np.zeros((n_days, n_paths)), dry_off=np.zeros((n_days, n_paths)))

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
        scrapped = np.zeros_like(traded)
        price = np.full_like(traded, np.nan)
        mk = self._makers
        made = delivered = revenue = np.zeros((p, mk.size))
        if data.trades is not None:
            sold_c = np.broadcast_to(data.trades.sold, data.running.shape)[0]
            bought_c = np.broadcast_to(data.trades.bought, data.running.shape)[0]
            proceeds = np.broadcast_to(data.trades.sale_proceeds, data.running.shape)[0]
            made, delivered, revenue = bought_c[:, mk], sold_c[:, mk], proceeds[:, mk]
            scrapped = self._tier(np.broadcast_to(data.trades.scrapped, data.running.shape)[0])
            produced_c = np.zeros_like(bought_c)
            produced_c[:, mk] = made
            sold = self._tier(sold_c)
            bought = self._tier(bought_c - produced_c)
            if not np.allclose(sold, bought, rtol=1e-9, atol=1e-9):
                raise ConservationError(f"step {data.step}: machines sold {sold} and bought "
                                        f"{bought} (less the makers' production) differ in "
                                        "a tier")
            # Used-market trades only: the makers' deliveries are new machines.
            if self._maker_tier is not None:
                sold = sold - self._maker_tier(delivered)
            proceeds = proceeds.copy()
            proceeds[:, mk] = 0.0
            value = self._tier(proceeds)
            traded = sold
            with np.errstate(divide="ignore", invalid="ignore"):
                price = np.where(sold > 1e-9, value / sold, np.nan)
        rows = self._rows
        rows["hashrate"].append(np.broadcast_to(np.asarray(net.network_hashrate)[0], (p,)))
        rows["difficulty"].append(np.broadcast_to(np.asarray(net.difficulty)[0], (p,)))
        hashing = running * self._hashrate
        if self._region_by_day is None:
            rows["by_region"].append(self._region(hashing))
        else:
            n_regions = self._n_groups[0]
            today = self._region_by_day[data.step]
            # One bincount per path: each path's sums independent of the others (chunks).
            rows["by_region"].append(np.stack([
                np.bincount(today, weights=h, minlength=n_regions) for h in hashing]))
        rows["by_size"].append(self._size(hashing))
        rows["traded"].append(traded)
        rows["scrapped"].append(scrapped)
        rows["used_price"].append(price)
        rows["mined"].append(mined)
        rows["issuance"].append(issuance)
        forced = np.asarray(data.treasury.forced_sold)[0].sum(axis=-1)
        rows["sold"].append(np.asarray(data.treasury.sold)[0].sum(axis=-1) + forced)
        rows["forced_sold"].append(forced)
        pos = data.positions
        rows["short"].append(np.zeros(p) if pos is None
                             else -np.asarray(pos)[0].sum(axis=(-2, -1)))
        rows["produced"].append(made)
        rows["delivered"].append(delivered)
        rows["maker_revenue"].append(revenue)
        installed = np.broadcast_to(np.asarray(data.installed), data.running.shape)[0]
        dry_running = dry_off = np.zeros(p)
        if self._dry is not None:
            dry = self._dry[data.step]
            # einsum: each path's sum independent of the others (chunks).
            dry_running = np.einsum("pc,c->p", running, dry)
            dry_off = np.einsum("pc,c->p", installed - running, dry)
        rows["dry_running"].append(dry_running)
        rows["dry_off"].append(dry_off)
        rows["inventory"].append(installed[:, mk])
        h_cohort, h_maker = self._hosted
        hosted = np.zeros((p, mk.size))
        hosted_running = np.zeros((p, mk.size))
        if h_cohort.size:
            onehot = np.zeros((h_cohort.size, mk.size))
            onehot[np.arange(h_cohort.size), h_maker] = 1.0  # placement -> its maker
            hosted = installed[:, h_cohort] @ onehot
            hosted_running = running[:, h_cohort] @ onehot
        rows["hosted"].append(hosted)
        rows["maker_running"].append(running[:, mk] + hosted_running)
        # einsum: each path's sum is the same whatever the paths beside it (chunks).
        rows["power"].append(np.einsum("pc,c->p", running, self._power))

    def finish(self) -> NetworkRecord:
        """Return the daily arrays."""
        if self._loaded is not None:
            return self._loaded
        rows = {k: np.stack(v) for k, v in self._rows.items() if k != "net_sold"}
        short = rows["short"]
        opened = np.diff(short, axis=0, prepend=short[:1])
        return NetworkRecord(**rows, net_sold=rows["sold"] + opened)


def concat_records(parts: list[NetworkRecord]) -> NetworkRecord:
    """Merge the records of runs on consecutive slices of the paths (axis 1), in order."""
    if len(parts) == 1:
        return parts[0]
    return NetworkRecord(**{f: np.concatenate([getattr(p, f) for p in parts], axis=1)
                            for f in NetworkRecord.__dataclass_fields__})
