"""The one place policies are registered: config classes by ``kind``, and what they build.

A policy is one module with two things: the engine policy (an object following
:class:`hashwinter.engine.Policy`) and a pydantic config class with a
``kind: Literal["..."]`` field and a ``build(context) -> Policy`` method,
decorated with :func:`register_policy`. Farm files then use it by kind, in
``[policy]`` or in the ``[[policies]]`` list (applied in order, each adding to
the action bundle). A ``[[policies]]`` entry may name the module that
registers it, ``plugin = "package.module:ConfigClass"`` or, for a file beside
the farm file, ``plugin = "my_rule.py:ConfigClass"``: nothing in hashwinter
needs to change for a new policy. (Naming a plugin runs its code, as an
``import`` would: only use farm files you trust.)

Entries are validated through a pydantic discriminated union on ``kind``
built from the registry at validation time, so errors name the field
(``policies[0].days: must be > 0``).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, Field, TypeAdapter, ValidationInfo

from hashwinter.engine import Clock, Cohorts, Policy

if TYPE_CHECKING:
    from hashwinter.farm.config import LoadedFarm

__all__ = [
    "CohortSlots",
    "PolicyConfigModel",
    "PolicyContext",
    "load_plugin",
    "policy_kinds",
    "register_policy",
    "validate_policy_entry",
]


@dataclasses.dataclass(frozen=True)
class PolicyContext:
    """What a policy config may use to build its engine policy.

    Attributes
    ----------
    cohorts : Cohorts
        The run's cohorts (one per fleet item, in order).
    clock : Clock
        Days and steps.
    owner_names : tuple of str
        Owners of the run.
    currency : str
        The farm's currency (every amount of the file).
    funding : mapping of str to FundingHistory
        Funding rates of perpetuals from the store, by symbol (hedges read them).
    futures : mapping of str to DataFrame
        Observed futures prices from the store (``date``, ``price``), by symbol.
    fleet_item : tuple of int
        The fleet item (``fleet[i]``) of each cohort; empty: cohort ``i`` is
        ``fleet[i]`` (no slot cohorts).
    role : tuple of str
        What each cohort is: ``"fleet"`` (a fleet item's machines where they
        were bought), ``"slot"`` (an empty cohort of a fleet item at another
        site, filled by moves) or ``"transit"`` (machines of a fleet item on
        their way to a site: held, not running), ``"purchase"`` (an empty
        cohort of a model at a site that a trading policy's purchases fill;
        its fleet item is -1); empty: all ``"fleet"``.
    farm : LoadedFarm or None
        The farm being built.
    market : DailyMarket or None
        The run's market (its window: price, difficulty, subsidy and fees per
        path and day), for policies that precompute from it (trading rules' price
        tables, a momentum basis pricing each path's futures from its own path).
    tariff : ndarray (steps, C) or None
        Energy price of each cohort per step. [farm currency/kWh]
    seed : numpy.random.SeedSequence or None
        The run's seed sequence (a Monte Carlo chunk's) for what a policy draws at
        build time (a hedge's simulated funding); None: a backtest.

    """

    cohorts: Cohorts
    clock: Clock
    owner_names: tuple[str, ...]
    currency: str
    funding: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    futures: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    fleet_item: tuple[int, ...] = ()
    role: tuple[str, ...] = ()
    farm: LoadedFarm | None = None
    market: Any = None
    tariff: Any = None
    seed: Any = None


@dataclasses.dataclass(frozen=True)
class CohortSlots:
    """Empty cohorts a policy needs the farm builder to create (moves fill them).

    A policy config that moves machines between sites has a method
    ``cohort_slots(farm, dates, field) -> CohortSlots``; the builder calls it
    before it builds the cohorts and appends one empty cohort per slot, after
    the fleet's (in the order given).

    Attributes
    ----------
    sites : tuple of SiteConfig
        Sites that are not in the farm file (e.g. a sites file's), with their
        tariff, PUE, uptime and fees.
    slots : tuple of (int, str, str)
        ``(fleet index, site name, role)`` with role ``"slot"`` or ``"transit"``.
    purchases : tuple of (Machine, str)
        ``(catalog machine, site name)``: an empty cohort of that model at that
        site of the farm file, owned by the farm, that purchases fill (role
        ``"purchase"``), appended after the slots.

    """

    sites: tuple[Any, ...] = ()
    slots: tuple[tuple[int, str, str], ...] = ()
    purchases: tuple[tuple[Any, str], ...] = ()


class PolicyConfigModel(Protocol):
    """A registered policy config: a pydantic model with ``kind`` and ``build``."""

    kind: str

    def build(self, context: PolicyContext) -> Policy:
        """Return the engine policy."""
        ...


_REGISTRY: dict[str, type[BaseModel]] = {}
_ADAPTER: dict[tuple[type[BaseModel], ...], TypeAdapter[Any]] = {}


def _kinds_of(cls: type[BaseModel]) -> tuple[str, ...]:
    field = cls.model_fields.get("kind")
    if field is None or get_origin(field.annotation) is not typing.Literal:
        raise TypeError(f"{cls.__name__} needs a field kind: Literal[...]")
    return tuple(str(k) for k in get_args(field.annotation))


def register_policy(cls: type[BaseModel]) -> type[BaseModel]:
    """Register a policy config class under each value of its ``kind`` literal (a decorator)."""
    if not callable(getattr(cls, "build", None)):
        raise TypeError(f"{cls.__name__} needs a build(context) method")
    for kind in _kinds_of(cls):
        other = _REGISTRY.get(kind)
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise TypeError(f"policy kind {kind!r} is already registered by {other.__name__}")
        _REGISTRY[kind] = cls
    return cls


def policy_kinds() -> tuple[str, ...]:
    """Return the registered kinds."""
    return tuple(sorted(_REGISTRY))


def _adapter() -> TypeAdapter[Any]:
    classes = tuple(dict.fromkeys(_REGISTRY.values()))
    if classes not in _ADAPTER:
        if len(classes) == 1:
            _ADAPTER[classes] = TypeAdapter(classes[0])
        else:
            union = Union[classes]  # type: ignore[valid-type]  # noqa: UP007
            _ADAPTER[classes] = TypeAdapter(Annotated[union, Field(discriminator="kind")])
    return _ADAPTER[classes]


def load_plugin(reference: str, base_dir: Path | None = None) -> None:
    """Import the module named by ``"module:Class"`` or ``"file.py:Class"`` (registers it).

    Raises
    ------
    ValueError
        If the module cannot be imported or has no such attribute (pydantic turns
        it into a field error).

    """
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise ValueError(f"must be 'module:ConfigClass' or 'file.py:ConfigClass' "
                         f"(got {reference!r})")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            if not path.is_file():
                raise ValueError(f"no plugin file {path}")
            name = f"hashwinter_plugin_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import plugin {module_name!r}: {exc}") from None
    cls = getattr(module, attr, None)
    if cls is None:
        raise ValueError(f"plugin {module_name!r} has no {attr!r}")
    if isinstance(cls, type) and issubclass(cls, BaseModel) and cls not in _REGISTRY.values():
        register_policy(cls)


def validate_policy_entry(value: Any, info: ValidationInfo) -> Any:
    """Validate one ``[[policies]]`` entry against the registered kinds (a pydantic validator)."""
    if isinstance(value, BaseModel):
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a table with a kind")
    data = dict(value)
    plugin = data.pop("plugin", None)
    if plugin is not None:
        if not isinstance(plugin, str):
            raise ValueError("plugin must be a string 'module:ConfigClass'")
        if (info.context or {}).get("read_files") is False:
            # Farm text posted to the web API: naming a plugin would run code on the server.
            raise ValueError("plugins cannot be loaded here (farm text from the web API "
                             "runs no code of its own)")
        base = (info.context or {}).get("base_dir") if info.context else None
        load_plugin(plugin, Path(base) if base is not None else None)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _REGISTRY:  # a list or table is no kind
        known = ", ".join(repr(k) for k in policy_kinds())
        raise ValueError(f"unknown policy kind {kind!r} (known: {known}; a plugin "
                         "registers more with plugin = 'module:ConfigClass')")
    return _adapter().validate_python(data, context=info.context)
