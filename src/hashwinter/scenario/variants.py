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
every other key changes the inputs (prices, network, horizon) and is run point
by point.

``farm.policies.<i>.<field>`` changes a field of the farm's ``i``-th
``[[policies]]`` entry (0-based, as errors name them: ``policies[0]``), e.g. a
trading rule's threshold, a hosting contract's fee or the GPU cycle's required
surplus; an entry's ``kind`` is what it is and cannot be swept, and a hedge
entry is swept through its own fields only as ``farm.hedge.*`` of a ``[hedge]``.

``farm.policy.kind`` (e.g. ``always_on`` against ``shutdown_price``) changes what
the policy is, and policies of different kinds cannot stack into one array
policy: the points are grouped by the kinds of their policy chain (a hedge's
policy included), and each group is one engine run over the same price paths,
vectorized over its own parameters; every group's run carries the position
book of the whole grid (a group's variants trade only their own slots). The
numbers equal those of point-by-point runs (tests/scenario/test_scenario_variants.py).
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
from hashwinter.farm.hedging import hedge_instrument, hedge_policy, hedge_windows
from hashwinter.finance.config import HedgeConfig
from hashwinter.finance.instruments import HedgeContract
from hashwinter.scenario.load import grid_overrides
from hashwinter.validation import input_errors_from_validation

__all__ = ["FarmVariants", "VariantGroup", "farm_variants", "is_variant_key", "split_axes"]

_PREFIX = "farm."
#: Policy fields that change a cohort's inputs, not a decision.
_INPUT_FIELDS = {"restart_cost_per_machine"}
#: ``[hedge]`` fields a sweep may put on the variant axis (the contract's slot follows).
_HEDGE_FIELDS = {"ratio", "horizon_days", "instrument", "roll_day", "leverage", "target",
                 "inverse_perpetual", "projected_retargets"}


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
    #: Each ``farm.policies.<i>.<field>`` key: the position of the entry it changes in
    #: this farm's own ``[[policies]]`` (a twin drops entries), None where the key does
    #: not apply to this farm (it then changes nothing).
    entry_index: dict[str, int | None] = dataclasses.field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of variants ``V``."""
        return len(self.points)

    def _hedges(self, fr: FarmRun) -> tuple[list[list[HedgeConfig]], list[HedgeContract],
                                             list[list[int]], np.ndarray, PolicyContext]:
        """Each variant's hedge configs, the distinct contracts, each hedge's slot, opens."""
        config = fr.farm.config
        context = _context(fr)
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
                                                 "allow_over_hedge", "kind",
                                                 "projected_retargets"})
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
        """Return the farm's policy, treasury and tariff scale stacked over the variants.

        Raises
        ------
        InputError
            The points' policies are of different kinds (use :meth:`groups`).

        """
        groups = self.groups(fr)
        if len(groups) > 1:
            raise InputError("variants of different policy kinds need one run each "
                             "(FarmVariants.groups)", field="farm.policy.kind")
        return groups[0].policy, groups[0].treasury, groups[0].tariff_scale

    def groups(self, fr: FarmRun) -> list[VariantGroup]:
        """Return the variants grouped by the kinds of their policies: one engine run each.

        Groups come in the order of their first point; within a group, points keep
        their order.
        """
        farm = fr.farm
        config = farm.config
        hedges, _, slots, table, context = self._hedges(fr)
        built: dict[tuple[str, ...], list[tuple[int, Policy, Treasury, float]]] = {}
        for v, point in enumerate(self.points):
            policy_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                              if k.startswith("farm.policy.")}
            treasury_changes = {k.split(".", 2)[2]: x for k, x in point.items()
                                if k.startswith("farm.treasury.")}
            pol = _validated(config.policy, policy_changes, "farm.policy")
            tre = _validated(config.treasury, treasury_changes, "farm.treasury")
            entries = _entries(config.policies, point, self.entry_index)
            parts = [pol.build(context), *(p.build(context) for p in entries
                                           if not isinstance(p, HedgeConfig))]
            parts += [hedge_policy(h, slot, table, context)
                      for h, slot in zip(hedges[v], slots[v], strict=True)]
            policy = parts[0] if len(parts) == 1 else Policies(parts)
            treasury = hedged_treasury(tre.strategy, tre.hodl_ratio, hedges[v])
            scale = float(point.get("farm.tariff_scale", 1.0))
            key = tuple(type(p).__qualname__ for p in parts)
            built.setdefault(key, []).append((v, policy, treasury, scale))
        return [
            VariantGroup(
                indices=np.array([m[0] for m in members], dtype=np.int64),
                policy=stack_variants([m[1] for m in members]),
                treasury=stack_variants([m[2] for m in members]),
                tariff_scale=np.array([m[3] for m in members]),
            )
            for members in built.values()
        ]


@dataclasses.dataclass(frozen=True, eq=False)
class VariantGroup:
    """Variants whose policies are of the same kinds: one engine run.

    Attributes
    ----------
    indices : ndarray of int
        Positions of the group's variants in the sweep's variant grid.
    policy, treasury : Policy, Treasury
        Stacked over the group's variants.
    tariff_scale : ndarray
        One tariff multiplier per variant of the group.

    """

    indices: np.ndarray
    policy: Policy
    treasury: Treasury
    tariff_scale: np.ndarray


def _context(fr: FarmRun) -> PolicyContext:
    """Return what a farm's policies are built from (the build's, with its hedge data)."""
    if fr.context is not None:
        return fr.context
    config = fr.farm.config
    return PolicyContext(cohorts=fr.spec.cohorts, clock=fr.spec.clock,
                         owner_names=config.owner_names, currency=config.currency)


def _entry_changes(point: dict[str, Any],
                   entry_index: dict[str, int | None]) -> dict[int, dict[str, Any]]:
    """Return a point's ``farm.policies.<i>.<field>`` values by the farm's own entry index."""
    out: dict[int, dict[str, Any]] = {}
    for key, x in point.items():
        own = entry_index.get(key)
        if own is not None:  # None: the key does not apply to this farm
            out.setdefault(own, {})[key.split(".", 3)[3]] = x
    return out


def _entries(policies: Sequence[Any], point: dict[str, Any],
             entry_index: dict[str, int | None]) -> list[Any]:
    """Return the farm's ``[[policies]]`` entries with a point's changes validated in."""
    changes = _entry_changes(point, entry_index)
    return [_validated(p, changes.get(i, {}), f"farm.policies.{i}")
            for i, p in enumerate(policies)]


def _is_entry_key(parts: list[str], policies: Sequence[Any]) -> bool:
    """Whether ``farm.policies.<i>.<field>`` names a sweepable field of an entry."""
    if len(parts) != 4 or parts[1] != "policies" or not parts[2].isdigit():
        return False
    i = int(parts[2])
    if i >= len(policies) or isinstance(policies[i], HedgeConfig):
        return False
    return parts[3] != "kind" and parts[3] in type(policies[i]).model_fields


def _validated(model: Any, changes: dict[str, Any], prefix: str) -> Any:
    if not changes:
        return model
    data = {**model.model_dump(), **changes}
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        raise input_errors_from_validation(exc, data=data, prefix=prefix,
                                           source="--grid") from None


def not_a_variant(key: str) -> InputError:
    """Return the error of a ``farm.*`` grid key that is no decision of the farm."""
    return InputError(
        "not a variant parameter: use farm.policy.<field> (not the restart cost), "
        "farm.treasury.strategy, farm.treasury.hodl_ratio, farm.tariff_scale or "
        "(with a [hedge]) farm.hedge.ratio, horizon_days, instrument, roll_day, "
        "leverage, target, inverse_perpetual or projected_retargets, or "
        "farm.policies.<i>.<field> (a field of the i-th [[policies]] entry, "
        "0-based, not its kind; not a hedge entry)",
        field=key, source="--grid")


def farm_variants(farm: LoadedFarm, axes: Sequence[tuple[str, list[Any]]], *,
                  unhedged_twin: bool = False,
                  origin: LoadedFarm | None = None,
                  other_farms: bool = False) -> FarmVariants:
    """Check the ``farm.*`` axes of a grid against a farm and return the variant grid.

    ``unhedged_twin``: the farm is the unhedged twin of a hedged farm (its
    ``farm.hedge.*`` values change nothing: every variant is the same farm).
    ``origin``: the farm a twin was made from; ``farm.policies.<i>`` keys index its
    entries, and change nothing in a twin that dropped the entry. ``other_farms``: the
    scenario has other farms, so a ``farm.policies.<i>`` key that names no field of
    this farm's entry ``i`` changes nothing here (it is in
    :attr:`FarmVariants.entry_index` as None); the caller checks that some farm takes it.

    Raises
    ------
    InputError, InputErrors
        A key that is not a decision of the farm, or a value its field refuses.

    """
    config = farm.config
    listed = (origin or farm).config.policies
    entry_index: dict[str, int | None] = {}
    for key, _ in axes:
        parts = key.split(".")
        if len(parts) < 2 or parts[1] != "policies":
            continue
        if _is_entry_key(parts, listed):
            entry = listed[int(parts[2])]
            # A twin's entries are the origin's own objects, those it kept.
            entry_index[key] = next((j for j, q in enumerate(config.policies)
                                     if q is entry), None)
        elif other_farms or origin is not None:
            entry_index[key] = None
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
                  and parts[2] in _HEDGE_FIELDS)
              or key in entry_index)
        if not ok:
            raise not_a_variant(key)
        if key == "farm.tariff_scale":
            for x in values:
                if not isinstance(x, int | float) or isinstance(x, bool) or not x >= 0:
                    raise InputError(f"must be a number >= 0 (got {x!r})", field=key,
                                     source="--grid")
    points = grid_overrides(axes)
    variants = FarmVariants(points, entry_index)
    for point in points:  # every value is checked by its field before anything runs
        _validated(config.policy, {k.split(".", 2)[2]: x for k, x in point.items()
                                   if k.startswith("farm.policy.")}, "farm.policy")
        _validated(config.treasury, {k.split(".", 2)[2]: x for k, x in point.items()
                                     if k.startswith("farm.treasury.")}, "farm.treasury")
        if config.hedge is not None:
            _validated(config.hedge, {k.split(".", 2)[2]: x for k, x in point.items()
                                      if k.startswith("farm.hedge.")}, "farm.hedge")
        _entries(config.policies, point, entry_index)
    return variants
