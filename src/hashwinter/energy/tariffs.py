"""Any tariff from a config mapping (a TOML table), with dotted-path errors.

The ``kind`` key picks the model:

========== =================================================
kind       model
========== =================================================
flat       :class:`~hashwinter.energy.flat.FlatTariff`
seasonal   :class:`~hashwinter.energy.seasonal.SeasonalTariff`
time_of_use :class:`~hashwinter.energy.time_of_use.TimeOfUseTariff`
tiered     :class:`~hashwinter.energy.tiered.TieredTariff`
========== =================================================

The TOML shapes are documented in docs/tariffs.md. Other config models (farm
sites, scenarios) embed a tariff with the :data:`Tariff` annotated union.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, ValidationError

from hashwinter.energy.flat import FlatTariff
from hashwinter.energy.seasonal import SeasonalTariff
from hashwinter.energy.tiered import TieredTariff
from hashwinter.energy.time_of_use import TimeOfUseTariff
from hashwinter.errors import InputError
from hashwinter.validation import input_errors_from_validation, join_field

__all__ = ["TARIFF_KINDS", "AnyTariff", "Tariff", "tariff_from_dict", "tariff_to_dict"]

#: Every tariff model, as one type (for annotations and isinstance checks).
AnyTariff = FlatTariff | SeasonalTariff | TimeOfUseTariff | TieredTariff

#: Field type for config models that hold a tariff: pydantic picks the model by
#: ``kind``. Pass the input as ``data=`` to
#: :func:`hashwinter.validation.input_errors_from_validation` so that the kind
#: does not show up in error paths.
Tariff = Annotated[AnyTariff, Field(discriminator="kind")]

#: kind -> model.
TARIFF_KINDS: dict[str, type[AnyTariff]] = {
    "flat": FlatTariff,
    "seasonal": SeasonalTariff,
    "time_of_use": TimeOfUseTariff,
    "tiered": TieredTariff,
}


def tariff_from_dict(
    mapping: Mapping[str, Any], *, field_prefix: str = "tariff", source: str | None = None
) -> AnyTariff:
    """Build a tariff of any kind from a config mapping.

    Parameters
    ----------
    mapping : mapping
        A TOML table such as ``{"kind": "flat", "price": 0.28, "currency": "CNY"}``
        (shapes in docs/tariffs.md).
    field_prefix : str
        Dotted path of the table in its document, used in error fields, e.g.
        ``"sites[0].tariff"``.
    source : str, optional
        File the table came from, copied to the errors.

    Returns
    -------
    FlatTariff or SeasonalTariff or TimeOfUseTariff or TieredTariff

    Raises
    ------
    InputErrors
        Every problem at once, each with a dotted ``field`` such as
        ``"tariff.seasons[1].price"``.
    InputError
        If ``mapping`` is not a mapping or ``kind`` is missing or unknown.

    """
    if not isinstance(mapping, Mapping):
        raise InputError(
            f"must be a table with a kind ({', '.join(TARIFF_KINDS)}), "
            f"got {type(mapping).__name__}",
            field=field_prefix or None,
            source=source,
        )
    kinds = ", ".join(TARIFF_KINDS)
    kind = mapping.get("kind")
    if kind is None:
        raise InputError(
            f"is required: one of {kinds}", field=join_field(field_prefix, "kind"), source=source
        )
    if kind not in TARIFF_KINDS:
        raise InputError(
            f"unknown tariff kind {kind!r}: expected one of {kinds}",
            field=join_field(field_prefix, "kind"),
            source=source,
        )
    model = TARIFF_KINDS[kind]
    try:
        return model.model_validate(dict(mapping))
    except ValidationError as exc:
        raise input_errors_from_validation(exc, source=source, prefix=field_prefix) from None


def tariff_to_dict(tariff: AnyTariff) -> dict[str, Any]:
    """Return the config mapping of ``tariff`` (inverse of :func:`tariff_from_dict`).

    Fields left at None are omitted, so the result is a valid TOML table.
    """
    return tariff.model_dump(mode="json", exclude_none=True)
