"""Evaluations that evaluated nothing: Keptn's messages recognised, and slogate/evaluation.yaml read."""

from __future__ import annotations

import pytest

from slogate.domain.document import Scalar
from slogate.domain.evaluation.gate import NO_OBJECTIVES_MESSAGE
from slogate.domain.evaluation.nothing_evaluated import (
    EvaluationSettingsError,
    nothing_evaluated,
    parse_settings,
    settled_outcome,
)

SCOPE = ("fulltour", "qa", "helloservice")
SOURCE = "slogate/evaluation.yaml (project)"


def test_no_slo_file_names_the_service_and_the_upload() -> None:
    message = "no evaluation performed by lighthouse because no SLO file configured for project fulltour"
    line = nothing_evaluated(message, *SCOPE)
    assert line == (
        "nothing was evaluated: no slo.yaml for service helloservice in stage qa of project fulltour; "
        "add one with `slogate add-resource --project fulltour --stage qa --service helloservice "
        "--resource slo.yaml`"
    )


def test_no_provider_names_the_secret_and_the_setting() -> None:
    message = "no evaluation performed by lighthouse because no SLI-provider configured for project fulltour"
    line = nothing_evaluated(message + "; slogate/evaluation.yaml (project) makes it fail", *SCOPE)
    assert line is not None
    assert line.startswith("nothing was evaluated: project fulltour has no SLI provider; ")
    assert "prometheus-credentials-fulltour" in line
    assert "SLOGATE_PROMETHEUS_URL" in line


def test_no_objectives_points_at_lint() -> None:
    line = nothing_evaluated(NO_OBJECTIVES_MESSAGE + "; slo.yaml has 1 problem(s)", *SCOPE)
    assert line == (
        "nothing was evaluated: the SLO has no objectives; "
        "add objectives to slo.yaml (check it with `slogate slo lint slo.yaml`)"
    )


@pytest.mark.parametrize(
    "message",
    [
        "",
        "Evaluation failed due to key_sli objective 'HTTP Response Time'",
        "lighthouse failed because SLI failed with message no value",
        "the text no evaluation performed by lighthouse because no SLO file configured",
    ],
)
def test_evaluations_that_evaluated_something_say_nothing(message: str) -> None:
    assert nothing_evaluated(message, *SCOPE) is None


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (None, None),
        (Scalar("", None), None),
        ({}, None),
        ({"nothingEvaluated": None}, None),
        ({"nothingEvaluated": "fail"}, "fail"),
        ({"nothingEvaluated": Scalar("warning", "warning")}, "warning"),
        ({"apiVersion": "slogate/v1", "kind": "Evaluation", "nothingEvaluated": "pass"}, "pass"),
    ],
)
def test_settings_are_read(document: object, expected: str | None) -> None:
    assert parse_settings(document, SOURCE) == expected


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (["fail"], f"{SOURCE}: must be a mapping such as 'nothingEvaluated: fail', found a list"),
        (
            {"nothingEvaluted": "fail"},
            f"{SOURCE}: nothingEvaluted: unknown key (did you mean 'nothingEvaluated'?)",
        ),
        (
            {"onEmpty": "fail"},
            f"{SOURCE}: onEmpty: unknown key (known keys: apiVersion, kind, nothingEvaluated)",
        ),
        ({"kind": "Executors"}, f"{SOURCE}: kind: 'Executors' is not 'Evaluation' (or leave it out)"),
        (
            {"nothingEvaluated": "fial"},
            f"{SOURCE}: nothingEvaluated: 'fial' is not one of pass, warning, fail (pass is Keptn's default)",
        ),
        ({"nothingEvaluated": "Fail"}, "'Fail' is not one of pass, warning, fail"),
        ({"nothingEvaluated": ["fail"]}, "nothingEvaluated: a list is not one of pass, warning, fail"),
    ],
)
def test_invalid_settings_name_the_file_the_field_and_the_fix(document: object, problem: str) -> None:
    with pytest.raises(EvaluationSettingsError) as raised:
        parse_settings(document, SOURCE)
    assert problem in raised.value.message


def test_the_most_specific_level_that_sets_an_outcome_wins() -> None:
    assert settled_outcome([]) == ("pass", "")
    assert settled_outcome([("project", "fail"), ("stage", None)]) == ("fail", "project")
    assert settled_outcome([("project", "fail"), ("stage", "warning"), ("service", None)]) == (
        "warning",
        "stage",
    )
    assert settled_outcome([("project", "fail"), ("service", "pass")]) == ("pass", "service")
