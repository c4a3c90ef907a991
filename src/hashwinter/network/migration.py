"""Seasonal migration: hydro sites lose their power in the dry season; some move north.

Seed §5: "Sichuan: hydropower, cheap in the wet season; in the dry season farms fall back
on dearer thermal power ... Machines migrate with the seasons", and "at the end of
November Sichuan's dry season brought [a Xinjiang farm] a large number of used
machines". Part of the origin region's sites (``hydro_share`` of its hashrate) sit on
hydro stations that stop supplying them when the water falls: no power at all in their
dry season, not a dearer tariff. Of those, ``sister_share`` (by hashrate) belong to
farms with a sister site in the north (Xinjiang, Inner Mongolia, ``to``); the others go
dark and, being off, their machines are sold on the used market after
``market.sell_after_days``.

A site is a cohort (farm x tier): a large farm's sites sit on different stations, and
one farm of the heavy tail may hold a tenth of the network, so the picks are per
cohort (:func:`migration_plan`). Each hydro site's dry season is the calendar's
(``regions.dry_months``) shifted by ``offset`` days, ``0 <= offset < spread_days``,
spread evenly by hashrate (the stations run dry at different dates). When it starts, a
site with a sister site decides (:class:`SeasonalMove`): it moves when the move pays at
today's margin there, ``m (days left - transit_days) > 2 cost_per_machine``; then its
machines are off ``transit_days`` (unracking, trucks, re-installing), it pays
``cost_per_machine`` per machine on delivery, runs at the sister site's tariff (the
destination region's range at the farm's own quantile and size premium) and counts in
that region; it moves back the same way when its dry season ends. A site that does not
move, like every hydro site without a sister site, stays dark through the dry season.
A run that starts inside a site's dry season finds it moved. New machines from the
makers go to the farms' sites with power (the makers' model cohorts are never hydro).

The calendar is computed before the run (:func:`plan_migration`, pure: which sites are
hydro-only, when their seasons start, what the sister sites cost); the decisions depend
on the price path and are the policy's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.engine.actions import Actions
from hashwinter.engine.policy import Observation
from hashwinter.errors import InputError
from hashwinter.network.config import MigrationConfig

__all__ = [
    "MigrationPlan",
    "SeasonalMove",
    "Swing",
    "map_swing",
    "migration_plan",
    "plan_migration",
    "prefix_pick",
    "spread_offsets",
]

#: First year of the CBECI province map (2019-09 .. 2021-07, SOURCES.md).
MAP_FIRST_YEAR = 2019

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True)
class MigrationPlan:
    """The calendar of every site's dry season, and where its sister site is.

    A site is a cohort in the network run (:func:`migration_plan`); :func:`plan_migration`
    takes any units (U).

    Attributes
    ----------
    dry : ndarray of bool (D, U)
        The site is hydro-only and in its own dry season (no power at home).
    left : ndarray of float32 (D, U)
        Days of its dry season left, today included (0 outside it). [day]
    region : ndarray of int32 (D, U)
        Region the site's machines run in if it moved (its sister site's in its dry
        season, its home otherwise).
    tariff : ndarray (D, U)
        Energy price where it runs (the sister site's in its dry season when it has
        one). [USD/kWh]
    hydro, sister : ndarray of bool (U,)
        Hydro-only sites; those of them with a sister site.
    offset : ndarray of int (U,)
        Days the site's dry season lags the calendar's (0 for the other sites).

    """

    dry: BoolArray
    left: npt.NDArray[np.float32]
    region: npt.NDArray[np.int32]
    tariff: FloatArray
    hydro: BoolArray
    sister: BoolArray
    offset: IntArray


def prefix_pick(weight: FloatArray, share: float) -> BoolArray:
    """Pick the items, in order, whose weight's midpoint falls in the first ``share``.

    Item ``i`` is picked when the weight before it plus half its own is at most
    ``share`` of the total: the picked weight is ``share`` of the total to within half
    the largest item, whatever the items' sizes (the caller shuffles the order).
    """
    if weight.size == 0 or share <= 0 or weight.sum() <= 0:
        return np.zeros(weight.size, dtype=bool)
    mid = (np.cumsum(weight) - weight / 2) / weight.sum()
    return np.asarray(mid <= share)


def spread_offsets(weight: FloatArray, spread_days: int) -> IntArray:
    """Return day offsets ``floor(spread_days * m_i)``, ``m_i`` item ``i``'s midpoint share.

    The midpoint of item ``i`` is the cumulative weight before it plus half its own,
    over the total: the weight leaving per day is about even over ``spread_days``.
    """
    if weight.size == 0:
        return np.zeros(0, dtype=np.int64)
    mid = (np.cumsum(weight) - weight / 2) / weight.sum()
    return np.minimum(np.floor(mid * spread_days), max(spread_days - 1, 0)).astype(np.int64)


def plan_migration(
    dates: npt.NDArray[np.datetime64], dry_months: tuple[int, ...],
    home_region: IntArray, tariff: FloatArray, hydro: BoolArray, sister: BoolArray,
    destination: IntArray, sister_tariff: FloatArray, offset: IntArray,
) -> MigrationPlan:
    """Return the sites' dry-season calendar (see the module docstring).

    Parameters
    ----------
    dates : ndarray of datetime64[D] (D,)
        The run's days (consecutive).
    dry_months : tuple of int
        Months (1-12) of the calendar's dry season.
    home_region : ndarray of int (U,)
        Each site's home region.
    tariff : ndarray (D, U)
        Each site's tariff at home, day by day. [USD/kWh]
    hydro, sister : ndarray of bool (U,)
        Hydro-only sites and those of them with a sister site.
    destination : ndarray of int (U,)
        Region of each sister site (read where ``sister``).
    sister_tariff : ndarray (U,)
        Tariff at the sister site (read where ``sister``). [USD/kWh]
    offset : ndarray of int (U,)
        Days each hydro site's dry season lags the calendar's.

    """
    n_days = tariff.shape[0]
    # Each site's own calendar, run past the end by a year so that a season running
    # over the end still knows its days left.
    day = dates.astype("datetime64[D]")
    days = day[0] + np.arange(n_days + 366).astype("timedelta64[D]")
    own = days[:, None] - np.where(hydro, offset, 0)[None, :].astype("timedelta64[D]")
    month = own.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dry_all = np.isin(month, np.asarray(dry_months)) & hydro[None, :]
    # Days left in the season, today included: a run length counted from the end.
    # float32 and int32: (D, C) arrays at 10^4 cohorts x 730 days (whole days, regions).
    left_all = np.zeros(dry_all.shape, np.float32)
    run = np.zeros(dry_all.shape[1], np.float32)
    for d in range(dry_all.shape[0] - 1, -1, -1):
        run = np.where(dry_all[d], run + np.float32(1.0), np.float32(0.0))
        left_all[d] = run
    dry = dry_all[:n_days]
    away = dry & sister[None, :]
    region = np.where(away, destination[None, :], home_region[None, :])
    out_tariff = np.where(away, sister_tariff[None, :], tariff)
    return MigrationPlan(dry=np.asarray(dry), left=left_all[:n_days],
                         region=np.asarray(region, np.int32),
                         tariff=np.asarray(out_tariff, np.float64), hydro=hydro,
                         sister=sister, offset=np.where(hydro, offset, 0).astype(np.int64))


@dataclasses.dataclass(frozen=True)
class SeasonalMove:
    """The hydro sites' dry-season decision, per cohort: move, or go dark and sell.

    On the first day of its dry season a hydro cohort with a sister site moves there
    when the move pays at today's margin ``m`` (revenue less power at the sister site's
    tariff and overhead, per machine and day, today's price and difficulty held):
    ``m (left - transit_days) > 2 cost_per_machine`` (there and back); otherwise, like
    every hydro cohort without one, it stays dark through the dry season. A moving
    cohort is off ``transit_days`` days each way and pays ``cost_per_machine`` per
    machine on its first running day after each move (freight and installation paid
    on delivery).

    Composed after the unplug policy and its restart delay (a move is not an
    unplugging) and before the market, so the market sees a dark cohort off and offers
    its machines after ``sell_after_days`` (the scenario keeps ``transit_days`` below
    it: machines on a truck are not for sale).

    State: ``(moved, transit_left, owed)``, each (V, P, C): moved this season (0/1),
    days of transit left, moving cost owed per machine [currency/machine].

    Parameters
    ----------
    dry, left : ndarray (D, C)
        The cohort is a hydro-only site in its own dry season; days left in it.
    sister : ndarray of bool (C,)
        The cohort has a sister site.
    transit_days : int
        [day]
    cost_per_machine : float
        Cost of one move of one machine. [currency/machine]

    """

    dry: BoolArray
    left: npt.NDArray[np.floating]
    sister: BoolArray
    transit_days: int
    cost_per_machine: float

    @property
    def n_variants(self) -> int:
        """One variant."""
        return 1

    def init_state(self, shape: tuple[int, int, int]) -> tuple[FloatArray, FloatArray,
                                                                FloatArray]:
        """Return the state: a run that starts in a dry season finds the sites moved."""
        moved = np.broadcast_to((self.dry[0] & self.sister).astype(np.float64), shape).copy()
        return moved, np.zeros(shape), np.zeros(shape)

    def decide(self, obs: Observation, actions: Actions,
               state: tuple[FloatArray, FloatArray, FloatArray]
               ) -> tuple[Actions, tuple[FloatArray, FloatArray, FloatArray]]:
        """Return the bundle with dark and moving cohorts off, and the moving costs."""
        moved, transit, owed = state
        d = obs.day
        dry = self.dry[d]
        before = self.dry[d - 1] if d > 0 else dry
        starts, ends = dry & ~before, before & ~dry
        if starts.any():
            margin = np.asarray(obs.revenue_per_machine) - np.asarray(obs.cost_per_machine)
            pays = margin * (self.left[d] - self.transit_days) > 2 * self.cost_per_machine
            go = starts & self.sister & pays
            moved = np.where(starts, go, moved > 0).astype(np.float64)
            transit = np.where(go, float(self.transit_days), transit)
            owed = owed + np.where(go, self.cost_per_machine, 0.0)
        if ends.any():
            back = ends & (moved > 0)
            transit = np.where(back, float(self.transit_days), transit)
            owed = owed + np.where(back, self.cost_per_machine, 0.0)
            moved = np.where(ends, 0.0, moved)
        off = (transit > 0) | (dry & (moved == 0))
        on = np.asarray(actions.on) & ~off
        out = actions.with_on(on)
        pay = np.where(on, owed, 0.0)
        if pay.any():
            out = out.add_cost(pay)
            owed = owed - pay
        return out, (moved, np.maximum(transit - 1.0, 0.0), owed)

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> SeasonalMove:
        """Return itself (one variant)."""
        return self


@dataclasses.dataclass(frozen=True)
class Swing:
    """The mining map's seasonal swing of a hydro region (global shares)."""

    wet_month: str
    dry_months: tuple[str, ...]
    origin_wet: float
    origin_dry: float
    origin_first: float
    gains: dict[str, float]

    @property
    def hydro_share(self) -> float:
        """Share of the origin's hashrate that leaves it in the dry season."""
        return max(0.0, 1.0 - self.origin_dry / self.origin_wet)

    @property
    def first_month_fraction(self) -> float:
        """Share of the dry season's loss already in the first dry month's mean share."""
        lost = self.origin_wet - self.origin_dry
        return min(1.0, max(0.0, (self.origin_wet - self.origin_first) / lost)) if lost else 1.0

    def spread_days(self, first_month_days: int) -> int:
        """Return the spread of the sites' season starts that the first month's mean shows.

        Starts spread evenly over ``S`` days from the month's first day leave a mean
        fraction ``f = n / (2 S)`` of the loss in an ``n``-day month when ``S >= n``,
        and ``1 - S / (2 n)`` when ``S <= n``: so ``S = n / (2 f)`` for ``f <= 1/2``,
        else ``2 n (1 - f)`` (at least 1 day).
        """
        f, n = self.first_month_fraction, first_month_days
        spread = n / (2 * f) if 0 < f <= 0.5 else 2 * n * (1 - f)
        return max(1, round(spread))

    @property
    def sister_share(self) -> float:
        """Share of what left that reappears in the destinations (at most 1)."""
        lost = self.origin_wet - self.origin_dry
        return min(1.0, max(0.0, sum(self.gains.values())) / lost) if lost > 0 else 0.0


