"""Keptn's approval rules: which result and strategy lead to approve, decline or wait, and the message."""

from __future__ import annotations

from typing import Any

import pytest

from slogate.domain.sequencing.approval_rule import (
    AUTOMATIC,
    MANUAL,
    Approval,
    Decision,
    decide,
    input_result,
    strategy,
)

AUTO, HAND = AUTOMATIC, MANUAL


def data(
    result: Any = None, approve_pass: Any = None, approve_warning: Any = None, **more: Any
) -> dict[str, Any]:
    """The data of an approval.triggered with the given result and approval block (None = left out)."""
    body: dict[str, Any] = {"project": "sockshop", "stage": "qa", "service": "carts", **more}
    if result is not None:
        body["result"] = result
    approval = {
        key: value
        for key, value in (("pass", approve_pass), ("warning", approve_warning))
        if value is not None
    }
    if approve_pass is not None or approve_warning is not None:
        body["approval"] = approval
    return body


# Keptn's own table (approval-service approval_triggered_event_handler_test.go), then the edge cases.
CASES = [
    pytest.param(data("pass", AUTO, AUTO), "pass", AUTO, Decision.APPROVE, id="pass-auto-auto"),
    pytest.param(data("pass", AUTO, HAND), "pass", AUTO, Decision.APPROVE, id="pass-auto-manual"),
    pytest.param(data("pass", HAND, AUTO), "pass", HAND, Decision.WAIT, id="pass-manual-auto"),
    pytest.param(data("pass", HAND, HAND), "pass", HAND, Decision.WAIT, id="pass-manual-manual"),
    pytest.param(data("warning", AUTO, AUTO), "warning", AUTO, Decision.APPROVE, id="warning-auto-auto"),
    pytest.param(data("warning", AUTO, HAND), "warning", HAND, Decision.WAIT, id="warning-auto-manual"),
    pytest.param(data("warning", HAND, AUTO), "warning", AUTO, Decision.APPROVE, id="warning-manual-auto"),
    pytest.param(data("warning", HAND, HAND), "warning", HAND, Decision.WAIT, id="warning-manual-manual"),
    pytest.param(data("fail", AUTO, AUTO), "fail", AUTO, Decision.DECLINE, id="fail-auto-auto"),
    pytest.param(data("fail", AUTO, HAND), "fail", AUTO, Decision.DECLINE, id="fail-auto-manual"),
    pytest.param(data("fail", HAND, AUTO), "fail", AUTO, Decision.DECLINE, id="fail-manual-auto"),
    pytest.param(data("fail", HAND, HAND), "fail", AUTO, Decision.DECLINE, id="fail-manual-manual"),
    pytest.param(data("", AUTO, AUTO), "", HAND, Decision.WAIT, id="empty-result-waits"),
    pytest.param(data(None, AUTO, AUTO), "", HAND, Decision.WAIT, id="no-result-waits"),
    pytest.param(data("pass"), "pass", HAND, Decision.WAIT, id="missing-block-is-manual-for-pass"),
    pytest.param(data("warning"), "warning", HAND, Decision.WAIT, id="missing-block-is-manual-for-warning"),
    pytest.param(data("fail"), "fail", AUTO, Decision.DECLINE, id="missing-block-still-declines-fail"),
    pytest.param(data("pass", approve_warning=AUTO), "pass", HAND, Decision.WAIT, id="pass-strategy-unset"),
    pytest.param(data("pass", "", AUTO), "pass", HAND, Decision.WAIT, id="pass-strategy-empty"),
    pytest.param(
        data("pass", "Automatic"), "pass", "Automatic", Decision.WAIT, id="strategy-is-case-sensitive"
    ),
    pytest.param(
        data("pass", "sometimes"), "pass", "sometimes", Decision.WAIT, id="unknown-strategy-reported"
    ),
    pytest.param(data("Pass", AUTO, AUTO), "Pass", HAND, Decision.WAIT, id="result-is-case-sensitive"),
    pytest.param(data("info", AUTO, AUTO), "info", HAND, Decision.WAIT, id="other-result-waits"),
    pytest.param(data("pass", True, True), "pass", HAND, Decision.WAIT, id="non-text-strategy-is-unset"),
    pytest.param(
        {"result": "pass", "approval": "automatic"}, "pass", HAND, Decision.WAIT, id="block-not-a-map"
    ),
    pytest.param(data(1, AUTO, AUTO), "", HAND, Decision.WAIT, id="non-text-result-is-none"),
    pytest.param(
        data(None, AUTO, AUTO, evaluation={"result": "warning", "score": 80}),
        "warning",
        AUTO,
        Decision.APPROVE,
        id="evaluation-result-when-result-missing",
    ),
    pytest.param(
        data("", AUTO, AUTO, evaluation={"result": "fail"}),
        "fail",
        AUTO,
        Decision.DECLINE,
        id="evaluation-result-when-result-empty",
    ),
    pytest.param(
        data("pass", HAND, AUTO, evaluation={"result": "warning"}),
        "pass",
        HAND,
        Decision.WAIT,
        id="result-wins-over-evaluation-result",
    ),
    pytest.param(
        data(None, AUTO, AUTO, evaluation="pass"), "", HAND, Decision.WAIT, id="evaluation-not-a-map"
    ),
]


@pytest.mark.parametrize(("payload", "result", "reported", "decision"), CASES)
def test_decide(payload: dict[str, Any], result: str, reported: str, decision: Decision) -> None:
    """Each rule: the input result, the strategy Keptn reports, and the decision."""
    assert decide(payload) == Approval(result, reported, decision)


@pytest.mark.parametrize(
    ("decision", "finished"),
    [(Decision.APPROVE, "pass"), (Decision.DECLINE, "fail"), (Decision.WAIT, None)],
)
def test_finished_result(decision: Decision, finished: str | None) -> None:
    """Approve finishes with pass (even for a warning), decline with fail, waiting sends nothing."""
    assert Approval("warning", AUTO, decision).finished_result == finished


def test_a_warning_approved_automatically_finishes_with_pass() -> None:
    """The finished result is pass, not the warning that came in."""
    approval = decide(data("warning", HAND, AUTO))

    assert (approval.result, approval.finished_result) == ("warning", "pass")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (data("pass", AUTO, AUTO), "Approval strategy for result 'pass': automatic"),
        (data("warning", AUTO, HAND), "Approval strategy for result 'warning': manual"),
        (data("fail", HAND, HAND), "Approval strategy for result 'fail': automatic"),
        (data("", AUTO, AUTO), "Approval strategy for result '': manual"),
    ],
)
def test_started_message_is_keptns(payload: dict[str, Any], message: str) -> None:
    """The texts of Keptn's test table."""
    assert decide(payload).message == message


def test_input_result_and_strategy_on_their_own() -> None:
    """The two halves, as the service and the UI may use them."""
    assert input_result({}) == ""
    assert input_result({"evaluation": {"result": "pass"}}) == "pass"
    assert strategy("warning", {"warning": "automatic"}) == "automatic"
    assert strategy("fail", {}) == "automatic"
    assert strategy("", {"pass": "automatic"}) == "manual"
