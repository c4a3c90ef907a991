"""Sweep keys that live on the engine's variant axis: one run for a whole grid of them.

A sweep's ``--grid`` keys that start with ``farm.`` change a farm's decisions,
not its inputs: ``farm.policy.<field>`` (any field of the ``[policy]`` table but
the restart cost, which is a cohort input), ``farm.treasury.<field>`` (the coin
sales rules: ``strategy``, ``hodl_ratio``) and ``farm.tariff_scale`` (a multiplier
on every tariff). They become arrays over the engine's variant axis ``V`` and
are run in one pass over the same price paths; every other key changes the
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
from hashwinter.farm.build import FarmRun
from hashwinter.scenario.load import grid_overrides
from hashwinter.validation import input_errors_from_validation

__all__ = ["FarmVariants", "farm_variants", "is_variant_key", "split_axes"]

_PREFIX = "farm."
#: Policy fields that change a cohort's inputs, not a decision.
_INPUT_FIELDS = {"restart_cost_per_machine", "kind"}


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

    def build(self, fr: FarmRun) -> tuple[Policy, Treasury, np.ndarray]:
        """Return the farm's policy, treasury and tariff scale stacked over the variants."""
        farm = fr.farm
        config = farm.config
        policies: list[Policy] = []
        treasuries: list[Treasury] = []
        scales = np.ones(self.n)
        context = fr.context or PolicyContext(cohorts=fr.spec.cohorts, clock=fr.spec.clock,
                                              owner_names=config.owner_names,
                                              currency=config.currency)
        for v, point in enumerate(self.points):
            policy_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                              if k.startswith("farm.policy.")}
            treasury_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                                if k.startswith("farm.treasury.")}
            pol = _validated(config.policy, policy_changes, "farm.policy")
            tre = _validated(config.treasury, treasury_changes, "farm.treasury")
            parts = [pol.build(context), *(p.build(context) for p in config.policies)]
            policies.append(parts[0] if len(parts) == 1 else Policies(parts))
            treasuries.append(Treasury.from_strategy(tre.strategy, tre.hodl_ratio))
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


def farm_variants(farm: LoadedFarm, axes: Sequence[tuple[str, list[Any]]]) -> FarmVariants:
    """Check the ``farm.*`` axes of a grid against a farm and return the variant grid.

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
                  and parts[2] in ("strategy", "hodl_ratio")))
        if not ok:
            raise InputError(
                "not a variant parameter: use farm.policy.<field> (not kind or restart cost), "
                "farm.treasury.strategy, farm.treasury.hodl_ratio or farm.tariff_scale",
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
    return variants
