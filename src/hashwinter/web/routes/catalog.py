"""``/catalog``: the built-in machine catalog (see docs/catalog.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from hashwinter.errors import InputError
from hashwinter.hardware import Machine, default_catalog
from hashwinter.web.problems import PROBLEM_RESPONSES, ErrorItem, ProblemError

__all__ = ["router"]

router = APIRouter(tags=["catalog"], responses=PROBLEM_RESPONSES)


class MachineOut(BaseModel):
    """A machine of the catalog."""

    model: str
    maker: str
    kind: str
    algorithm: str
    release: dt.date | None
    hashrate: float = Field(description="[H/s]")
    power: float = Field(description="[W]")
    efficiency_j_per_th: float | None = Field(description="[J/TH] (SHA-256 machines)")
    launch_price_usd: float | None
    aliases: list[str]
    source: str
    notes: str


def _out(m: Machine) -> dict[str, Any]:
    return {"model": m.model, "maker": m.maker, "kind": m.kind, "algorithm": m.algorithm,
            "release": m.release, "hashrate": m.hashrate, "power": m.power,
            "efficiency_j_per_th": m.efficiency_j_per_th if m.algorithm == "sha256" else None,
            "launch_price_usd": m.launch_price_usd, "aliases": list(m.aliases),
            "source": m.source, "notes": m.notes}


@router.get("/catalog", response_model=list[MachineOut], summary="Machines of the catalog")
def list_machines(
    kind: Annotated[Literal["asic", "gpu"] | None, Query(description="asic or gpu")] = None,
    algorithm: Annotated[Literal["sha256", "ethash"] | None,
                         Query(description="sha256 or ethash")] = None,
) -> Any:
    """Every machine of the built-in catalog (optionally of one kind or algorithm)."""
    catalog = default_catalog()
    return [_out(m) for m in catalog.machines(kind, algorithm)]


@router.get("/catalog/{model}", response_model=MachineOut, summary="One machine",
            responses={404: {**PROBLEM_RESPONSES[422], "description": "No such machine"}})
def get_machine(model: Annotated[str, Path(description="Model or alias, e.g. 'S9' or "
                                           "'蚂蚁S9'.", max_length=200)]) -> Any:
    """One machine by model name or alias (with the nearest names when unknown)."""
    try:
        return _out(default_catalog().get(model))
    except InputError as exc:
        raise ProblemError(404, exc.message, [ErrorItem(detail=exc.message,
                                                        parameter="model")]) from None
