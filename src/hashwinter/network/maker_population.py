"""The makers as owners of a population, and their policy from makers.csv.

One owner and one inventory cohort per maker, and a cohort of each maker's model in
every farm (empty until machines are delivered). A maker with ``hosted_slots`` also has
a cohort at each of its host farms (the largest farms of ``host_region``): its own
machines, at the host's site and tariff, paying the host a hosting fee per machine-day.

A maker's model is a new tier of its own (the catalog's machine), so new machines never
mix with used ones of the same tier on the second-hand market.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from hashwinter.network.config import MakersConfig, NetworkScenario
from hashwinter.network.makers import (
    QUARTER_DAYS,
    MakerPolicy,
    calibrate_full_return,
    history_return,
    quarterly_units,
)
from hashwinter.network.population import Population

__all__ = ["MakerCohorts", "add_makers", "maker_policy"]

IntArray = npt.NDArray[np.int64]


@dataclasses.dataclass(frozen=True)
class MakerCohorts:
    """Where the makers sit in the extended population.

    Attributes
    ----------
    maker_cohort : ndarray of int (M,)
        Each maker's inventory cohort.
    farm_cohorts : ndarray of int (M, F)
        Each farm's cohort of each maker's model.
    maker_owner : ndarray of int (M,)
        Each maker's owner index (after the F farms).
    hosted_cohort, hosted_maker, hosted_host : ndarray of int (K,)
        Each hosted placement's cohort, its maker (0 .. M-1) and its host farm.
    hosted_share : ndarray (K,)
        Share of its maker's ``hosted_slots`` at that host (pro rata to the hosts' sizes).

    """

    maker_cohort: IntArray
    farm_cohorts: IntArray
    maker_owner: IntArray
    hosted_cohort: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    hosted_maker: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    hosted_host: IntArray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    hosted_share: npt.NDArray[np.float64] = dataclasses.field(
        default_factory=lambda: np.zeros(0))

    def place(self, cohort_owner: IntArray) -> IntArray:
        """Return the owner whose site each cohort is at: its own, or its host's."""
        place = np.asarray(cohort_owner, np.int64).copy()
        place[self.hosted_cohort] = self.hosted_host
        return place


def host_farms(pop: Population, region: str, hosts: int, field: str) -> IntArray:
    """Return the ``hosts`` largest farms of ``region`` (largest first).

    Raises
    ------
    InputError
        ``region`` is not one of the population's, or holds fewer farms.

    """
    if region not in pop.regions:
        raise InputError(f"region {region!r} is not one of the population's "
                         f"({', '.join(pop.regions)})", field=field)
    farms = np.flatnonzero(pop.farm_region[:pop.n_farms - pop.n_makers]
                           == pop.regions.index(region))
    if farms.size < hosts:
        raise InputError(f"{region} has {farms.size} farms, fewer than the {hosts} hosts "
                         "asked for", field=field)
    order = np.argsort(-pop.farm_machines[farms], kind="stable")
    return np.asarray(farms[order[:hosts]], np.int64)


def add_makers(pop: Population, cfg: MakersConfig) -> tuple[Population, MakerCohorts]:
    """Return the population with the makers added, and where they are.

    Raises
    ------
    InputError
        A maker's model not in the catalog, or its region not in the population
        (field ``makers.maker[i].model`` / ``.region``).

    """
    catalog = default_catalog()
    n_farms, n_tiers, n_cohorts = pop.n_farms, pop.tier_hashrate.size, pop.cohort_owner.size
    m = len(cfg.maker)
    hashrate, power, names, region = [], [], [], []
    for i, mk in enumerate(cfg.maker):
        try:
            machine = catalog.get(mk.model)
        except InputError:
            raise InputError(f"no machine {mk.model!r} in the catalog",
                             field=f"makers.maker[{i}].model") from None
        if mk.region not in pop.regions:
            raise InputError(f"region {mk.region!r} is not one of the population's "
                             f"({', '.join(pop.regions)})", field=f"makers.maker[{i}].region")
        hashrate.append(machine.hashrate)
        power.append(machine.power)
        names.append(machine.model)
        region.append(pop.regions.index(mk.region))
    new_tier = n_tiers + np.arange(m)
    farm_owner = np.tile(np.arange(n_farms, dtype=np.int64), m)
    farm_tier = np.repeat(new_tier, n_farms)
    maker_owner = n_farms + np.arange(m, dtype=np.int64)
    tariff = np.array([mk.tariff for mk in cfg.maker])
    inventory = np.array([mk.inventory for mk in cfg.maker])
    extended = dataclasses.replace(
        pop,
        tier_model=pop.tier_model + tuple(names),
        tier_hashrate=np.concatenate([pop.tier_hashrate, hashrate]),
        tier_power=np.concatenate([pop.tier_power, power]),
        farm_region=np.concatenate([pop.farm_region, np.asarray(region, np.int64)]),
        farm_machines=np.concatenate([pop.farm_machines, np.zeros(m)]),
        farm_tariff=np.concatenate([pop.farm_tariff, tariff]),
        farm_dry_tariff=np.concatenate([pop.farm_dry_tariff, tariff]),
        cohort_owner=np.concatenate([pop.cohort_owner, farm_owner, maker_owner]),
        cohort_tier=np.concatenate([pop.cohort_tier, farm_tier, new_tier]),
        cohort_count=np.concatenate([pop.cohort_count, np.zeros(farm_owner.size), inventory]),
        n_makers=m,
    )
    farm_cohorts = (n_cohorts + np.arange(m * n_farms, dtype=np.int64)).reshape(m, n_farms)
    maker_cohort = n_cohorts + m * n_farms + np.arange(m, dtype=np.int64)
    # Hosted placements: one empty cohort of the maker per host farm, after all others.
    h_maker, h_host, h_share = [], [], []
    for i, mk in enumerate(cfg.maker):
        if mk.hosted_slots <= 0:
            continue
        hosts = host_farms(pop, mk.host_region, mk.hosts, f"makers.maker[{i}].host_region")
        size = pop.farm_machines[hosts]
        h_maker += [i] * hosts.size
        h_host += hosts.tolist()
        h_share += (size / size.sum()).tolist()
    k = len(h_maker)
    hosted_maker = np.asarray(h_maker, np.int64)
    if k:
        extended = dataclasses.replace(
            extended,
            cohort_owner=np.concatenate([extended.cohort_owner, maker_owner[hosted_maker]]),
            cohort_tier=np.concatenate([extended.cohort_tier, new_tier[hosted_maker]]),
            cohort_count=np.concatenate([extended.cohort_count, np.zeros(k)]))
    hosted_cohort = n_cohorts + m * n_farms + m + np.arange(k, dtype=np.int64)
    return extended, MakerCohorts(maker_cohort, farm_cohorts, maker_owner, hosted_cohort,
                                  hosted_maker, np.asarray(h_host, np.int64),
                                  np.asarray(h_share, np.float64))


