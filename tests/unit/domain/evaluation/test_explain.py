"""The one-sentence explanation of a verdict (slogate's own output)."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.domain.evaluation.explain import explain
from slogate.domain.evaluation.gate import evaluate_gate
from slogate.domain.evaluation.slo import SLO, CriteriaSet, Objective, TotalScore
from slogate.domain.protocol.gate_events import (
    EvaluationDetails,
    EvaluationFinished,
    IndicatorResult,
    SLIValue,
)
from tests.unit.conftest import TOTAL_90_75, ValueSpec, failed, sli_results, slo_file

THREE = (
    "objectives:\n"
    "  - sli: a\n    displayName: A\n    pass: [{criteria: ['<1']}]\n    warning: [{criteria: ['<5']}]\n"
    "  - sli: b\n    pass: [{criteria: ['<=1']}]\n"
    "  - sli: c\n    weight: 2\n    pass: [{criteria: ['<1']}]\n"
)


def explained(slo_text: str | None, *values: ValueSpec, **fields: Any) -> str:
    """The explanation of evaluating values against an SLO text (None: no SLO file)."""
    file = None if slo_text is None else slo_file(slo_text)
    event = evaluate_gate(sli_results(*values, **fields), file, ())
    return explain(event, None if file is None else file.slo)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            [("a", 0.0), ("b", 0.0), ("c", 0.0)], "pass: score 100 reaches the pass target 90", id="pass"
        ),
        pytest.param(
            [("a", 3.0), ("b", 0.0), ("c", 0.0)],
            "warning: score 87.5 is below the pass target 90 but reaches the warning target 75; warning: 'A'",
            id="warning",
        ),
        pytest.param(
            [("a", 3.0), ("b", 5.0), ("c", 0.0)],
            "fail: score 62.5 is below the pass target 90 and the warning target 75; "
            "failed: 'b'; warning: 'A'",
            id="fail-with-warning-target",
        ),
        pytest.param(
            [("a", 9.0), ("b", 5.0), ("c", 0.0)],
            "fail: score 50 is below the pass target 90 and the warning target 75; failed: 'A', 'b'",
            id="fail-lists-labels",
        ),
    ],
)
def test_explain_score_verdicts(values: list[tuple[str, float]], expected: str) -> None:
    """Score verdicts name the score, the targets and the objectives that warned or failed."""
    assert explained(THREE + TOTAL_90_75, *values) == expected


def test_explain_fail_without_warning_target() -> None:
    """Without a warning target only the pass target is named."""
    text = explained(THREE + "total_score: {pass: 90%}\n", ("a", 0.0), ("b", 5.0), ("c", 5.0))
    assert text == "fail: score 25 is below the pass target 90; failed: 'b', 'c'"


def test_explain_pass_despite_failures() -> None:
    """A pass with failed objectives still lists them."""
    slo = THREE.replace("weight: 2", "weight: 20") + TOTAL_90_75
    text = explained(slo, ("a", 0.0), ("b", 5.0), ("c", 0.0))
    assert text == "pass: score 95.45 reaches the pass target 90; failed: 'b'"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            [("a", 0.0), ("b", 0.0), ("c", 5.0)], "fail: key SLI 'c' failed (5 >= 1)", id="violated"
        ),
        pytest.param(
            [("a", 0.0), ("b", 0.0)],
            "fail: key SLI 'c' failed (no value received from SLI provider)",
            id="missing-value",
        ),
        pytest.param(
            [("a", 0.0), ("b", 0.0), failed("c", "")],
            "fail: key SLI 'c' failed (no value)",
            id="failed-no-message",
        ),
    ],
)
def test_explain_key_sli_failure(values: list[ValueSpec], expected: str) -> None:
    """A key-SLI failure names the objective and why: value vs threshold, or the value's message."""
    slo = THREE.replace("weight: 2", "weight: 2\n    key_sli: true") + TOTAL_90_75
    assert explained(slo, *values) == expected


def test_explain_errored() -> None:
    """Errored evaluations are explained by their message."""
    assert (
        explained(THREE + TOTAL_90_75, status="aborted")
        == "errored: evaluation performed by lighthouse was aborted"
    )


def test_explain_nothing_evaluated() -> None:
    """Without an SLO or indicator results the verdict and message are given."""
    assert explained(None) == (
        "pass: no evaluation performed by lighthouse because no SLO file configured for project sockshop"
    )
    slo = "objectives:\n  - sli: a\n    pass: [{criteria: ['?']}]\n" + TOTAL_90_75
    assert explained(slo, ("a", 1.0)) == "fail: error with a: invalid criteria string"


def test_explain_without_message() -> None:
    """An event without indicator results and without message says nothing was evaluated."""
    event = EvaluationFinished(
        "p", "s", "v", (), "succeeded", "pass", "", EvaluationDetails("", "", "pass", 0.0)
    )
    assert explain(event, None) == "pass: nothing was evaluated"


def test_explain_override_of_the_objectives() -> None:
    """When data.result differs from evaluation.result the override is named."""
    text = explained(THREE + TOTAL_90_75, ("a", 0.0), ("b", 0.0), ("c", 0.0), result="fail", message="m")
    assert (
        text == "fail: lighthouse failed because SLI failed with message m (the objectives alone gave pass)"
    )


def test_explain_only_informational_objectives() -> None:
    """An SLO without scored objectives passes with nothing to fail."""
    text = explained("objectives: [{sli: a}]\n" + TOTAL_90_75, ("a", 1.0))
    assert text == "pass: no objective has pass criteria, so there is nothing to fail"


def test_explain_key_sli_result_without_value() -> None:
    """A failed key result without value object is explained as 'no value'."""
    slo = SLO(
        objectives=(Objective("k", pass_sets=(CriteriaSet(("<1",)),), key_sli=True),),
        total_score=TotalScore("90"),
    )
    result = IndicatorResult(0.0, "fail", "", False, None, (), ())
    details = EvaluationDetails("", "", "fail", 0.0, indicator_results=(result,))
    event = EvaluationFinished("p", "s", "v", (), "succeeded", "fail", "x", details)
    assert explain(event, slo) == "fail: key SLI 'k' failed (no value)"
    unsuccessful = IndicatorResult(0.0, "fail", "", False, SLIValue("k", 0.0, False, "timeout"), (), ())
    details = EvaluationDetails("", "", "fail", 0.0, indicator_results=(unsuccessful,))
    event = EvaluationFinished("p", "s", "v", (), "succeeded", "fail", "x", details)
    assert explain(event, slo) == "fail: key SLI 'k' failed (timeout)"
