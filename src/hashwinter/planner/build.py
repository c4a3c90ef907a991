"""A planning problem from a farm file, a sites file and a market view.

The planner's sites are the farm's own (capacity constant, risks of their
region when it is a known one) followed by the sites file's; a sites-file site
with a farm site's name replaces it. Each fleet item bought by the horizon's
last day is a cohort, standing at its site from its purchase date (or from
the first day). The value at risk of seizure is the fleet item's unit price.
"""

from __future__ import annotations

import numpy as np

from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.config import LoadedFarm, SiteConfig
from hashwinter.farm.plan_file import plan_cohort_label
from hashwinter.planner.problem import PlanProblem
from hashwinter.planner.values import CohortEconomics, SiteEconomics, monthly_values
from hashwinter.planner.view import MarketView
from hashwinter.sites.config import LoadedSites, MoveConfig, PlannerSite, SitesFile, monthly
from hashwinter.sites.events import HISTORICAL_EVENTS
from hashwinter.sites.regions import REGIONS
from hashwinter.tomlfile import TomlLines

__all__ = ["build_problem", "planner_sites"]


def _from_farm(site: SiteConfig) -> PlannerSite:
    known = site.region is not None and site.region.strip().lower() in REGIONS
    return PlannerSite(
        name=site.name, region=site.region if known and site.region else "Other",
        capacity_slots=[float(site.capacity_slots)] * 12, capacity_mw=[site.capacity_mw] * 12,
        tariff=site.tariff, pue=site.pue, uptime=site.uptime,
        management_fee_per_machine_day=site.management_fee_per_machine_day,
        hosting_fee_per_machine_day=site.hosting_fee_per_machine_day,
        fixed_costs_per_month=0.0,  # paid whatever the plan does: not a decision
        source="farm file")


def planner_sites(farm: LoadedFarm, sites: SitesFile) -> tuple[list[PlannerSite], list[str]]:
    """Return the planner's sites and, for each, the field that defines it (for errors)."""
    own = [(_from_farm(s), f"sites[{i}]") for i, s in enumerate(farm.config.sites)]
    extra = {s.name: (s, f"sites[{i}]") for i, s in enumerate(sites.sites)}
    out: list[tuple[PlannerSite, str]] = []
    if sites.planner.use_farm_sites:
        out = [extra.pop(s.name, (s, where)) for s, where in own]
    out.extend(extra.values())
    return [s for s, _ in out], [w for _, w in out]