#: Quarters of makers.csv the makers are calibrated on (both before 2018-11-01):
#: Q1 2018 sold out (its units are the capacity), Q2 2018 fixes the full return.
CAPACITY_QUARTER = pd.Timestamp("2018-01-01")
RATIO_QUARTER = pd.Timestamp("2018-04-01")


def maker_policy(scenario: NetworkScenario, pop: Population, where: MakerCohorts,
                 folder: Path, daily: pd.DataFrame) -> MakerPolicy:
    """Return the makers' policy, capacity and full return from makers.csv where not given.

    Capacity: Bitmain's Q1 2018 machines (:func:`~hashwinter.network.makers.quarterly_units`).
    Full return: the one at which Bitmain's Q2 over Q1 2018 machines (the sold-out
    quarter: its utilisation) come out of
    :func:`~hashwinter.network.makers.calibrate_full_return` on the history's returns
    of the maker's machine (its tariff, the population's PUE and overhead).
    """
    cfg = scenario.makers
    pc = scenario.population
    units: pd.Series | None = None
    capacity, full = [], []
    for i, mk in enumerate(cfg.maker):
        k = int(pop.cohort_tier[where.maker_cohort[i]])
        if mk.capacity_per_quarter is None or mk.full_return is None:
            units = quarterly_units(folder) if units is None else units
            missing = [q for q in (CAPACITY_QUARTER, RATIO_QUARTER) if q not in units.index]
            if missing:
                raise InputError(f"makers.csv has no Bitmain units for {missing[0].date()}; "
                                 "give capacity_per_quarter and full_return",
                                 field=f"makers.maker[{i}].capacity_per_quarter")
        cap = (mk.capacity_per_quarter if mk.capacity_per_quarter is not None
               else float(units[CAPACITY_QUARTER]))  # type: ignore[index]
        if mk.full_return is None:
            assert units is not None
            ret = history_return(daily, float(pop.tier_hashrate[k]), float(pop.tier_power[k]),
                                 mk.tariff, pc.pue, pc.overhead_per_machine_day, mk.list_price)
            end = RATIO_QUARTER + pd.offsets.QuarterEnd(0)
            # Bitmain's Q2 / Q1 2018 units: the market's utilisation, for every maker.
            target = float(units[RATIO_QUARTER] / units[CAPACITY_QUARTER])
            full.append(calibrate_full_return(ret, RATIO_QUARTER, end, target, mk.lead_days))
        else:
            full.append(mk.full_return)
        capacity.append(cap / QUARTER_DAYS)
    farm_weight = pop.farm_machines[:pop.n_farms - pop.n_makers]
    return MakerPolicy(
        maker_cohort=where.maker_cohort, farm_cohorts=where.farm_cohorts,
        farm_owner=np.arange(farm_weight.size, dtype=np.int64), farm_weight=farm_weight,
        capacity_day=np.asarray(capacity), list_price=np.array([m.list_price for m in cfg.maker]),
        unit_cost=np.array([m.list_price * (1 - m.gross_margin) for m in cfg.maker]),
        full_return=np.asarray(full),
        lead_days=np.array([m.lead_days for m in cfg.maker], np.int64),
        production_lead_days=np.array([m.production_lead_days for m in cfg.maker], np.int64),
        cash_share=cfg.cash_share,
        hosted_cohort=where.hosted_cohort, hosted_maker=where.hosted_maker,
        hosted_share=where.hosted_share,
        hosted_slots=np.array([m.hosted_slots for m in cfg.maker]),
        own_slots=np.array([m.own_slots for m in cfg.maker]))
