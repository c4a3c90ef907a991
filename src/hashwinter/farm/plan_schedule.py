"""A plan checked against a farm and a window, as the engine moves that follow it.

:func:`plan_schedule` names every site (the farm's and the sites file's, as
:func:`hashwinter.planner.build.planner_sites` offers them), checks that every
row's fleet item and sites exist, that no move takes more machines than the
plan has at its site, and that no site holds more machines (slots) or power
(MW) than it has in any month; then it turns each row into engine moves: onto
the road on its day (paying the destination's moving cost) and, ``downtime_days``
later, into the destination (:mod:`hashwinter.farm.follow_plan`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt

from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.config import LoadedFarm, SiteConfig
from hashwinter.farm.plan_file import PlanRow, plan_cohort_label
from hashwinter.sites.config import LoadedSites, MoveConfig, PlannerSite, SitesFile, monthly
from hashwinter.tomlfile import TomlLines

__all__ = ["Leg", "PlanSchedule", "plan_schedule"]


@dataclasses.dataclass(frozen=True, eq=False)
class Leg:
    """One engine move of a plan: (fleet item, site, role) to (fleet item, site, role).

    Attributes
    ----------
    row : PlanRow
        The moves file's row it comes from.
    item : int
        Fleet item (``fleet[item]``).
    source, target : (str, str)
        Site and role (``"fleet"``, ``"slot"``, ``"transit"``) of the cohorts.
    day : int
        Day index in the run.
    count : float
        Machines. [machines]
    cost : float
        Per machine, paid by the owner. [currency/machine]

    """

    row: PlanRow
    item: int
    source: tuple[str, str]
    target: tuple[str, str]
    day: int
    count: float
    cost: float


@dataclasses.dataclass(frozen=True, eq=False)
class PlanSchedule:
    """A plan checked against a farm and a window: sites, empty cohorts, engine moves.

    Attributes
    ----------
    extra_sites : tuple of SiteConfig
        The plan's sites beyond the farm file's (from the sites file).
    slots : tuple of (int, str, str)
        Empty cohorts the moves fill: (fleet index, site, ``"slot"`` | ``"transit"``).
    legs : tuple of Leg
    regions : dict of str to str
        Region of every site (for dated events).
    events : bool
        Apply the dated events of :data:`hashwinter.sites.events.HISTORICAL_EVENTS`.
    after_window : tuple of int
        Lines of the moves file dated after the window (not applied).

    """

    extra_sites: tuple[SiteConfig, ...]
    slots: tuple[tuple[int, str, str], ...]
    legs: tuple[Leg, ...]
    regions: dict[str, str]
    events: bool
    after_window: tuple[int, ...]


def _planner_sites(sites: LoadedSites | None, farm: LoadedFarm
                   ) -> tuple[list[PlannerSite], list[str]]:
    from hashwinter.planner.build import planner_sites  # the planner imports HiGHS: lazily

    return planner_sites(farm, sites.config if sites is not None else SitesFile())


def _sites_error(sites: LoadedSites | None, message: str, field: str) -> InputError:
    """Return an error of the plan's sites file, at the line of ``field``."""
    line = (TomlLines(sites.text).line(field)
            if sites is not None and sites.text is not None else None)
    return InputError(message, field=field, source=sites.source if sites else None, line=line)


def _site_config(site: PlannerSite) -> SiteConfig:
    """Return a sites-file site as the farm builder's site (capacity: its largest month)."""
    return SiteConfig.model_construct(
        name=site.name, region=site.region,
        capacity_slots=max(1, int(max(site.capacity_slots))),
        capacity_mw=max(max(site.capacity_mw), 1e-6), tariff=site.tariff, pue=site.pue,
        uptime=site.uptime, management_fee_per_machine_day=site.management_fee_per_machine_day,
        hosting_fee_per_machine_day=site.hosting_fee_per_machine_day,
        fixed_costs_per_month=0.0, capex=[], host=None)


