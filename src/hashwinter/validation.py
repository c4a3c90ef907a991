"""Turn pydantic validation errors into hashwinter input errors with dotted field paths.

Tariffs, farms and scenarios are validated by pydantic models; users should see
``tariff.seasons[1].price: must be > 0 (got -0.1)`` rather than pydantic's
multi-line report. :func:`input_errors_from_validation` does that translation
once for every config model in the project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hashwinter.errors import InputError, InputErrors

__all__ = ["ConfigModel", "field_path", "input_errors_from_validation", "join_field"]

#: Pydantic error types whose message reads better with the offending value.
_SHOW_INPUT = frozenset(
    {
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "finite_number",
        "float_type",
        "float_parsing",
        "int_type",
        "int_parsing",
        "int_from_float",
        "string_type",
        "string_pattern_mismatch",
        "bool_type",
        "literal_error",
        "multiple_of",
    }
)



class ConfigModel(BaseModel):
    """Base of the config models read from files: frozen, and an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def join_field(prefix: str | None, name: str | int | None) -> str:
    """Join a dotted field prefix and a field name or list index.

    Parameters
    ----------
    prefix : str or None
        Path so far, e.g. ``"tariff"``; None or ``""`` for the root.
    name : str or int or None
        Next key (joined with ``.``) or list index (rendered ``[i]``).

    Returns
    -------
    str
        E.g. ``join_field("tariff", "seasons") == "tariff.seasons"`` and
        ``join_field("tariff.seasons", 1) == "tariff.seasons[1]"``.

    """
    if name is None or name == "":
        return prefix or ""
    if isinstance(name, int):
        return f"{prefix or ''}[{name}]"
    return f"{prefix}.{name}" if prefix else str(name)


def field_path(loc: Sequence[str | int], *, prefix: str | None = None, data: object = None) -> str:
    """Render a pydantic error location as a dotted path.

    Parameters
    ----------
    loc : sequence of str or int
        Pydantic's ``error["loc"]``, e.g. ``("seasons", 1, "price")``.
    prefix : str, optional
        Path of the validated object inside a larger document, e.g. ``"tariff"``.
    data : object, optional
        The input that was validated. When given, a location part that is not
        a key of the table it indexes but one of its values (and not the last
        part) is dropped: that is the tag pydantic inserts for a discriminated
        union (``("tariff", "seasonal", "price")`` becomes ``tariff.price``).

    Returns
    -------
    str
        E.g. ``"tariff.seasons[1].price"``.

    """
    path = prefix or ""
    current: object = data
    walking = data is not None
    tag_skipped = False
    for i, part in enumerate(loc):
        if walking and isinstance(current, Mapping):
            is_tag = (
                part not in current
                and isinstance(part, str)
                and part in _scalar_values(current)
                and i < len(loc) - 1  # a last part is a missing field, not a tag
                and not tag_skipped  # one tag per table
            )
            if is_tag:
                tag_skipped = True
                continue  # a discriminated-union tag, not a field of the input
            tag_skipped = False
            if part in current:
                current = current[part]
            else:
                walking = False
        elif walking and isinstance(current, Sequence) and not isinstance(current, str | bytes):
            if isinstance(part, int) and -len(current) <= part < len(current):
                current = current[part]
            else:
                walking = False
        else:
            walking = False
        path = join_field(path, part)
    return path


def _scalar_values(mapping: Mapping[Any, Any]) -> set[str]:
    """Return the string values of a mapping (candidates for a union tag)."""
    return {v for v in mapping.values() if isinstance(v, str)}


