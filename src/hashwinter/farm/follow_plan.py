"""Follow a plan: the moves of ``hashwinter plan`` applied by the engine, on their dates.

A farm file follows a plan with a ``[[policies]]`` entry (docs/sites.md,
*Following a plan*)::

    [[policies]]
    kind = "follow_plan"
    moves = "plan/plan_moves.csv"              # hashwinter plan --out (beside the farm file)
    sites = "sites/sichuan_wet_season.toml"    # the sites file the plan was made with
    follow = 1.0                               # share of each move applied (0: stay put)

Each row of the moves file (``cohort, from_site, to_site, month, count``)
takes ``count`` machines of a fleet item from one site to another on the
first day of ``month`` (or the day the machines arrive, if later). The farm
builder creates the cohorts the moves fill: one empty cohort per (fleet item,
other site) and, when moves take time, one per (fleet item, destination) for
the machines on the road (:class:`~hashwinter.farm.registry.CohortSlots`).
A move is two engine moves: into the road cohort on its date, paying the
destination's moving cost per machine (``[move] cost_per_machine``, or the
site's ``move_in_cost_per_machine``), and out of it into the destination
``downtime_days`` later; machines on the road are held but switched off.
With ``[planner] historical_events = true`` in the sites file, sites in the
regions of a dated event (the 5 Nov 2018 inspection cuts) are switched off on
its days, as the plan assumed — in both legs of the comparison.

The plan is checked against the farm when the farm is built: every cohort and
site must exist, no move takes more machines than the plan has at the site,
and no site holds more machines (slots) or power (MW) than it has in any
month; each error names the moves file's line and column.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from hashwinter.engine.actions import Actions, Moves
from hashwinter.engine.policy import Observation
from hashwinter.engine.variants import as_variant_array, take_variants, to_engine_axis
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm.config import FleetItem, LoadedFarm, SiteConfig
from hashwinter.farm.registry import CohortSlots, PolicyContext, register_policy
from hashwinter.ranges import InRange
from hashwinter.sites.config import LoadedSites, MoveConfig, PlannerSite, load_sites, monthly
from hashwinter.sites.events import HISTORICAL_EVENTS, event_downtime
from hashwinter.validation import ConfigModel

if TYPE_CHECKING:
    from hashwinter.engine import Policy

__all__ = [
    "PLAN_COLUMNS",
    "FollowPlan",
    "FollowPlanConfig",
    "MoveSchedule",
    "PlanRow",
    "plan_cohort_label",
    "read_plan_moves",
    "stay_put_farm",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Columns of a moves file, as ``hashwinter plan --out`` writes them.
PLAN_COLUMNS = ("cohort", "from_site", "to_site", "month", "count")


def plan_cohort_label(item: FleetItem) -> str:
    """Return the name a plan gives a fleet item (its label, else model @ site date)."""
    return item.label or f"{item.model} @ {item.site} {item.purchase_date}"


@dataclasses.dataclass(frozen=True)
class PlanRow:
    """One move of a plan.

    Attributes
    ----------
    line : int
        Line of the moves file (the header is line 1).
    cohort, from_site, to_site : str
    month : numpy.datetime64
        Month of the move (``datetime64[M]``); it happens on its first day.
    count : int
        Machines moved. [machines]

    """

    line: int
    cohort: str
    from_site: str
    to_site: str
    month: np.datetime64
    count: int


def _parse_month(text: str) -> np.datetime64:
    try:
        day = dt.date.fromisoformat(text) if len(text) > 7 else None
        month = np.datetime64(text[:7], "M")
    except ValueError:
        raise ValueError(f"must be a month YYYY-MM or its first day YYYY-MM-01 (got {text!r})"
                         ) from None
    if day is not None and day.day != 1:
        raise ValueError(f"must be the first day of a month: moves happen on it (got {text!r})")
    return month


def _parse_count(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"must be a whole number of machines (got {text!r})") from None
    if not math.isfinite(value) or not value.is_integer():
        raise ValueError(f"must be a whole number of machines (got {text!r})")
    if value < 1:
        raise ValueError(f"must be >= 1 machine (got {text!r})")
    return int(value)


def read_plan_moves(path: str | Path) -> tuple[PlanRow, ...]:
    """Read a moves file (``cohort, from_site, to_site, month, count``).

    Raises
    ------
    InputError, InputErrors
        An unreadable file, a missing column, or bad cells (each with its line
        and column name).

    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read moves file: {exc.strerror or exc}", source=source
                         ) from None
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text", source=source) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise InputError(f"missing column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} (a moves file has {', '.join(PLAN_COLUMNS)})",
                         source=source, line=1)
    col = {c: header.index(c) for c in PLAN_COLUMNS}
    rows: list[PlanRow] = []
    errors: list[InputError] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells] + [""] * len(header)
        values: dict[str, Any] = {}
        for name in PLAN_COLUMNS:
            cell = cells[col[name]]
            try:
                if name == "month":
                    values[name] = _parse_month(cell)
                elif name == "count":
                    values[name] = _parse_count(cell)
                elif not cell:
                    raise ValueError("is empty")
                else:
                    values[name] = cell
            except ValueError as exc:
                errors.append(InputError(str(exc), field=name, source=source, line=line))
        if len(values) == len(PLAN_COLUMNS):
            if values["from_site"] == values["to_site"]:
                errors.append(InputError(f"is from_site ({values['to_site']!r}): a move goes "
                                         "to another site", field="to_site", source=source,
                                         line=line))
            else:
                rows.append(PlanRow(line=line, **values))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return tuple(rows)


