"""``/data/status``: what the history store holds (``hashwinter data status``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hashwinter.data import store_status
from hashwinter.web.problems import PROBLEM_RESPONSES
from hashwinter.web.routes._common import store_of

__all__ = ["router"]

router = APIRouter(tags=["data"], responses={
    **PROBLEM_RESPONSES, 404: {**PROBLEM_RESPONSES[422], "description": "No history store"}})


class SeriesStatus(BaseModel):
    """One stored series."""

    table: str
    series: str
    rows: int
    first: dt.date
    last: dt.date
    gaps: int


class DataStatus(BaseModel):
    """The store and its series."""

    store: str
    series: list[SeriesStatus]


@router.get("/data/status", response_model=DataStatus, summary="What the history store holds")
def get_status(request: Request) -> Any:
    """Every stored series with its rows, range of days and gaps (``hashwinter data status``)."""
    reader = store_of(request)
    rows = store_status(reader.get())
    return {"store": str(reader.path),
            "series": [{"table": r.table, "series": r.series, "rows": r.rows, "first": r.first,
                        "last": r.last, "gaps": r.gaps} for r in rows]}