def map_swing(folder: Path, origin: str, destinations: list[str],
              dry_months: tuple[int, ...]) -> Swing:
    """Return the origin's and destinations' global shares, wet and dry, from the map.

    The map's provinces start in 2019-09, after 2018's season, so its first season
    stands in (the issue's rule for the shares: the same calendar months): the last wet
    month is the month before the first dry month in 2019 (October), the dry months
    those that follow it (2019-11 .. 2020-04); a region's dry share is its mean over
    them, its gain the dry share less the wet one.
    """
    path = folder / "hashrate_share_by_region.csv"
    if not path.is_file():
        raise InputError(f"missing {path} (or give hydro_share, sister_share and to)",
                         field="migration.hydro_share")
    frame = pd.read_csv(path, dtype={"month": str})
    prov = frame[frame["level"] == "province"]
    first = int(dry_months[0])
    wet = pd.Period(f"{MAP_FIRST_YEAR}-{first:02d}", "M") - 1
    dry = [wet + 1 + k for k in range(len(dry_months))]
    wet_s, dry_s = str(wet), tuple(str(m) for m in dry)

    def share(region: str, months: tuple[str, ...]) -> float:
        rows = prov[(prov["province"] == region) & prov["month"].isin(months)]
        if len(rows) != len(months):
            raise InputError(f"the map has no {region!r} for {', '.join(months)}",
                             field="migration.origin" if region == origin
                             else "migration.destinations")
        return float(rows["share_global"].mean())

    o_wet, o_dry = share(origin, (wet_s,)), share(origin, dry_s)
    gains = {d: share(d, dry_s) - share(d, (wet_s,)) for d in destinations}
    return Swing(wet_s, dry_s, o_wet, o_dry, share(origin, dry_s[:1]), gains)