def _message(error: Mapping[str, Any]) -> str:
    """Return a short, lower-case message for one pydantic error."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "greater_than":
        text = f"must be > {ctx['gt']:g}" if _is_number(ctx.get("gt")) else "too small"
    elif kind == "greater_than_equal":
        text = f"must be >= {ctx['ge']:g}" if _is_number(ctx.get("ge")) else "too small"
    elif kind == "less_than":
        text = f"must be < {ctx['lt']:g}" if _is_number(ctx.get("lt")) else "too large"
    elif kind == "less_than_equal":
        text = f"must be <= {ctx['le']:g}" if _is_number(ctx.get("le")) else "too large"
    elif kind == "missing":
        text = "is required"
    elif kind == "extra_forbidden":
        text = "unknown field"
    elif kind == "finite_number":
        text = "must be a finite number"
    elif kind in {"float_type", "float_parsing"}:
        text = "must be a number"
    elif kind in {"int_type", "int_parsing", "int_from_float"}:
        text = "must be a whole number"
    elif kind == "string_type":
        text = "must be a string"
    elif kind == "bool_type":
        text = "must be true or false"
    elif kind == "literal_error":
        text = f"must be one of {ctx.get('expected', '?')}"
    elif kind == "union_tag_invalid":
        text = (
            f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} "
            f"{ctx.get('tag')!r}; expected one of {ctx.get('expected_tags', '?')}"
        )
    elif kind == "union_tag_not_found":
        text = f"{ctx.get('discriminator', 'kind').strip(chr(39))} is required"
    elif kind in {"value_error", "assertion_error"} and "error" in ctx:
        text = str(ctx["error"])
    else:
        msg = str(error.get("msg", "invalid value"))
        text = msg[:1].lower() + msg[1:]
    if kind in _SHOW_INPUT and "input" in error and _is_scalar(error["input"]):
        text = f"{text} (got {error['input']!r})"
    return text


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _branch(part: object) -> str | None:
    """Return ``"list"`` or ``"scalar"`` for pydantic's label of a union branch, else None."""
    if not isinstance(part, str):
        return None
    if part.startswith("list["):
        return "list"
    return "scalar" if part.removeprefix("constrained-") in ("float", "int", "str", "bool") \
        else None


def _one_branch(errors: list[Any]) -> list[Any]:
    """Keep, of a ``x | list[x]`` field's errors, the branch the input took; drop the label.

    Pydantic reports a failed union once per branch (``premium.constrained-float: must be
    >= -1`` and ``premium.list[constrained-float]: input should be a valid list``); the
    input's own type says which one the user meant.
    """
    out = []
    for err in errors:
        loc = tuple(err["loc"])
        k = next((i for i, p in enumerate(loc) if _branch(p) is not None), None)
        if k is None:
            out.append(err)
            continue
        is_list = isinstance(err.get("input"), list) if k == len(loc) - 1 else None
        kind = _branch(loc[k])
        if kind == "list" and err.get("type") == "list_type":
            continue  # the input was a scalar: its scalar branch's error says why
        if kind == "scalar" and err.get("type") in ("float_type", "float_parsing", "int_type",
                                                    "int_parsing", "string_type", "bool_type") \
                and is_list:
            continue  # the input was a list: its list branch's errors say why
        out.append({**err, "loc": loc[:k] + loc[k + 1:]})
    return out or errors


def input_errors_from_validation(
    exc: ValidationError,
    *,
    source: str | None = None,
    prefix: str | None = None,
    data: object = None,
) -> InputErrors:
    """Convert a pydantic ``ValidationError`` into :class:`~hashwinter.errors.InputErrors`.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The error raised by ``Model.model_validate(...)``.
    source : str, optional
        File (or other origin) of the validated data, copied to every error.
    prefix : str, optional
        Dotted path of the validated object inside its document, e.g.
        ``"tariff"`` or ``"sites[2].tariff"``; prepended to every field.
    data : object, optional
        The validated input; lets discriminated-union tags be dropped from the
        paths (see :func:`field_path`).

    Returns
    -------
    InputErrors
        One :class:`~hashwinter.errors.InputError` per pydantic error, in order,
        each with a dotted ``field`` such as ``"tariff.seasons[1].price"`` and a
        short message such as ``"must be > 0 (got -0.1)"``.

    """
    errors = [
        InputError(
            _message(err),
            field=field_path(err["loc"], prefix=prefix, data=data) or None,
            source=source,
        )
        for err in _one_branch(exc.errors())
    ]
    if not errors:  # pragma: no cover - pydantic never raises an empty error
        errors = [InputError(str(exc), field=prefix, source=source)]
    return InputErrors(errors)
