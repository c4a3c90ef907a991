"""Sweep keys that live on the engine's variant axis: one run for a whole grid of them.

A sweep's ``--grid`` keys that start with ``farm.`` change a farm's decisions,
not its inputs: ``farm.policy.<field>`` (any field of the ``[policy]`` table but
the restart cost, which is a cohort input), ``farm.treasury.<field>`` (the coin
sales rules: ``strategy``, ``hodl_ratio``), ``farm.tariff_scale`` (a multiplier
on every tariff) and, for a farm with a ``[hedge]``, ``farm.hedge.<field>``
(``ratio``, ``horizon_days``, ``instrument``, ``roll_day``, ``leverage``,
``target``, ``inverse_perpetual``: each distinct contract is one slot of the
position book, each variant trades its own). They become arrays over the
engine's variant axis ``V`` and are run in one pass over the same price paths;
every other key changes the
inputs (prices, network, horizon) and is run point by point. The numbers equal
those of point-by-point runs (tests/scenario/test_scenario_variants.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import ValidationError

from hashwinter.engine import Policies, Policy, Treasury
from hashwinter.engine.variants import stack_variants
from hashwinter.errors import InputError
from hashwinter.farm import LoadedFarm, PolicyContext
from hashwinter.farm.build import FarmRun, hedged_treasury
from hashwinter.farm.hedging import HedgeShort, hedge_instrument, hedge_windows
from hashwinter.finance.config import HedgeConfig
from hashwinter.finance.instruments import HedgeContract
from hashwinter.scenario.load import grid_overrides
from hashwinter.validation import input_errors_from_validation

__all__ = ["FarmVariants", "farm_variants", "is_variant_key", "split_axes"]

_PREFIX = "farm."
#: Policy fields that change a cohort's inputs, not a decision.
_INPUT_FIELDS = {"restart_cost_per_machine", "kind"}
#: ``[hedge]`` fields a sweep may put on the variant axis (the contract's slot follows).
_HEDGE_FIELDS = {"ratio", "horizon_days", "instrument", "roll_day", "leverage", "target",
                 "inverse_perpetual"}


def is_variant_key(key: str) -> bool:
    """Whether a grid key goes on the variant axis."""
    return key.startswith(_PREFIX)


def split_axes(
    axes: Sequence[tuple[str, list[Any]]],
) -> tuple[list[tuple[str, list[Any]]], list[tuple[str, list[Any]]]]:
    """Return (input axes, variant axes) of a grid, in their given order."""
    return ([a for a in axes if not is_variant_key(a[0])],
            [a for a in axes if is_variant_key(a[0])])


@dataclasses.dataclass(frozen=True, eq=False)
class FarmVariants:
    """The variant-axis grid of a sweep: its points and what they do to a farm.

    Attributes
    ----------
    points : list of dict
        One mapping of ``farm.*`` key to value per variant, first key slowest.

    """

    points: list[dict[str, Any]]

    @property
    def n(self) -> int:
        """Number of variants ``V``."""
        return len(self.points)

    def _hedges(self, fr: FarmRun) -> tuple[list[list[HedgeConfig]], list[HedgeContract],
                                             list[list[int]], np.ndarray, PolicyContext]:
        """Each variant's hedge configs, the distinct contracts, each hedge's slot, opens."""
        config = fr.farm.config
        context = PolicyContext(cohorts=fr.spec.cohorts, clock=fr.spec.clock,
                                owner_names=config.owner_names, currency=config.currency)
        per_variant: list[list[HedgeConfig]] = []
        for point in self.points:
            changes = {k.split(".", 2)[2]: x for k, x in point.items()
                       if k.startswith("farm.hedge.")}
            hedges = [p for p in config.policies if isinstance(p, HedgeConfig)]
            if config.hedge is not None:
                hedges.append(_validated(config.hedge, changes, "farm.hedge"))
            per_variant.append(hedges)
        keys: dict[str, int] = {}
        contracts: list[HedgeContract] = []
        opens: list[np.ndarray] = []
        slots: list[list[int]] = []
        for hedges in per_variant:
            row = []
            for h in hedges:
                # Contracts differ by everything but the amount hedged.
                key = h.model_dump_json(exclude={"ratio", "horizon_days", "target",
                                                 "allow_over_hedge", "kind"})
                if key not in keys:
                    keys[key] = len(contracts)
                    contracts.append(hedge_instrument(h, context))
                    opens.append(hedge_windows(h, context)[0])
                row.append(keys[key])
            slots.append(row)
        table = (np.stack(opens) if opens
                 else np.zeros((0, fr.spec.clock.n_days), dtype=bool))
        return per_variant, contracts, slots, table, context

    def instruments(self, fr: FarmRun) -> tuple[HedgeContract, ...]:
        """Return the position book's contracts of the grid (one per distinct contract)."""
        return tuple(self._hedges(fr)[1])

    def build(self, fr: FarmRun) -> tuple[Policy, Treasury, np.ndarray]:
        """Return the farm's policy, treasury and tariff scale stacked over the variants."""
        farm = fr.farm
        config = farm.config
        policies: list[Policy] = []
        treasuries: list[Treasury] = []
        scales = np.ones(self.n)
        hedges, _, slots, table, context = self._hedges(fr)
        for v, point in enumerate(self.points):
            policy_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                              if k.startswith("farm.policy.")}
            treasury_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                                if k.startswith("farm.treasury.")}
            pol = _validated(config.policy, policy_changes, "farm.policy")
            tre = _validated(config.treasury, treasury_changes, "farm.treasury")
            parts = [pol.build(context), *(p.build(context) for p in config.policies
                                           if not isinstance(p, HedgeConfig))]
            parts += [HedgeShort(h.ratio, h.horizon_days, slot, table, h.target,
                                 allow_over_hedge=h.allow_over_hedge)
                      for h, slot in zip(hedges[v], slots[v], strict=True)]
            policies.append(parts[0] if len(parts) == 1 else Policies(parts))
            treasuries.append(hedged_treasury(tre.strategy, tre.hodl_ratio, hedges[v]))
            scales[v] = float(point.get("farm.tariff_scale", 1.0))
        return stack_variants(policies), stack_variants(treasuries), scales


