"""``/backtests``, ``/scenarios`` and ``/jobs``: background jobs and their results.

Submitting checks the inputs first (a bad farm file or window is a 422 naming the
field, not a failed job), then queues the job (202 with its id). The job manager
runs it; ``GET /jobs/{id}`` gives its state and progress, ``POST /jobs/{id}/cancel``
asks it to stop, and a finished job's ``result`` (JSON), ``tables/{name}`` (JSON, CSV
or Parquet) and ``charts`` (plotly figures) are read from its result files.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from hashwinter.errors import InputError, InputErrors
from hashwinter.scenario import load_scenario
from hashwinter.web.charts import backtest_figures, scenario_figures
from hashwinter.web.jobs import JobRecord, TooManyJobs
from hashwinter.web.jobs.tasks import RESULT_DIR, read_progress
from hashwinter.web.problems import PROBLEM_RESPONSES, ErrorItem, ProblemError
from hashwinter.web.routes._common import client_of, jobs_of, settings_of, store_of
from hashwinter.web.routes.farms import MAX_FARM_CHARS, example_farms, load_farm_text

__all__ = ["router"]

_NOT_FOUND = {**PROBLEM_RESPONSES[422], "description": "No such job"}
_NOT_READY = {**PROBLEM_RESPONSES[422], "description": "The job has not finished"}
_TOO_MANY = {**PROBLEM_RESPONSES[422], "description": "Too many jobs queued by this client"}
router = APIRouter(tags=["jobs"], responses=PROBLEM_RESPONSES)

#: Web limits of a scenario run (the CLI has none).
MAX_PATHS = 5000
MAX_HORIZON_DAYS = 730


class BacktestIn(BaseModel):
    """A backtest: a farm (uploaded or an example) over a window of the stored history."""

    model_config = ConfigDict(extra="forbid")
    toml: str | None = Field(default=None, max_length=MAX_FARM_CHARS,
                             description="Farm file (TOML); or give example.")
    example: str | None = Field(default=None, max_length=100,
                                description="Name of an example farm (see /farms/examples).",
                                examples=["lao_luo_a741"])
    start: dt.date | None = Field(default=None, description="First day (default: the farm's).")
    end: dt.date | None = Field(default=None, description="Last day (default: the farm's).")
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$",
                                 description="Report currency (default: the farm's).")


class ScenarioIn(BaseModel):
    """A farm scenario: an example scenario file with a few values set."""

    model_config = ConfigDict(extra="forbid")
    example: str = Field(default="winter_farms", max_length=100,
                         description="Name of an example farm scenario (see /scenarios/examples).")
    paths: int = Field(default=200, ge=1, le=MAX_PATHS, description="Number of price paths.")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1, description="Random seed.")
    chunk_paths: int | None = Field(default=None, ge=1, le=MAX_PATHS,
                                    description="Paths per chunk (default: the file's).")
    horizon_days: int | None = Field(default=None, ge=2, le=MAX_HORIZON_DAYS,
                                     description="Days simulated (default: the file's).")
    mu_per_day: float | None = Field(default=None, ge=-0.1, le=0.1,
                                     description="Price drift per day (GBM scenarios).")
    sigma_per_day: float | None = Field(default=None, ge=0, le=0.5,
                                        description="Price volatility per sqrt(day) (GBM).")


class Progress(BaseModel):
    """How far a running job is."""

    done: int
    total: int
    stage: str
    fraction: float


class JobError(BaseModel):
    """Why a job failed; each error names its field in the submitted request."""

    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class JobOut(BaseModel):
    """A job's state."""

    id: str
    kind: Literal["backtest", "scenario"]
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    attempts: int
    cancel_requested: bool
    progress: Progress | None
    note: str | None
    error: JobError | None
    links: dict[str, str]


class JobResult(BaseModel):
    """A finished job's summary and files."""

    id: str
    kind: str
    inputs: dict[str, Any]
    summary: dict[str, Any]
    tables: list[str]
    files: list[str]