def build_problem(
    farm: LoadedFarm,
    view: MarketView,
    *,
    sites: LoadedSites | None = None,
    start: object = None,
    end: object = None,
) -> PlanProblem:
    """Return the :class:`PlanProblem` of a farm over ``start`` .. ``end`` on ``view``.

    Raises
    ------
    InputError, InputErrors
        A fleet item at a site with no slots or power in the month it arrives,
        a move longer than the horizon, a site the fleet names that the plan drops.

    """
    config = sites.config if sites is not None else SitesFile()
    source = sites.source if sites is not None else None
    a = np.datetime64(str(start or view.dates[0]), "D")
    b = np.datetime64(str(end or view.dates[-1]), "D")
    view = view.window(a, b)
    chosen, where = planner_sites(farm, config)
    names = [s.name for s in chosen]
    move: MoveConfig = config.move
    horizon = int(view.dates.size)
    errors: list[InputError] = []
    if move.downtime_days > horizon:
        errors.append(_located(InputError(
            f"a move takes {move.downtime_days:g} days, longer than the {horizon}-day horizon",
            field="move.downtime_days", source=source), sites))
    items = [(i, item, m) for i, (item, m) in
             enumerate(zip(farm.config.fleet, farm.machines, strict=True))
             if np.datetime64(item.purchase_date, "D") <= view.dates[-1]]
    if not items:
        raise InputError(f"no machine of the fleet is bought by {view.dates[-1]}", field="fleet")
    months = np.unique(view.dates.astype("datetime64[M]"))
    slots = np.array([monthly(s.capacity_slots, months) for s in chosen])
    mw = np.array([monthly(s.capacity_mw, months) for s in chosen])
    home = []
    arrival = []
    crowded: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, item, _machine in items:
        if item.site not in names:
            errors.append(InputError(f"site {item.site!r} is not offered to the planner "
                                     "(planner.use_farm_sites = false)",
                                     field=f"fleet[{i}].site", source=farm.source))
            continue
        j = names.index(item.site)
        first_day = max(np.datetime64(item.purchase_date, "D"), view.dates[0])
        m = int(np.searchsorted(months, first_day.astype("datetime64[M]")))
        if slots[j, m] < 1 or mw[j, m] <= 0:
            crowded.setdefault((j, m), []).append((i, item.count))
        home.append(j)
        arrival.append(m)
    for (j, m), who in crowded.items():
        what = "slots" if slots[j, m] < 1 else "mw"
        from_file = chosen[j].source != "farm file"
        errors.append(_located(InputError(
            f"site {names[j]!r} has no {'slots' if what == 'slots' else 'MW'} in {months[m]} "
            f"but {', '.join(f'fleet[{i}]' for i, _ in who)} "
            f"{'puts' if len(who) == 1 else 'put'} {sum(k for _, k in who):,} machines there",
            field=f"{where[j]}.capacity_{what}",
            source=source if from_file else farm.source), sites if from_file else None))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    cohort_econ = [CohortEconomics(
        hashrate=machine.hashrate, power=machine.power, machine_value=item.unit_price,
        arrival=max(np.datetime64(item.purchase_date, "D"), view.dates[0]))
        for _, item, machine in items]
    site_econ = [SiteEconomics(
        tariff=s.tariff, pue=s.pue, uptime=s.uptime,
        management_fee_per_machine_day=s.management_fee_per_machine_day,
        hosting_fee_per_machine_day=s.hosting_fee_per_machine_day, risks=s.site_risks(),
        region=s.region) for s in chosen]
    move_cost = np.array([move.cost_per_machine if s.move_in_cost_per_machine is None
                          else s.move_in_cost_per_machine for s in chosen])
    events = HISTORICAL_EVENTS if config.planner.historical_events else ()
    months, days, value, move_in, scenario = monthly_values(
        cohort_econ, site_econ, view, pool_fee=farm.config.pool_fee,
        downtime_days=move.downtime_days, move_cost=move_cost, events=events)
    labels = tuple(plan_cohort_label(item) for _, item, _ in items)
    notes = (f"view: {view.label}", "a machine runs on a day only when the day's margin is "
             "positive (daily curtailment)", "seizure risk values a machine at its unit price")
    return PlanProblem(
        months=months, days=days, cohorts=labels, sites=tuple(names),
        counts=np.array([item.count for _, item, _ in items], dtype=np.int64),
        home=np.array(home, dtype=np.int64), arrival=np.array(arrival, dtype=np.int64),
        value=value, move_in_cost=move_in, slots=slots, mw=mw,
        watts=np.array([[machine.power * s.pue for s in chosen] for _, _, machine in items]),
        fixed_cost=np.array([[s.fixed_costs_per_month] * months.size for s in chosen])
        * (days / np.array([_days_in(m) for m in months]))[None, :],
        max_moves=(None if move.max_machines_per_month is None
                   else np.full(months.size, float(move.max_machines_per_month))),
        scenario_value=scenario if scenario.shape[0] > 1 else None,
        currency=farm.config.currency, notes=notes)


def _located(error: InputError, sites: LoadedSites | None) -> InputError:
    """Give an error of the sites file its line."""
    if sites is None or sites.text is None or error.field is None:
        return error
    return InputError(error.message, field=error.field, source=error.source,
                      line=TomlLines(sites.text).line(error.field))


def _days_in(month: np.datetime64) -> float:
    return float(((month + np.timedelta64(1, "M")).astype("datetime64[D]")
                  - month.astype("datetime64[D]")).astype(np.int64))
