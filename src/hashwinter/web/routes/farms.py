"""``/farms``: example farm files, and validating an uploaded one (the CLI's field errors).

An uploaded farm is TOML text sent as ``{"toml": "..."}``; its problems come back
as the CLI prints them (``sites[0].tariff.price: must be > 0``, with the line), each
located at ``/toml`` in the request with its ``field`` and ``line``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import LoadedFarm, farm_from_dict
from hashwinter.tomlfile import parse_toml
from hashwinter.web.problems import PROBLEM_RESPONSES, ErrorItem, ProblemError
from hashwinter.web.routes._common import settings_of

__all__ = ["FarmText", "example_farms", "load_farm_text", "router"]

router = APIRouter(tags=["farms"], responses=PROBLEM_RESPONSES)

#: Largest farm file accepted. [characters]
MAX_FARM_CHARS = 200_000


class FarmText(BaseModel):
    """A farm file's text."""

    model_config = ConfigDict(extra="forbid")
    toml: str = Field(max_length=MAX_FARM_CHARS, description="The farm file (TOML).",
                      examples=['name = "demo"\ncurrency = "CNY"\n'])


class FleetLine(BaseModel):
    """One fleet item."""

    model: str
    count: int
    site: str


class FarmInfo(BaseModel):
    """A valid farm, in short."""

    name: str
    currency: str
    coin: str
    start: dt.date | None
    end: dt.date | None
    sites: list[str]
    fleet: list[FleetLine]
    machines: int


class ExampleFarm(BaseModel):
    """An example farm file shipped with hashwinter."""

    name: str
    title: str
    toml: str


def example_farms(examples: Path | None) -> dict[str, Path]:
    """Return the example farm files by name (file stem), in name order."""
    if examples is None:
        return {}
    return {p.stem: p for p in sorted(examples.glob("*.toml"))}


def load_farm_text(text: str, pointer: str = "/toml") -> LoadedFarm:
    """Validate a farm file's text as ``hashwinter backtest`` does.

    Raises
    ------
    ProblemError
        422 listing every problem, each at ``pointer`` with its ``field`` and ``line``.

    """
    try:
        data = parse_toml(text, "farm.toml")
    except InputError as exc:
        raise ProblemError(422, exc.message, [ErrorItem(
            detail=exc.message, pointer=pointer, field=exc.field, line=exc.line)]) from None
    try:
        return farm_from_dict(data, source="farm.toml", text=text, read_files=False)
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        raise ProblemError(422, str(exc), [
            ErrorItem(detail=e.message, pointer=pointer, field=e.field, line=e.line)
            for e in errors]) from None


def farm_info(farm: LoadedFarm) -> dict[str, Any]:
    """Return the short description of a valid farm."""
    c = farm.config
    return {"name": c.name, "currency": c.currency, "coin": c.coin, "start": c.start,
            "end": c.end, "sites": [s.name for s in c.sites],
            "fleet": [{"model": m.model, "count": f.count, "site": f.site}
                      for f, m in zip(c.fleet, farm.machines, strict=True)],
            "machines": sum(f.count for f in c.fleet)}


@router.get("/farms/examples", response_model=list[ExampleFarm], summary="Example farms")
def list_examples(request: Request) -> Any:
    """List the example farm files (the story's farms), with their text."""
    out = []
    for name, path in example_farms(settings_of(request).examples_dir).items():
        text = path.read_text(encoding="utf-8")
        title = tomllib.loads(text).get("name", name)
        out.append({"name": name, "title": str(title), "toml": text})
    return out


@router.get("/farms/examples/{name}", response_model=ExampleFarm, summary="One example farm",
            responses={404: {**PROBLEM_RESPONSES[422], "description": "No such example"}})
def get_example(request: Request,
                name: Annotated[str, PathParam(max_length=100, examples=["lao_luo_a741"])]
                ) -> Any:
    """One example farm file by name."""
    examples = example_farms(settings_of(request).examples_dir)
    if name not in examples:
        known = ", ".join(examples) or "none"
        raise ProblemError(404, f"no example farm {name!r} (known: {known})",
                           [ErrorItem(detail=f"no example farm {name!r} (known: {known})",
                                      parameter="name")])
    text = examples[name].read_text(encoding="utf-8")
    return {"name": name, "title": str(tomllib.loads(text).get("name", name)), "toml": text}


@router.post("/farms/validate", response_model=FarmInfo, summary="Validate a farm file")
def validate_farm(body: FarmText) -> Any:
    """Check a farm file as ``hashwinter backtest`` does; every problem names its field."""
    return farm_info(load_farm_text(body.toml))
