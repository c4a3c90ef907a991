"""The pages (board, farm, scenario, network) and their static files, plotly.js included.

plotly.js is served from the installed ``plotly`` package (the same file its offline
HTML embeds), so the pages need no CDN and work without internet.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import plotly
from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from hashwinter.web.problems import ErrorItem, ProblemError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STATIC = Path(str(resources.files("hashwinter.web") / "static"))
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_PAGES = {"": "board.html", "farm": "farm.html", "scenario": "scenario.html",
          "network": "network.html"}
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
_CACHE = {"Cache-Control": "public, max-age=3600"}


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / _PAGES[name]).read_text(encoding="utf-8"))


@router.get("/")
def board() -> HTMLResponse:
    """Serve the shutdown board."""
    return _page("")


@router.get("/farm")
def farm() -> HTMLResponse:
    """Serve the farm page: upload or pick a farm, run its backtest."""
    return _page("farm")


@router.get("/scenario")
def scenario() -> HTMLResponse:
    """Serve the scenario page: fan charts and ruin probabilities."""
    return _page("scenario")


@router.get("/network")
def network() -> HTMLResponse:
    """Serve the network page (it waits for the network issue)."""
    return _page("network")


@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    """Serve plotly.js from the installed plotly package."""
    return FileResponse(_PLOTLY_JS, media_type="text/javascript", headers=_CACHE)


@router.get("/static/{name}")
def static(name: Annotated[str, PathParam(pattern=r"^[a-z_]+\.(js|css)$")]) -> FileResponse:
    """Serve the pages' scripts and style."""
    path = STATIC / name
    if not path.is_file():
        raise ProblemError(404, f"no static file {name!r}",
                           [ErrorItem(detail="no such file", parameter="name")])
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=_CACHE)