def _validated(model: Any, changes: dict[str, Any], prefix: str) -> Any:
    if not changes:
        return model
    data = {**model.model_dump(), **changes}
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        raise input_errors_from_validation(exc, data=data, prefix=prefix,
                                           source="--grid") from None


def farm_variants(farm: LoadedFarm, axes: Sequence[tuple[str, list[Any]]], *,
                  unhedged_twin: bool = False) -> FarmVariants:
    """Check the ``farm.*`` axes of a grid against a farm and return the variant grid.

    ``unhedged_twin``: the farm is the unhedged twin of a hedged farm (its
    ``farm.hedge.*`` values change nothing: every variant is the same farm).

    Raises
    ------
    InputError, InputErrors
        A key that is not a decision of the farm, or a value its field refuses.

    """
    config = farm.config
    for key, values in axes:
        parts = key.split(".")
        ok = (key == "farm.tariff_scale"
              or (len(parts) == 3 and parts[1] == "policy"
                  and parts[2] in type(config.policy).model_fields
                  and parts[2] not in _INPUT_FIELDS)
              or (len(parts) == 3 and parts[1] == "treasury"
                  and parts[2] in ("strategy", "hodl_ratio"))
              or (len(parts) == 3 and parts[1] == "hedge"
                  and (config.hedge is not None or unhedged_twin)
                  and parts[2] in _HEDGE_FIELDS))
        if not ok:
            raise InputError(
                "not a variant parameter: use farm.policy.<field> (not kind or restart cost), "
                "farm.treasury.strategy, farm.treasury.hodl_ratio, farm.tariff_scale or "
                "(with a [hedge]) farm.hedge.ratio, horizon_days, instrument, roll_day, "
                "leverage or target",
                field=key, source="--grid")
        if key == "farm.tariff_scale":
            for x in values:
                if not isinstance(x, int | float) or isinstance(x, bool) or not x >= 0:
                    raise InputError(f"must be a number >= 0 (got {x!r})", field=key,
                                     source="--grid")
    points = grid_overrides(axes)
    variants = FarmVariants(points)
    for point in points:  # every value is checked by its field before anything runs
        _validated(config.policy, {k.split(".", 2)[2]: x for k, x in point.items()
                                   if k.startswith("farm.policy.")}, "farm.policy")
        _validated(config.treasury, {k.split(".", 2)[2]: x for k, x in point.items()
                                     if k.startswith("farm.treasury.")}, "farm.treasury")
        if config.hedge is not None:
            _validated(config.hedge, {k.split(".", 2)[2]: x for k, x in point.items()
                                      if k.startswith("farm.hedge.")}, "farm.hedge")
    return variants