def _resolve(value: str, info: ValidationInfo) -> Path:
    if (info.context or {}).get("read_files") is False:
        raise ValueError("a plan's files cannot be read here (farm text from the web API "
                         "does not read the server's files)")
    path = Path(value)
    base = (info.context or {}).get("base_dir") if info.context else None
    return path if path.is_absolute() or base is None else Path(base) / path


def _one_line(exc: InputError | InputErrors) -> str:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0]}{more}"


@dataclasses.dataclass(frozen=True, eq=False)
class _Leg:
    """One engine move of a plan: (fleet item, site, role) to (fleet item, site, role)."""

    row: PlanRow
    item: int
    source: tuple[str, str]
    target: tuple[str, str]
    day: int
    count: float
    cost: float


@dataclasses.dataclass(frozen=True, eq=False)
class _Schedule:
    """A plan checked against a farm and a window: sites, empty cohorts, engine moves."""

    extra_sites: tuple[SiteConfig, ...]
    slots: tuple[tuple[int, str, str], ...]
    legs: tuple[_Leg, ...]
    regions: dict[str, str]
    events: bool
    after_window: tuple[int, ...]


@register_policy
class FollowPlanConfig(ConfigModel):
    """Follow the moves of a plan (``hashwinter plan --out``'s ``plan_moves.csv``).

    Attributes
    ----------
    kind : "follow_plan"
    moves : str
        The moves file (relative to the farm file).
    sites : str or None
        The sites file the plan was made with (relative to the farm file): the
        sites beyond the farm's, the moving cost and downtime; None: only the
        farm's sites, moves free and instant.
    follow : float
        Share of each planned move applied. [fraction] 1: follow the plan; 0:
        stay put (the comparison leg; a sweep's variant axis ``farm.plan.follow``).

    """

    kind: Literal["follow_plan"]
    moves: str = Field(min_length=1)
    sites: str | None = Field(default=None, min_length=1)
    follow: Annotated[float, InRange("fraction")] = 1.0
    _rows: tuple[PlanRow, ...] = PrivateAttr(default=())
    _sites: LoadedSites | None = PrivateAttr(default=None)

    @field_validator("moves")
    @classmethod
    def _moves_file(cls, value: str, info: ValidationInfo) -> str:
        path = _resolve(value, info)
        if not path.is_file():
            raise ValueError(f"no such moves file: {path}")
        try:
            read_plan_moves(path)
        except (InputError, InputErrors) as exc:
            raise ValueError(_one_line(exc)) from None
        return str(path)

    @field_validator("sites")
    @classmethod
    def _sites_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        path = _resolve(value, info)
        if not path.is_file():
            raise ValueError(f"no such sites file: {path}")
        try:
            load_sites(path)
        except (InputError, InputErrors) as exc:
            raise ValueError(_one_line(exc)) from None
        return str(path)

    @model_validator(mode="after")
    def _load(self) -> FollowPlanConfig:
        # Kept with the farm (and pickled with it to the workers of a Monte Carlo).
        self._rows = read_plan_moves(self.moves)
        self._sites = load_sites(self.sites) if self.sites is not None else None
        return self

    @property
    def rows(self) -> tuple[PlanRow, ...]:
        """The plan's moves."""
        return self._rows

    @property
    def move(self) -> MoveConfig:
        """Moving cost and downtime (the sites file's ``[move]``)."""
        return self._sites.config.move if self._sites is not None else MoveConfig()

    def cohort_slots(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64],
                     field: str) -> CohortSlots:
        """Return the empty cohorts the plan's moves fill (the farm builder's hook)."""
        schedule = self.schedule(farm, dates)
        return CohortSlots(sites=schedule.extra_sites, slots=schedule.slots)

    def schedule(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64]) -> _Schedule:
        """Check the plan against ``farm`` over ``dates`` and return its engine moves.

        Raises
        ------
        InputError, InputErrors
            Naming the moves file's line and column (or the sites file's field).

        """
        return _schedule(self, farm, np.asarray(dates, dtype="datetime64[D]"))

    def build(self, context: PolicyContext) -> Policy:
        """Return the engine policy (:class:`FollowPlan`)."""
        farm_dates = context.clock.dates
        if not context.role:
            raise InputError("the farm was built without the plan's cohorts", field="policies")
        key: dict[tuple[int, str, str], int] = {}
        for c, (item, role, site) in enumerate(zip(context.fleet_item, context.role,
                                                   context.cohorts.site, strict=True)):
            key.setdefault((item, site.removeprefix("→ ") if role == "transit" else site, role),
                           c)
        farm = context.farm
        if farm is None:
            raise InputError("the plan needs the farm in the policy context", field="policies")
        schedule = self.schedule(farm, farm_dates)
        spd = context.clock.steps_per_day
        legs = schedule.legs
        source = np.array([key[(g.item, *g.source)] for g in legs], dtype=np.int64)
        target = np.array([key[(g.item, *g.target)] for g in legs], dtype=np.int64)
        steps = np.array([g.day * spd for g in legs], dtype=np.int64)
        held_off = np.array([r == "transit" for r in context.role])
        cut = None
        if schedule.events:
            by_site = {name: event_downtime(HISTORICAL_EVENTS, region, farm_dates) > 0
                       for name, region in schedule.regions.items()}
            per_cohort = np.stack([by_site.get(s.removeprefix("→ "), np.zeros(farm_dates.size,
                                                                                dtype=bool))
                                   for s in context.cohorts.site], axis=1)  # (days, C)
            if per_cohort.any():
                cut = np.repeat(per_cohort, spd, axis=0)
        return FollowPlan(self.follow, MoveSchedule(
            step=steps, source=source, target=target,
            count=np.array([g.count for g in legs], dtype=np.float64),
            cost=np.array([g.cost for g in legs], dtype=np.float64),
            held_off=held_off, cut=cut))


