"""pydantic ValidationError -> InputErrors with dotted field paths and short messages."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hashwinter.errors import InputErrors
from hashwinter.validation import field_path, input_errors_from_validation, join_field


class Cat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["cat"] = "cat"
    lives: Annotated[int, Field(ge=0, le=9, strict=True)]


class Dog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["dog"] = "dog"
    name: str

    @field_validator("name")
    @classmethod
    def _not_rex(cls, v: str) -> str:
        if v == "Rex":
            raise ValueError("Rex is taken")
        return v


class Home(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pets: list[Annotated[Cat | Dog, Field(discriminator="kind")]]
    rent: Annotated[float, Field(gt=0, allow_inf_nan=False)]


def _convert(payload: dict[str, object], **kw: object) -> InputErrors:
    with pytest.raises(ValidationError) as info:
        Home.model_validate(payload)
    return input_errors_from_validation(info.value, **kw)  # type: ignore[arg-type]


def test_join_field() -> None:
    assert join_field(None, "tariff") == "tariff"
    assert join_field("tariff", "seasons") == "tariff.seasons"
    assert join_field("tariff.seasons", 1) == "tariff.seasons[1]"
    assert join_field("", 0) == "[0]"
    assert join_field("x", None) == "x"


def test_paths_messages_and_source() -> None:
    data = {"pets": [{"kind": "cat", "lives": 12}, {"kind": "dog", "name": "Rex"}], "rent": -5}
    errs = _convert(data, prefix="homes[3]", source="town.toml", data=data).errors
    assert [str(e) for e in errs] == [
        "town.toml: homes[3].pets[0].lives: must be <= 9 (got 12)",
        "town.toml: homes[3].pets[1].name: Rex is taken",
        "town.toml: homes[3].rent: must be > 0 (got -5)",
    ]


def test_without_data_the_union_tag_stays_in_the_path() -> None:
    data = {"pets": [{"kind": "cat", "lives": -1}], "rent": 1}
    (err,) = _convert(data).errors
    assert err.field == "pets[0].cat.lives"
    (err,) = _convert(data, data=data).errors
    assert err.field == "pets[0].lives"


def test_missing_unknown_and_tag_errors() -> None:
    data = {"pets": [{"kind": "cow"}, {"kind": "dog"}, {}], "colour": "red"}
    errs = _convert(data, data=data).errors
    assert [(e.field, e.message) for e in errs] == [
        ("pets[0]", "unknown kind 'cow'; expected one of 'cat', 'dog'"),
        ("pets[1].name", "is required"),
        ("pets[2]", "kind is required"),
        ("rent", "is required"),
        ("colour", "unknown field"),
    ]


def test_type_errors_show_the_input() -> None:
    data = {"pets": [{"kind": "cat", "lives": "nine"}], "rent": float("inf")}
    errs = _convert(data, data=data).errors
    assert [e.message for e in errs] == [
        "must be a whole number (got 'nine')",
        "must be a finite number (got inf)",
    ]


def test_field_path_walks_the_data() -> None:
    # A location deeper than the data (a missing sub-table) is rendered as is.
    assert field_path(("a", 0, "b", "c"), data={"a": []}) == "a[0].b.c"
    # A part that is a value, not a key, of the table it indexes is a union tag.
    assert field_path(("a", "b", "c"), prefix="root", data={"a": {"k": "b", "c": 1}}) == "root.a.c"
    assert field_path(("a", "b", "c"), data={"a": {"k": "z"}}) == "a.b.c"
    # A missing field that happens to equal a value (a name) stays in the path.
    assert field_path(("t", "flat", "price"), data={"t": {"kind": "flat", "name": "price"}}) == (
        "t.price"
    )
    assert field_path(("t", "price"), data={"t": {"kind": "flat", "name": "price"}}) == "t.price"


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    premium: Annotated[float, Field(ge=-1)] | list[Annotated[float, Field(ge=-1)]] = 0.0


@pytest.mark.parametrize(("value", "expected"), [
    (-5, ["premium: must be >= -1 (got -5)"]),
    ([0.1, -5], ["premium[1]: must be >= -1 (got -5)"]),
    ("x", ["premium: must be a number (got 'x')"]),
])
def test_a_value_or_list_field_reports_the_branch_the_input_took(value, expected) -> None:
    # Pydantic reports a failed `x | list[x]` once per branch; one line is kept, the one
    # of the input's own type, without pydantic's branch label in the field.
    with pytest.raises(ValidationError) as info:
        Rule.model_validate({"premium": value})
    errors = input_errors_from_validation(info.value, data={"premium": value})
    assert [str(e) for e in errors.errors] == expected