class Charts(BaseModel):
    """Plotly figures (``data`` and ``layout`` each)."""

    charts: list[dict[str, Any]]


class ScenarioExample(BaseModel):
    """An example farm scenario."""

    name: str
    title: str
    description: str
    paths: int
    horizon_days: float | None


def _time(t: float | None) -> dt.datetime | None:
    return None if t is None else dt.datetime.fromtimestamp(t, dt.UTC)


_TOP_FIELDS = {"start", "end", "currency", "paths", "seed", "horizon_days", "chunk_paths"}


def _error_items(error: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    items = []
    for e in error.get("errors", []):
        field = e.get("field")
        if field in _TOP_FIELDS:
            items.append({"detail": e["detail"], "pointer": f"/{field}"})
        elif kind == "scenario" and field in ("price.mu_per_day", "price.sigma_per_day"):
            items.append({"detail": e["detail"], "pointer": "/" + field.split(".")[1]})
        elif kind == "scenario":
            items.append({"detail": e["detail"], "pointer": "/example", "field": field})
        else:
            items.append({"detail": e["detail"], "pointer": "/toml", "field": field,
                          "line": e.get("line")})
    return items


def job_out(request: Request, job: JobRecord) -> dict[str, Any]:
    """Return a job as the API shows it."""
    base = f"{request.scope.get('root_path', '')}/api/v1/jobs/{job.id}"
    links = {"self": base, "cancel": f"{base}/cancel"}
    if job.state == "done":
        links.update(result=f"{base}/result", charts=f"{base}/charts",
                     tables=f"{base}/tables/{{name}}?format=json|csv|parquet")
    progress = None
    if job.state in ("running", "done"):
        raw = read_progress(jobs_of(request).result_dir(job.id))
        if raw is not None:
            total = max(int(raw.get("total", 0)), 1)
            done = int(raw.get("done", 0))
            progress = {"done": done, "total": total, "stage": str(raw.get("stage", "")),
                        "fraction": min(done / total, 1.0)}
    error = None
    if job.error is not None:
        error = {"detail": job.error.get("detail", ""),
                 "errors": _error_items(job.error, job.kind)}
    return {"id": job.id, "kind": job.kind, "state": job.state,
            "created_at": _time(job.created_at), "started_at": _time(job.started_at),
            "finished_at": _time(job.finished_at), "attempts": job.attempts,
            "cancel_requested": job.cancel_requested, "progress": progress, "note": job.note,
            "error": error, "links": links}


def _submit(request: Request, response: Response, kind: str, inputs: dict[str, Any]) -> Any:
    settings = settings_of(request)
    try:
        job = jobs_of(request).submit(kind, client_of(request), inputs, settings.max_queued)
    except TooManyJobs as exc:
        raise ProblemError(429, f"{exc}; wait for one to finish or cancel one",
                           headers={"Retry-After": "5"}) from None
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job_out(request, job)


def _one(items: list[ErrorItem], detail: str, pointer: str) -> ProblemError:
    return ProblemError(422, f"{pointer[1:]}: {detail}",
                        [*items, ErrorItem(detail=detail, pointer=pointer)])


def _stored_window(request: Request) -> tuple[dt.date, dt.date] | None:
    reader = store_of(request)
    if not reader.exists():
        return None
    row = reader.get().con.execute(
        "SELECT min(date), max(date) FROM coin_price_daily WHERE asset = 'BTC' AND "
        "quote = 'USD'").fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


@router.post("/backtests", response_model=JobOut, status_code=202, summary="Submit a backtest",
             responses={429: _TOO_MANY})
def submit_backtest(request: Request, response: Response, body: BacktestIn) -> Any:
    """Queue a farm backtest (``hashwinter backtest``); returns the job (202)."""
    if (body.toml is None) == (body.example is None):
        raise _one([], "give exactly one of toml (a farm file) or example", "/toml")
    if body.example is not None:
        examples = example_farms(settings_of(request).examples_dir)
        if body.example not in examples:
            known = ", ".join(examples) or "none"
            raise _one([], f"no example farm {body.example!r} (known: {known})", "/example")
        text = examples[body.example].read_text(encoding="utf-8")
        farm = load_farm_text(text, pointer="/example")
    else:
        assert body.toml is not None
        text = body.toml
        farm = load_farm_text(text)
    config = farm.config
    first = body.start or config.start
    last = body.end or config.end
    if first is None:
        raise _one([], "no start date: give start or set start in the farm file", "/start")
    if last is None:
        raise _one([], "no end date: give end or set end in the farm file", "/end")
    if last < first:
        raise _one([], f"{last} is before start {first}", "/end")
    window = _stored_window(request)
    if window is None:
        raise _one([], "the server's history store holds no BTC prices", "/start")
    if first < window[0] or first > window[1]:
        raise _one([], f"{first} is outside the stored history ({window[0]} .. {window[1]})",
                   "/start")
    if last > window[1]:
        raise _one([], f"{last} is after the last stored day {window[1]}", "/end")
    inputs = {"toml": text, "example": body.example, "farm": config.name,
              "start": first.isoformat(), "end": last.isoformat(),
              "currency": body.currency.upper() if body.currency else None,
              "store": str(settings_of(request).store)}
    return _submit(request, response, "backtest", inputs)


def scenario_examples(examples: Path | None) -> dict[str, Path]:
    """Return the example *farm* scenarios by name (block-clock ones are for the CLI)."""
    if examples is None:
        return {}
    out = {}
    for path in sorted((examples / "scenarios").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("farms"):
            out[path.stem] = path
    return out


@router.get("/scenarios/examples", response_model=list[ScenarioExample],
            summary="Example farm scenarios")
def list_scenarios(request: Request) -> Any:
    """List the example farm scenarios a scenario job can start from."""
    out = []
    for name, path in scenario_examples(settings_of(request).examples_dir).items():
        c = load_scenario(path).config
        out.append({"name": name, "title": c.name, "description": c.description or "",
                    "paths": c.paths, "horizon_days": c.horizon_days})
    return out


@router.post("/scenarios", response_model=JobOut, status_code=202,
             summary="Submit a farm scenario run", responses={429: _TOO_MANY})
def submit_scenario(request: Request, response: Response, body: ScenarioIn) -> Any:
    """Queue a Monte Carlo farm scenario (``hashwinter simulate``); returns the job (202)."""
    examples = scenario_examples(settings_of(request).examples_dir)
    if body.example not in examples:
        known = ", ".join(examples) or "none"
        raise _one([], f"no example scenario {body.example!r} (known: {known})", "/example")
    overrides: dict[str, Any] = {"paths": body.paths}
    for key, value in (("seed", body.seed), ("chunk_paths", body.chunk_paths),
                       ("horizon_days", body.horizon_days),
                       ("price.mu_per_day", body.mu_per_day),
                       ("price.sigma_per_day", body.sigma_per_day)):
        if value is not None:
            overrides[key] = value
    path = examples[body.example]
    try:
        load_scenario(path, overrides=overrides)
    except (InputError, InputErrors) as exc:
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        raise ProblemError(422, str(exc), [ErrorItem(**i) for i in _error_items(
            {"errors": [{"detail": e.message, "field": e.field} for e in errors]},
            "scenario")]) from None
    inputs = {"example": body.example, "path": str(path), "overrides": overrides}
    return _submit(request, response, "scenario", inputs)


JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$", description="Job id.")]


def _job(request: Request, job_id: str) -> JobRecord:
    job = jobs_of(request).get(job_id)
    if job is None:
        raise ProblemError(404, f"no job {job_id}", [ErrorItem(detail=f"no job {job_id}",
                                                               parameter="job_id")])
    return job


def _done(request: Request, job_id: str) -> tuple[JobRecord, Path]:
    job = _job(request, job_id)
    if job.state != "done" or job.result is None:
        raise ProblemError(409, f"job {job_id} is {job.state}, not done",
                           [ErrorItem(detail=f"the job is {job.state}", parameter="job_id")])
    return job, jobs_of(request).result_dir(job_id) / RESULT_DIR


@router.get("/jobs", response_model=list[JobOut], summary="This client's jobs")
def list_jobs(request: Request,
              limit: Annotated[int, Query(ge=1, le=500, description="Newest first.")] = 50
              ) -> Any:
    """List the client's newest jobs."""
    return [job_out(request, j) for j in jobs_of(request).list_jobs(client_of(request), limit)]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A job's state and progress",
            responses={404: _NOT_FOUND})
def get_job(request: Request, job_id: JobId) -> Any:
    """State, progress (steps or chunks done), error (naming the field) and links."""
    return job_out(request, _job(request, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, status_code=202,
             summary="Cancel a job", responses={404: _NOT_FOUND})
def cancel_job(request: Request, job_id: JobId) -> Any:
    """Ask the job manager to cancel a queued or running job (a finished one is unchanged)."""
    _job(request, job_id)
    jobs_of(request).request_cancel(job_id)
    return job_out(request, _job(request, job_id))


@router.get("/jobs/{job_id}/result", response_model=JobResult, summary="A finished job's result",
            responses={404: _NOT_FOUND, 409: _NOT_READY})
def get_result(request: Request, job_id: JobId) -> Any:
    """Return the summary (a backtest's totals and cohorts, a scenario's risks) and files."""
    job, _ = _done(request, job_id)
    assert job.result is not None
    inputs = {k: v for k, v in job.inputs.items() if k not in ("store", "path")}
    return {"id": job.id, "kind": job.kind, "inputs": inputs, "summary": job.result["summary"],
            "tables": job.result["tables"], "files": job.result["files"]}


_TABLE_CONTENT = {
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
}


@router.get("/jobs/{job_id}/tables/{name}", summary="A result table as JSON, CSV or Parquet",
            response_class=Response,
            responses={200: {"description": "The table", "content": _TABLE_CONTENT},
                       404: _NOT_FOUND, 409: _NOT_READY})
def get_table(
    request: Request,
    job_id: JobId,
    name: Annotated[str, PathParam(pattern=r"^[a-z_]{1,32}$",
                                   description="cohorts or treasury (backtest); summary, fan, "
                                   "paths or paybacks (scenario).")],
    format: Annotated[Literal["json", "csv", "parquet"], Query(description="Form.")] = "json",
) -> Response:
    """One result table of a finished job."""
    job, folder = _done(request, job_id)
    assert job.result is not None
    if name not in job.result["tables"]:
        known = ", ".join(job.result["tables"])
        raise ProblemError(404, f"no table {name!r} (tables: {known})",
                           [ErrorItem(detail=f"no table {name!r} (tables: {known})",
                                      parameter="name")])
    if format == "parquet":
        return FileResponse(folder / f"{name}.parquet", media_type=_PARQUET,
                            filename=f"{name}.parquet")
    if format == "csv":
        return FileResponse(folder / f"{name}.csv", media_type="text/csv",
                            filename=f"{name}.csv")
    frame = pd.read_parquet(folder / f"{name}.parquet")
    text = frame.to_json(orient="records", date_format="iso", double_precision=15)
    return Response(text, media_type="application/json")


_PARQUET = "application/vnd.apache.parquet"


@router.get("/jobs/{job_id}/charts", response_model=Charts, summary="A finished job's charts",
            responses={404: _NOT_FOUND, 409: _NOT_READY})
def get_charts(request: Request, job_id: JobId) -> Any:
    """Return plotly figures: the backtest report's charts, or a scenario's fans and ruin."""
    job, folder = _done(request, job_id)
    figures = backtest_figures(folder) if job.kind == "backtest" else scenario_figures(folder)
    return {"charts": json.loads(json.dumps(figures))}
