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

import dataclasses
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
from hashwinter.farm.config import LoadedFarm
from hashwinter.farm.plan_file import PlanRow, read_plan_moves
from hashwinter.farm.plan_schedule import PlanSchedule, plan_schedule
from hashwinter.farm.registry import CohortSlots, PolicyContext, register_policy
from hashwinter.ranges import InRange
from hashwinter.sites.config import LoadedSites, MoveConfig, load_sites
from hashwinter.sites.events import HISTORICAL_EVENTS, event_downtime
from hashwinter.validation import ConfigModel

if TYPE_CHECKING:
    from hashwinter.engine import Policy

__all__ = [
    "FollowPlan",
    "FollowPlanConfig",
    "MoveSchedule",
    "plan_entries",
    "stay_put_farm",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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

    def schedule(self, farm: LoadedFarm, dates: npt.NDArray[np.datetime64]) -> PlanSchedule:
        """Check the plan against ``farm`` over ``dates`` and return its engine moves.

        Raises
        ------
        InputError, InputErrors
            Naming the moves file's line and column (or the sites file's field).

        """
        return plan_schedule(self._rows, self.moves, self._sites, farm,
                             np.asarray(dates, dtype="datetime64[D]"))

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