def _planner_sites(config: FollowPlanConfig, farm: LoadedFarm
                   ) -> tuple[list[PlannerSite], list[str]]:
    from hashwinter.planner.build import planner_sites  # the planner imports HiGHS: lazily
    from hashwinter.sites.config import SitesFile

    sites = config._sites.config if config._sites is not None else SitesFile()
    return planner_sites(farm, sites)


def _sites_error(config: FollowPlanConfig, message: str, field: str) -> InputError:
    """Return an error of the plan's sites file, at the line of ``field``."""
    from hashwinter.farm.toml_lines import TomlLines

    loaded = config._sites
    line = (TomlLines(loaded.text).line(field)
            if loaded is not None and loaded.text is not None else None)
    return InputError(message, field=field, source=config.sites, line=line)


def _site_config(site: PlannerSite) -> SiteConfig:
    """Return a sites-file site as the farm builder's site (capacity: its largest month)."""
    return SiteConfig.model_construct(
        name=site.name, region=site.region,
        capacity_slots=max(1, int(max(site.capacity_slots))),
        capacity_mw=max(max(site.capacity_mw), 1e-6), tariff=site.tariff, pue=site.pue,
        uptime=site.uptime, management_fee_per_machine_day=site.management_fee_per_machine_day,
        hosting_fee_per_machine_day=site.hosting_fee_per_machine_day,
        fixed_costs_per_month=0.0, capex=[], host=None)


