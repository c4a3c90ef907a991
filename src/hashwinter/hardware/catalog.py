"""The machine catalog: an immutable, alias-aware collection of :class:`Machine`.

A :class:`Catalog` maps model names to machines. Lookup accepts any alias in any
case, spacing or punctuation (see :mod:`hashwinter.hardware.aliases`); an
unknown name fails with the nearest names suggested. The built-in catalog is a
CSV file shipped inside the package (:func:`default_catalog`); user catalogs
(:func:`hashwinter.hardware.load_catalog`) merge over it with
:meth:`Catalog.merged_with`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources
from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from hashwinter.errors import InputError
from hashwinter.hardware.aliases import name_key, nearest, strip_maker_prefixes
from hashwinter.hardware.machine import MEGA, TERA, Machine

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUILTIN_CATALOG_FILE", "Catalog", "alias_collisions", "default_catalog"]

#: File name of the built-in catalog inside the package (``hashwinter/hardware/data``).
BUILTIN_CATALOG_FILE = "machines.csv"


def alias_collisions(machines: Iterable[Machine]) -> list[tuple[int, int, str]]:
    """Find names (models or aliases) that would name two different machines.

    Parameters
    ----------
    machines : iterable of Machine
        Machines in catalog order.

    Returns
    -------
    list of (int, int, str)
        ``(first, second, name)``: positions of the two machines and the name of
        the second that clashes with the first (the first occurrence wins).

    """
    owner: dict[str, int] = {}
    clashes: list[tuple[int, int, str]] = []
    for index, machine in enumerate(machines):
        for name in machine.names:
            key = name_key(name)
            if not key:
                continue
            first = owner.setdefault(key, index)
            if first != index:
                clashes.append((first, index, name))
    return clashes


class Catalog:
    """An immutable collection of machines, looked up by model name or alias.

    Iterating yields the canonical model names in catalog order (as a mapping
    does); :meth:`machines` yields the :class:`Machine` objects.

    Parameters
    ----------
    machines : iterable of Machine
        The machines. No two may share a name or alias (after normalisation).

    Raises
    ------
    InputError
        When two machines share a model name or alias (``field="aliases"``).

    """

    __slots__ = ("_derived", "_explicit", "_machines")

    def __init__(self, machines: Iterable[Machine] = ()) -> None:
        items = tuple(machines)
        clashes = alias_collisions(items)
        if clashes:
            first, second, name = clashes[0]
            field = "model" if name == items[second].model else "aliases"
            raise InputError(
                f"{name!r} of {items[second].model!r} already names {items[first].model!r}",
                field=field,
            )
        explicit: dict[str, int] = {}
        for index, machine in enumerate(items):
            for name in machine.names:
                key = name_key(name)
                if key:
                    explicit[key] = index
        # Keys without maker words: found unless they are explicit names of another
        # machine, or shared by two machines (then ambiguous, -1).
        derived: dict[str, int] = {}
        for key, index in explicit.items():
            short = strip_maker_prefixes(key)
            if short == key or short in explicit:
                continue
            derived[short] = index if derived.get(short, index) == index else -1
        # Set once here; __setattr__ refuses any later change.
        object.__setattr__(self, "_machines", items)
        object.__setattr__(self, "_explicit", MappingProxyType(explicit))
        object.__setattr__(self, "_derived", MappingProxyType(derived))

    _machines: tuple[Machine, ...]
    _explicit: MappingProxyType[str, int]
    _derived: MappingProxyType[str, int]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Catalog is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Catalog is immutable (cannot delete {name!r})")

    # -- lookup ------------------------------------------------------------------------

    def _find(self, name: str) -> int | None:
        key = name_key(name)
        if not key:
            return None
        for candidate in (key, strip_maker_prefixes(key)):
            if candidate in self._explicit:
                return self._explicit[candidate]
            index = self._derived.get(candidate)
            if index is not None and index >= 0:
                return index
        return None

    def get(self, name: str) -> Machine:
        """Return the machine called ``name`` (model name or alias, any spelling).

        Parameters
        ----------
        name : str
            E.g. ``"S9"``, ``"antminer s9"``, ``"Antminer S9 13.5T"``, ``"蚂蚁S9"``.

        Returns
        -------
        Machine

        Raises
        ------
        InputError
            ``field="model"``, naming the nearest models, when nothing matches.

        """
        if not isinstance(name, str):
            raise InputError(f"must be a string (got {name!r})", field="model")
        index = self._find(name)
        if index is None:
            raise InputError(self._unknown_message(name), field="model")
        return self._machines[index]

    def _unknown_message(self, name: str) -> str:
        short = strip_maker_prefixes(name_key(name))
        ambiguous = self._derived.get(short) == -1
        if ambiguous:
            matches = [m.model for m in self._machines if short in _short_keys(m)]
            return f"ambiguous model {name!r}: matches {', '.join(matches)}"
        suggestions = self.suggest(name)
        if suggestions:
            return f"unknown model {name!r}; did you mean: {', '.join(suggestions)}?"
        return f"unknown model {name!r} (the catalog has {len(self)} models)"

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Return up to ``n`` model names nearest to ``name``, most similar first."""
        pairs = ((alias, m.model) for m in self._machines for alias in m.names)
        return nearest(name, pairs, n=n)

    def resolve(self, name: str) -> str:
        """Return the canonical model name of ``name`` (see :meth:`get`)."""
        return self.get(name).model

    def __getitem__(self, name: str) -> Machine:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._find(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (m.model for m in self._machines)

    def __len__(self) -> int:
        return len(self._machines)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalog):
            return NotImplemented
        return self._machines == other._machines

    def __hash__(self) -> int:
        return hash(self._machines)

    def __repr__(self) -> str:
        kinds = {k: sum(1 for m in self._machines if m.kind == k) for k in ("asic", "gpu")}
        return f"Catalog({len(self)} machines: {kinds['asic']} asic, {kinds['gpu']} gpu)"

    # -- views -------------------------------------------------------------------------

    def machines(
        self, kind: str | None = None, algorithm: str | None = None
    ) -> tuple[Machine, ...]:
        """Return the machines, optionally only those of one kind and/or algorithm.

        Parameters
        ----------
        kind : {"asic", "gpu"}, optional
            Keep only machines of this kind.
        algorithm : {"sha256", "ethash"}, optional
            Keep only machines for this algorithm.

        Returns
        -------
        tuple of Machine
            In catalog order.

        """
        return tuple(
            m
            for m in self._machines
            if (kind is None or m.kind == kind) and (algorithm is None or m.algorithm == algorithm)
        )

    def mining(self, algorithm: str) -> tuple[Machine, ...]:
        """Return the machines with a hashrate for ``algorithm`` (primary or further), in order."""
        return tuple(m for m in self._machines if m.mines(algorithm))

    def models(self, kind: str | None = None, algorithm: str | None = None) -> tuple[str, ...]:
        """Return the canonical model names, filtered as in :meth:`machines`."""
        return tuple(m.model for m in self.machines(kind, algorithm))

    def values(self) -> tuple[Machine, ...]:
        """Return all machines in catalog order."""
        return self._machines

    def items(self) -> tuple[tuple[str, Machine], ...]:
        """Return ``(model, machine)`` pairs in catalog order."""
        return tuple((m.model, m) for m in self._machines)

    def to_frame(self) -> pd.DataFrame:
        """Return the catalog as a tidy DataFrame, one row per machine, units in column names.

        Returns
        -------
        pandas.DataFrame
            Columns ``model, maker, kind, algorithm, release`` (datetime64, first of
            month, NaT if unknown), ``hashrate_hs, hashrate_ths, hashrate_mhs, power_w,
            efficiency_j_th, efficiency_j_mh, launch_price_usd`` (NaN if unknown),
            ``aliases`` (``;``-separated), ``source, notes``.

        """
        # pandas only here: `hashwinter shutdown` reads the catalog and never needs it.
        import pandas as pd

        ms = self._machines
        hashrate = np.array([m.hashrate for m in ms], dtype=float)
        power = np.array([m.power for m in ms], dtype=float)
        prices = [m.launch_price_usd for m in ms]
        frame = pd.DataFrame(
            {
                "model": [m.model for m in ms],
                "maker": [m.maker for m in ms],
                "kind": [m.kind for m in ms],
                "algorithm": [m.algorithm for m in ms],
                "release": np.array(
                    [np.datetime64(m.release, "ns") if m.release else np.datetime64("NaT", "ns")
                     for m in ms],
                    dtype="datetime64[ns]",
                ),
                "hashrate_hs": hashrate,
                "hashrate_ths": hashrate / TERA,
                "hashrate_mhs": hashrate / MEGA,
                "power_w": power,
                "efficiency_j_th": power / hashrate * TERA,
                "efficiency_j_mh": power / hashrate * MEGA,
                "launch_price_usd": np.array(
                    [np.nan if p is None else p for p in prices], dtype=float
                ),
                "aliases": [";".join(m.aliases) for m in ms],
                "source": [m.source for m in ms],
                "notes": [m.notes for m in ms],
            }
        )
        frame.attrs["units"] = {
            "hashrate_hs": "H/s",
            "hashrate_ths": "TH/s",
            "hashrate_mhs": "MH/s",
            "power_w": "W",
            "efficiency_j_th": "J/TH",
            "efficiency_j_mh": "J/MH",
            "launch_price_usd": "USD",
        }
        return frame

    # -- combining ---------------------------------------------------------------------

    def merged_with(self, other: Catalog) -> Catalog:
        """Return this catalog with ``other``'s machines laid over it.

        A machine of ``other`` whose model name matches one here (after
        normalisation) replaces it in place, keeping the aliases of the machine it
        replaces; the others are appended in order. Names of ``other`` win: an
        alias here that ``other`` uses for another of its machines is dropped.

        Parameters
        ----------
        other : Catalog
            E.g. a user catalog from :func:`hashwinter.hardware.load_catalog`.

        Returns
        -------
        Catalog

        Raises
        ------
        InputError
            When an alias in ``other`` is the model name of a different machine
            here (``field="aliases"``): override it by its model name instead.

        """
        overrides = {name_key(m.model): m for m in other._machines}
        claimed = {name_key(n): m.model for m in other._machines for n in m.names}
        merged: list[Machine] = []
        for machine in self._machines:
            key = name_key(machine.model)
            if key in overrides:
                # New figures, same names: the built-in aliases stay with the model.
                user = overrides.pop(key)
                own = {name_key(n) for n in user.names}
                inherited = tuple(
                    a
                    for a in machine.aliases
                    if name_key(a) not in own and claimed.get(name_key(a), user.model) == user.model
                )
                merged.append(dataclasses.replace(user, aliases=user.aliases + inherited))
                continue
            if key in claimed:
                raise InputError(
                    f"{machine.model!r} is a built-in model, not an alias of "
                    f"{claimed[key]!r}; to replace it, use model = {machine.model!r}",
                    field="aliases",
                )
            kept = tuple(a for a in machine.aliases if name_key(a) not in claimed)
            if kept != machine.aliases:
                machine = dataclasses.replace(machine, aliases=kept)
            merged.append(machine)
        merged.extend(overrides.values())
        return Catalog(merged)


def _short_keys(machine: Machine) -> set[str]:
    return {strip_maker_prefixes(name_key(n)) for n in machine.names}


@functools.cache
def default_catalog() -> Catalog:
    """Return the built-in catalog (read once from the package's CSV, then cached).

    Returns
    -------
    Catalog
        At least 40 SHA-256 ASIC models from 2014 on and the Ethash GPUs of the
        2016–2022 mining era, each with its source; see docs/catalog.md.

    """
    # Imported here: the loader builds Catalogs, so a module-level import would be circular.
    from hashwinter.hardware.loader import read_catalog_csv_text

    resource = importlib.resources.files("hashwinter.hardware") / "data" / BUILTIN_CATALOG_FILE
    text = resource.read_text(encoding="utf-8")
    return read_catalog_csv_text(text, source=f"<built-in {BUILTIN_CATALOG_FILE}>", builtin=True)
