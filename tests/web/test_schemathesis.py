"""Schemathesis against the live OpenAPI spec of ``hashwinter serve`` on 127.0.0.1.

Every operation of /openapi.json gets generated requests (capped per operation);
every answer must be no server error, a documented status code and content type,
and match its documented schema. Job submissions are kept tiny (at most 20 paths and
30 days for scenarios) so that the jobs they queue finish fast. The number of cases
run is printed in the log.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow

#: Generated cases per operation (HASHWINTER_SCHEMATHESIS_EXAMPLES overrides it).
EXAMPLES = int(os.environ.get("HASHWINTER_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _tiny(case: Any) -> Any:
    """Keep a scenario job small (the schema allows 5,000 paths over 730 days)."""
    if case.path == "/api/v1/scenarios" and isinstance(case.body, dict):
        if isinstance(case.body.get("paths"), int):
            case.body["paths"] = max(1, min(case.body["paths"], 20))
        if isinstance(case.body.get("chunk_paths"), int):
            case.body["chunk_paths"] = max(1, min(case.body["chunk_paths"], 20))
        if isinstance(case.body.get("horizon_days"), int):
            case.body["horizon_days"] = max(2, min(case.body["horizon_days"], 30))
    return case


def _runner(operation: Any, url: str, counts: dict[str, int], label: str) -> Any:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy().map(_tiny))
    def run(case: Any) -> None:
        counts[label] += 1
        case.call_and_validate(base_url=url, checks=CHECKS, timeout=60)

    return run


def test_live_openapi_spec(live, capsys):
    server = live
    started = time.monotonic()
    counts: dict[str, int] = {}
    failures: dict[str, str] = {}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        counts[label] = 0
        try:
            _runner(operation, server.url, counts, label)()
        except Exception as exc:  # collect every operation's failure, then report
            failures[label] = f"{type(exc).__name__}: {exc}"[:2000]
    seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\nschemathesis: {sum(counts.values())} cases over {len(counts)} operations "
              f"in {seconds:.0f} s, {len(failures)} failing operations")
    assert len(counts) >= 15
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