def _schedule(config: FollowPlanConfig, farm: LoadedFarm,
              dates: npt.NDArray[np.datetime64]) -> _Schedule:
    source = config.moves
    fleet = farm.config.fleet
    chosen, where = _planner_sites(config, farm)
    names = [s.name for s in chosen]
    by_name = {s.name: s for s in chosen}
    errors: list[InputError] = []
    for j, site in enumerate(chosen):
        if site.source != "farm file" and site.fixed_costs_per_month > 0:
            errors.append(_sites_error(
                config, "following a plan does not charge a planned site's fixed costs yet: "
                "give 0 (the plan's value counted them)", f"{where[j]}.fixed_costs_per_month"))
    labels: dict[str, list[int]] = {}
    last_day = dates[-1]
    for i, item in enumerate(fleet):
        if np.datetime64(item.purchase_date, "D") <= last_day:
            labels.setdefault(plan_cohort_label(item), []).append(i)
    rows = config.rows
    first_month = dates[0].astype("datetime64[M]")
    usable: list[tuple[PlanRow, int]] = []
    for row in rows:
        found = labels.get(row.cohort)
        if found is None:
            known = ", ".join(repr(k) for k in list(labels)[:6]) or "none"
            errors.append(InputError(f"no fleet item is called {row.cohort!r} in the window "
                                     f"(known: {known})", field="cohort", source=source,
                                     line=row.line))
            continue
        if len(found) > 1:
            which = ", ".join(f"fleet[{i}]" for i in found)
            errors.append(InputError(f"{row.cohort!r} names {which}: give them labels",
                                     field="cohort", source=source, line=row.line))
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
            errors.append(_sites_error(config, f"site {names[j]!r} has {what} in {months[m]} "
                                       f"but the plan holds {need} there",
                                       f"{where[j]}.capacity_{kind}"))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)

    move = config.move
    downtime = round(move.downtime_days)  # whole days: the engine moves on steps
    if downtime > dates.size:
        raise _sites_error(config, f"a move takes {move.downtime_days:g} days, longer than "
                           f"the {dates.size}-day window", "move.downtime_days")
    legs: list[_Leg] = []
    after: list[int] = []
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
            legs.append(_Leg(row, i, src, road, d, float(row.count), float(cost)))
            if d + downtime < dates.size:
                legs.append(_Leg(row, i, road, dst, d + downtime, float(row.count), 0.0))
        else:
            legs.append(_Leg(row, i, src, dst, d, float(row.count), float(cost)))
    farm_names = {s.name for s in farm.config.sites}
    used = {name for _, name, _ in slot_set}
    extra = tuple(_site_config(s) for s in chosen if s.name not in farm_names and s.name in used)
    return _Schedule(
        extra_sites=extra, slots=tuple(slot_set), legs=tuple(legs),
        regions={s.name: s.region for s in chosen},
        events=bool(config._sites is not None
                    and config._sites.config.planner.historical_events),
        after_window=tuple(after))