def plan_schedule(rows: tuple[PlanRow, ...], source: str, sites: LoadedSites | None,
                  farm: LoadedFarm, dates: npt.NDArray[np.datetime64]) -> PlanSchedule:
    """Check a plan against ``farm`` over ``dates`` and return its engine moves.

    Parameters
    ----------
    rows : tuple of PlanRow
        The moves file's rows.
    source : str
        The moves file (for errors).
    sites : LoadedSites or None
        The sites file the plan was made with (None: the farm's sites, free moves).
    farm : LoadedFarm
        The farm that follows the plan.
    dates : ndarray of datetime64[D]
        The days of the run.

    Raises
    ------
    InputError, InputErrors
        Naming the moves file's line and column (or the sites file's field and line).

    """
    fleet = farm.config.fleet
    chosen, where = _planner_sites(sites, farm)
    names = [s.name for s in chosen]
    by_name = {s.name: s for s in chosen}
    errors: list[InputError] = []
    for j, site in enumerate(chosen):
        if site.source != "farm file" and site.fixed_costs_per_month > 0:
            errors.append(_sites_error(
                sites, "following a plan does not charge a planned site's fixed costs yet: "
                "give 0 (the plan's value counted them)", f"{where[j]}.fixed_costs_per_month"))
    labels: dict[str, list[int]] = {}
    last_day = dates[-1]
    for i, item in enumerate(fleet):
        labels.setdefault(plan_cohort_label(item), []).append(i)
    late: list[int] = []  # rows of machines bought after the window: nothing to move
    first_month = dates[0].astype("datetime64[M]")
    usable: list[tuple[PlanRow, int]] = []
    for row in rows:
        found = labels.get(row.cohort)
        if found is None:
            known = ", ".join(repr(k) for k in list(labels)[:6]) or "none"
            errors.append(InputError(f"no fleet item is called {row.cohort!r} (known: "
                                     f"{known})", field="cohort", source=source,
                                     line=row.line))
            continue
        if len(found) > 1:
            which = ", ".join(f"fleet[{i}]" for i in found)
            errors.append(InputError(f"{row.cohort!r} names {which}: give them labels",
                                     field="cohort", source=source, line=row.line))
            continue
        if np.datetime64(fleet[found[0]].purchase_date, "D") > last_day:
            late.append(row.line)
            continue
        bad = False
        for name in ("from_site", "to_site"):
            if getattr(row, name) not in by_name:
                known = ", ".join(repr(n) for n in names)
                errors.append(InputError(f"no site {getattr(row, name)!r} (sites: {known}; "
                                         "a sites file adds more: sites = ...)", field=name,
                                         source=source, line=row.line))
                bad = True
        if row.month < first_month:
            errors.append(InputError(f"{row.month} is before the window's first day {dates[0]} "
                                     "(follow a plan from its first month)", field="month",
                                     source=source, line=row.line))
            bad = True
        if not bad:
            usable.append((row, found[0]))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    months = np.unique(dates.astype("datetime64[M]"))
    s_n, m_n = len(names), months.size
    site_of = {n: j for j, n in enumerate(names)}
    slots_cap = np.array([monthly(s.capacity_slots, months) for s in chosen])  # (S, M)
    mw_cap = np.array([monthly(s.capacity_mw, months) for s in chosen])
    month_of = {m: k for k, m in enumerate(months)}
    arrive = []
    for item in fleet:
        day = max(np.datetime64(item.purchase_date, "D"), dates[0])
        arrive.append(int(np.searchsorted(months, day.astype("datetime64[M]"))))
    held = np.zeros((len(fleet), s_n, m_n))
    for i, item in enumerate(fleet):
        if item.site in site_of and arrive[i] < m_n:
            held[i, site_of[item.site], arrive[i]:] = item.count
    last_in: dict[tuple[int, int], PlanRow] = {}  # (site, month) -> last row moving in
    for row, i in sorted(usable, key=lambda r: (r[0].month, r[0].line)):
        m = month_of.get(row.month)
        if m is None:
            continue  # after the window: not applied (reported by the schedule)
        a, b = site_of[row.from_site], site_of[row.to_site]
        if m < arrive[i]:
            errors.append(InputError(f"{row.cohort!r} is bought on {fleet[i].purchase_date}, "
                                     f"after {row.month}", field="month", source=source,
                                     line=row.line))
            continue
        if held[i, a, m] < row.count - 1e-9:
            errors.append(InputError(
                f"moves {row.count:,} machines of {row.cohort!r} out of {row.from_site!r} in "
                f"{row.month}, but the plan has {held[i, a, m]:,.0f} there", field="count",
                source=source, line=row.line))
            continue
        held[i, a, m:] -= row.count
        held[i, b, m:] += row.count
        for k in range(m, m_n):
            last_in[(b, k)] = row
    watts = np.array([[m.power * s.pue for s in chosen] for m in farm.machines])  # (I, S)
    machines = held.sum(axis=0)
    power = np.einsum("is,ism->sm", watts, held) / 1e6
    over = (machines > slots_cap + 1e-9) | (power > mw_cap * (1 + 1e-9) + 1e-12)
    for j, m in zip(*np.nonzero(over), strict=True):
        if any(e.field in ("to_site", "count") for e in errors):
            break
        what = (f"{slots_cap[j, m]:,.0f} slots" if machines[j, m] > slots_cap[j, m] + 1e-9
                else f"{mw_cap[j, m]:g} MW")
        need = (f"{machines[j, m]:,.0f} machines" if "slots" in what
                else f"{power[j, m]:,.2f} MW")
        into = last_in.get((int(j), int(m)))
        if into is not None:
            errors.append(InputError(f"site {names[j]!r} has {what} in {months[m]} but the "
                                     f"plan holds {need} there", field="to_site",
                                     source=source, line=into.line))
        else:
            kind = "slots" if "slots" in what else "mw"
            errors.append(_sites_error(sites, f"site {names[j]!r} has {what} in {months[m]} "
                                       f"but the plan holds {need} there",
                                       f"{where[j]}.capacity_{kind}"))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    move = sites.config.move if sites is not None else MoveConfig()
    downtime = round(move.downtime_days)  # whole days: the engine moves on steps
    if downtime > dates.size:
        raise _sites_error(sites, f"a move takes {move.downtime_days:g} days, longer than "
                           f"the {dates.size}-day window", "move.downtime_days")
    legs: list[Leg] = []
    after: list[int] = list(late)
    slot_set: dict[tuple[int, str, str], None] = {}
    for row, i in usable:
        day = max(row.month.astype("datetime64[D]"),
                  np.datetime64(fleet[i].purchase_date, "D"), dates[0])
        if day > last_day:
            after.append(row.line)
            continue
        d = int((day - dates[0]).astype(np.int64))
        home = fleet[i].site
        src = (row.from_site, "fleet" if row.from_site == home else "slot")
        dst = (row.to_site, "fleet" if row.to_site == home else "slot")
        site = by_name[row.to_site]
        cost = (move.cost_per_machine if site.move_in_cost_per_machine is None
                else site.move_in_cost_per_machine)
        for name, role in (src, dst):
            if role == "slot":
                slot_set[(i, name, "slot")] = None
        if downtime > 0:
            road = (row.to_site, "transit")
            slot_set[(i, row.to_site, "transit")] = None
            legs.append(Leg(row, i, src, road, d, float(row.count), float(cost)))
            if d + downtime < dates.size:
                legs.append(Leg(row, i, road, dst, d + downtime, float(row.count), 0.0))
        else:
            legs.append(Leg(row, i, src, dst, d, float(row.count), float(cost)))
    farm_names = {s.name for s in farm.config.sites}
    used = {name for _, name, _ in slot_set}
    extra = tuple(_site_config(s) for s in chosen if s.name not in farm_names and s.name in used)
    return PlanSchedule(
        extra_sites=extra, slots=tuple(slot_set), legs=tuple(legs),
        regions={s.name: s.region for s in chosen},
        events=bool(sites is not None and sites.config.planner.historical_events),
        after_window=tuple(after))
