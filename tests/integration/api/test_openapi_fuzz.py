"""Schemathesis fuzzes every operation of the server's own OpenAPI document in-process (ASGI calls, no
network): no request, however hostile, may be answered with a 5xx, every status must be documented,
and a request the schema allows must not be refused (but where Keptn's rules go beyond any schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance, status_code_conformance

from slogate import bootstrap
from slogate.settings import Settings

from .conftest import TOKEN

# Operations whose valid-looking requests may still be refused for reasons no schema can state
# (Keptn's rules): the event type's grammar, the shipyard inside the base64, an evaluation of an
# unknown project (400 in Keptn), a subscription filter naming services without stages, an SLO that
# slogate slo lint refuses.
SEMANTIC_400 = frozenset(
    {
        "POST /api/v1/event",
        "POST /api/controlPlane/v1/project",
        "PUT /api/controlPlane/v1/project",
        "POST /api/controlPlane/v1/project/{project}/stage/{stage}/service/{service}/evaluation",
        "POST /api/controlPlane/v1/uniform/registration",
        "POST /api/controlPlane/v1/uniform/registration/{integration_id}/subscription",
        "PUT /api/controlPlane/v1/uniform/registration/{integration_id}/subscription/{subscription_id}",
        "POST /api/slogate/v1/replay",  # the SLO text must pass slogate slo lint
        "POST /api/slogate/v1/tokens",  # a global role without a project, a project role with one
        "POST /api/slogate/v1/roles",
        "DELETE /api/slogate/v1/roles",
    }
)
EXAMPLES = 8  # per operation and mode; ~70 operations × 2 modes: about a minute on a loaded 2-core machine


@pytest.fixture
def fuzzed_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The full app on SQLite (one for all operations: a context per operation costs more than fuzzing)."""
    context = bootstrap.server_context(Settings(data_dir=tmp_path / "data", api_token=TOKEN))  # type: ignore[arg-type]
    try:
        yield bootstrap.api_app(context)
    finally:
        context.close()


def not_a_server_error(ctx: object, response: schemathesis.Response, case: Any) -> bool | None:
    """Any 5xx fails, but the documented 501 of POST /api/v1/import."""
    if response.status_code >= 500 and response.status_code != 501:
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered {response.status_code}: {response.text}"
        )
    return None


def _fuzz(operation: Any, mode: GenerationMode) -> None:
    checks: list[Any] = [not_a_server_error, status_code_conformance]
    if mode == GenerationMode.POSITIVE and operation.label not in SEMANTIC_400:
        checks.append(positive_data_acceptance)  # what the schema allows, the route accepts

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers={"x-token": TOKEN}, checks=checks)

    run()


@pytest.mark.slow
def test_no_operation_answers_5xx_or_an_undocumented_status(fuzzed_app: FastAPI) -> None:
    """Valid and invalid examples of every operation, with the token: no 5xx, only documented statuses,
    valid examples accepted (2xx, or 404/409 for what does not or already exists)."""
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzzed_app)
    results = list(schema.get_all_operations())
    assert [result.err() for result in results if isinstance(result, Err)] == []
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 50  # the whole API, not a fragment of it
    failures = []
    for operation in operations:
        has_input = any((operation.path_parameters, operation.query, operation.body))
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_input else (GenerationMode.POSITIVE,)
        )
        for mode in modes:
            try:
                _fuzz(operation, mode)
            except (Exception, BaseExceptionGroup) as error:  # collect every failure, then report them all
                failures.append(f"{operation.label} ({mode}): {str(error)[:600]}")
    assert not failures, "\n\n".join(failures)