@dataclasses.dataclass(frozen=True, eq=False)
class MoveSchedule:
    """The engine moves of a plan, sorted by step.

    Attributes
    ----------
    step : ndarray of int (K,)
        Step of each move.
    source, target : ndarray of int (K,)
        Cohorts.
    count : ndarray (K,)
        Machines. [machines]
    cost : ndarray (K,)
        Per machine, paid by the owner. [currency/machine]
    held_off : ndarray of bool (C,)
        Cohorts switched off whatever the other policies decide (machines on the road).
    cut : ndarray of bool (T, C) or None
        Cohorts cut off in each step (dated events).

    """

    step: IntArray
    source: IntArray
    target: IntArray
    count: FloatArray
    cost: FloatArray
    held_off: npt.NDArray[np.bool_]
    cut: npt.NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        order = np.argsort(self.step, kind="stable")
        for name in ("step", "source", "target", "count", "cost"):
            object.__setattr__(self, name, np.asarray(getattr(self, name))[order])


@dataclasses.dataclass(frozen=True, init=False)
class FollowPlan:
    """Apply a plan's moves on their steps; keep machines on the road switched off.

    Compose it after the curtailment (``Policies([curtail, FollowPlan(...)])``):
    it switches off the cohorts of ``schedule.held_off`` (and those cut off by a
    dated event) whatever came before, and adds the step's moves to the bundle.

    Parameters
    ----------
    follow : float or array_like (V,)
        Share of each move applied, per variant (1: the plan; 0: stay put). [fraction]
    schedule : MoveSchedule
        The moves.

    """

    follow: FloatArray
    schedule: MoveSchedule

    def __init__(self, follow: npt.ArrayLike, schedule: MoveSchedule) -> None:
        share = as_variant_array(follow, "policies.follow")
        if np.any(share < 0) or np.any(share > 1) or not np.all(np.isfinite(share)):
            raise InputError("must be in [0, 1]", field="policies.follow")
        object.__setattr__(self, "follow", share)
        object.__setattr__(self, "schedule", schedule)

    @property
    def n_variants(self) -> int:
        """Number of variants ``V``."""
        return int(self.follow.size)

    def init_state(self, shape: tuple[int, int, int]) -> None:
        """No state (the moves are on fixed steps)."""
        return None

    def decide(self, obs: Observation, actions: Actions, state: Any) -> tuple[Actions, None]:
        """Switch off the road and the cut-off cohorts; add the moves due this step."""
        sch = self.schedule
        off = sch.held_off if sch.cut is None else sch.held_off | sch.cut[obs.step]
        if off.any():
            actions = actions.with_on(actions.on & ~off)
        lo, hi = np.searchsorted(sch.step, [obs.step, obs.step + 1])
        if hi > lo:
            count = to_engine_axis(self.follow) * sch.count[lo:hi]  # (V, 1, K)
            actions = actions.add_moves(Moves(sch.source[lo:hi], sch.target[lo:hi], count,
                                              sch.cost[lo:hi]))
        return actions, None

    def take_variants(self, sel: slice | npt.NDArray[np.int64]) -> FollowPlan:
        """Return the policy restricted to some variants."""
        return take_variants(self, sel)


def plan_entries(farm: LoadedFarm) -> list[int]:
    """Return the indices of the farm's ``[[policies]]`` entries that follow a plan."""
    return [i for i, p in enumerate(farm.config.policies) if isinstance(p, FollowPlanConfig)]


def stay_put_farm(farm: LoadedFarm, *, name: str | None = None) -> LoadedFarm | None:
    """Return the farm with every plan's ``follow`` set to 0 (None if it follows no plan)."""
    found = plan_entries(farm)
    if not found:
        return None
    policies: Sequence[Any] = [p.model_copy(update={"follow": 0.0}) if i in found else p
                               for i, p in enumerate(farm.config.policies)]
    update: dict[str, Any] = {"policies": list(policies)}
    if name is not None:
        update["name"] = name
    return dataclasses.replace(farm, config=farm.config.model_copy(update=update))
