"""Errors as RFC 9457 problem details (``application/problem+json``), each naming its field.

Every 4xx answer is a :class:`Problem`: ``type``, ``title``, ``status``, ``detail``
and ``errors``, a list of what is wrong, each with

- ``pointer``: an RFC 6901 JSON pointer to the offending member of the request's
  JSON body (``/toml``, ``/farm/sites/1/tariff/price``), or
- ``parameter``: the name of the offending query or path parameter (``tariff``);
- for a problem inside an uploaded TOML document, also ``field`` (its dotted path in
  that document, as the CLI prints it) and ``line``.

Route modules raise :class:`ProblemError`, or turn a hashwinter
:class:`~hashwinter.errors.InputError` into one with :func:`input_problem` and a
*locator* that says where each of the error's fields sits in the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from hashwinter.errors import HashwinterError, InputError, InputErrors
from hashwinter.tomlfile import parse_field_path

__all__ = [
    "PROBLEM_RESPONSES",
    "ErrorItem",
    "Locator",
    "Problem",
    "ProblemError",
    "body_locator",
    "field_pointer",
    "input_problem",
    "install_problem_handlers",
    "parameter_locator",
    "problem_response",
]

MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many jobs queued",
    500: "Internal server error",
}


class ErrorItem(BaseModel):
    """One thing wrong with a request."""

    detail: str = Field(description="What is wrong, e.g. 'must be >= 0 (got -1)'.")
    pointer: str | None = Field(
        default=None, description="RFC 6901 JSON pointer into the request body, e.g. '/toml'.")
    parameter: str | None = Field(
        default=None, description="Name of the offending query or path parameter.")
    field: str | None = Field(
        default=None, description="Dotted field inside an uploaded TOML document.")
    line: int | None = Field(default=None, description="1-based line in the uploaded document.")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(default="about:blank", description="URI of the problem type.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)


#: Locates one input error in the request.
Locator = Callable[[InputError], ErrorItem]


def _problem_content() -> dict[str, Any]:
    return {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _response(description: str) -> dict[str, Any]:
    return {"description": description, "model": Problem, "content": _problem_content()}


#: OpenAPI ``responses`` shared by every API route.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _response("Missing or wrong bearer token"),
    413: _response("Request body over the size limit"),
    422: _response("Invalid input; each error names its field"),
}


class ProblemError(HashwinterError):
    """An error answered as a problem detail."""

    def __init__(self, status: int, detail: str, errors: Sequence[ErrorItem] = (),
                 *, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}
        super().__init__(detail)


def field_pointer(field: str | None, prefix: str = "") -> str:
    """Return the JSON pointer of a dotted field path.

    >>> field_pointer("sites[1].tariff.price", "/farm")
    '/farm/sites/1/tariff/price'

    """
    if not field:
        return prefix or ""
    parts = parse_field_path(field)
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return prefix + "".join(f"/{p}" for p in escaped)


def body_locator(prefix: str = "", *, aliases: dict[str, str] | None = None) -> Locator:
    """Locate errors in a JSON body: ``field`` -> ``prefix`` + its pointer (``aliases`` first)."""
    names = aliases or {}

    def locate(e: InputError) -> ErrorItem:
        field = names.get(e.field or "", e.field)
        return ErrorItem(detail=e.message, pointer=field_pointer(field, prefix))

    return locate


def parameter_locator(aliases: dict[str, str] | None = None) -> Locator:
    """Locate errors in query parameters (``--tariff`` -> ``tariff``, ``aliases`` first)."""
    names = aliases or {}

    def locate(e: InputError) -> ErrorItem:
        field = e.field or ""
        name = names.get(field, field.lstrip("-").replace("-", "_"))
        return ErrorItem(detail=e.message, parameter=name or None)

    return locate


def input_problem(exc: InputError | InputErrors, locate: Locator, status: int = 422
                  ) -> ProblemError:
    """Turn hashwinter input errors into a problem, every error located in the request."""
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    items = [locate(e) for e in errors]
    return ProblemError(status, str(exc), items)


def problem_response(status: int, detail: str, errors: Iterable[ErrorItem] = (),
                     instance: str | None = None, headers: dict[str, str] | None = None
                     ) -> JSONResponse:
    """Return a problem+json response."""
    body = Problem(title=_TITLES.get(status, "Error"), status=status, detail=detail,
                   instance=instance, errors=list(errors))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        media_type=MEDIA_TYPE, headers=headers)


def _validation_items(exc: RequestValidationError) -> list[ErrorItem]:
    items = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            # The body is not JSON at all: the pointer is the whole document.
            items.append(ErrorItem(detail=f"not valid JSON: {message}", pointer=""))
        elif loc and loc[0] == "body":
            rest = loc[1:]
            pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in rest)
            items.append(ErrorItem(detail=message, pointer=pointer))
        elif loc and loc[0] in ("query", "path", "header"):
            items.append(ErrorItem(detail=message, parameter=loc[1] if len(loc) > 1 else None))
        else:
            items.append(ErrorItem(detail=message, pointer=""))
    return items


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.status, exc.detail, exc.errors, request.url.path,
                                exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        items = _validation_items(exc)
        detail = "; ".join(f"{i.pointer or i.parameter or 'body'}: {i.detail}" for i in items)
        return problem_response(422, detail or "invalid request", items, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(exc.status_code, str(exc.detail), (), request.url.path,
                                dict(exc.headers or {}))

    async def on_input(request: Request, exc: Exception) -> JSONResponse:
        # An input error a route did not locate: name the field as the library did.
        assert isinstance(exc, InputError | InputErrors)
        problem = input_problem(exc, body_locator())
        return problem_response(problem.status, problem.detail, problem.errors,
                                request.url.path)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(InputError, on_input)
    app.add_exception_handler(InputErrors, on_input)