def migration_plan(cfg: MigrationConfig, folder: Path, regions: tuple[str, ...],
                   cohort_owner: IntArray, cohort_weight: FloatArray, farm_region: IntArray,
                   farm_quantile: FloatArray, farm_premium: FloatArray,
                   region_tariff: FloatArray, dates: npt.NDArray[np.datetime64],
                   dry_months: tuple[int, ...], tariff: FloatArray,
                   seed: int) -> MigrationPlan:
    """Return the plan of a scenario's ``[migration]``, per cohort (its sites).

    A cohort (farm x tier) stands for one of its farm's sites: a large farm's sites
    sit on different stations, so the hydro-only sites, their sister sites and the
    days their seasons start are drawn per cohort, not per farm (one farm may hold a
    tenth of the network). Among the origin's cohorts, each time in an order shuffled
    with ``seed`` (three independent orders, so the picks are not correlated): the
    hydro ones by :func:`prefix_pick` on ``cohort_weight`` (their hashrate), those
    with a sister site among them the same way, and the seasons' offsets by
    :func:`spread_offsets` over the hydro cohorts; destinations by weight over the
    sister cohorts in the second order.

    Parameters
    ----------
    cfg : MigrationConfig
        The scenario's ``[migration]``; its None fields come from :func:`map_swing`.
    folder : Path
        Folder of the public data (the mining map).
    regions : tuple of str
        The population's regions (R).
    cohort_owner : ndarray of int (C,)
        Owner of each cohort (farms first, makers after: they never move).
    cohort_weight : ndarray (C,)
        Hashrate of each cohort at the start. [H/s]
    farm_region : ndarray of int (O,)
        Region of each owner.
    farm_quantile, farm_premium : ndarray (F,)
        Each farm's tariff quantile and size premium (network.population).
    region_tariff : ndarray (R, 4)
        Each region's tariff ranges. [USD/kWh]
    dates : ndarray of datetime64[D] (D,)
        The run's days.
    dry_months : tuple of int
        Months (1-12) of the calendar's dry season.
    tariff : ndarray (D, C)
        Each cohort's tariff at home, day by day. [USD/kWh]
    seed : int
        Seed of the three orders the cohorts are picked in.

    """
    if cfg.origin not in regions:
        raise InputError(f"{cfg.origin!r} is not a region of the population",
                         field="migration.origin")
    origin = regions.index(cfg.origin)
    hydro_share, sister_share, to = cfg.hydro_share, cfg.sister_share, cfg.to
    spread = cfg.spread_days
    if hydro_share is None or sister_share is None or to is None or spread is None:
        swing = map_swing(folder, cfg.origin, cfg.destinations, dry_months)
        hydro_share = swing.hydro_share if hydro_share is None else hydro_share
        sister_share = swing.sister_share if sister_share is None else sister_share
        if spread is None:
            first = pd.Period(swing.dry_months[0], "M")
            spread = swing.spread_days(first.days_in_month)
        if to is None:
            to = {k: max(v, 0.0) for k, v in swing.gains.items()}
            if sum(to.values()) <= 0:
                to = {cfg.destinations[0]: 1.0}
    for name in to:
        if name not in regions:
            raise InputError(f"{name!r} is not a region of the population",
                             field=f"migration.to.{name}")
    n_cohorts = cohort_owner.size
    n_farms = farm_quantile.size
    hydro = np.zeros(n_cohorts, dtype=bool)
    sister = np.zeros(n_cohorts, dtype=bool)
    destination = farm_region[cohort_owner].astype(np.int64)
    sister_tariff = np.zeros(n_cohorts)
    offset = np.zeros(n_cohorts, dtype=np.int64)
    home = np.flatnonzero((cohort_owner < n_farms) & (farm_region[cohort_owner] == origin))
    rng = np.random.default_rng(seed)
    home = rng.permutation(home)
    picked = home[prefix_pick(cohort_weight[home], hydro_share)]
    hydro[picked] = True
    order = rng.permutation(picked)
    offset[order] = spread_offsets(cohort_weight[order], int(spread))
    order = rng.permutation(picked)
    with_site = order[prefix_pick(cohort_weight[order], sister_share)]
    sister[with_site] = True
    names = list(to)
    weights = np.array([to[n] for n in names], dtype=np.float64)
    w = cohort_weight[with_site]
    mid = (np.cumsum(w) - w / 2) / w.sum() if w.size and w.sum() > 0 else np.zeros(w.size)
    bounds = np.cumsum(weights / weights.sum())
    which = np.minimum(np.searchsorted(bounds, mid, side="right"), len(names) - 1)
    dest = np.array([regions.index(n) for n in names], dtype=np.int64)[which]
    destination[with_site] = dest
    # The sister site's tariff: its region's (dry-season) range at the farm's own
    # quantile, with the farm's size premium (the same farm negotiates the same way).
    farm = cohort_owner[with_site]
    lo, hi = region_tariff[dest, 2], region_tariff[dest, 3]
    sister_tariff[with_site] = (lo + farm_quantile[farm] * (hi - lo)) * farm_premium[farm]
    return plan_migration(dates, dry_months, farm_region[cohort_owner].astype(np.int64),
                          tariff, hydro, sister, destination, sister_tariff, offset)
