"""Lighthouse's event payloads: the window of evaluation.triggered, get-sli requests and early answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slogate.domain.evaluation.window import WindowError
from slogate.domain.protocol import evaluation_flow as flow
from slogate.domain.protocol.gate_events import SLIValue

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SCOPE = {"project": "p", "stage": "qa", "service": "svc", "labels": {"buildId": "7"}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            {"evaluation": {"start": "2026-11-26T10:00:00Z", "end": "2026-11-26T10:05:00Z"}},
            ("2026-11-26T10:00:00.000Z", "2026-11-26T10:05:00.000Z"),
            id="start-end",
        ),
        pytest.param(
            {"evaluation": {"timeframe": "15m"}},
            ("2026-11-26T11:45:00.000Z", "2026-11-26T12:00:00.000Z"),
            id="timeframe",
        ),
        pytest.param(
            {"evaluation": {"start": "2026-11-26T10:00:00Z", "timeframe": "2m"}},
            ("2026-11-26T10:00:00.000Z", "2026-11-26T10:02:00.000Z"),
            id="start-timeframe",
        ),
        pytest.param(
            {"evaluation": {"start": "2026-11-26T10:00:00Z"}, "test": {"start": "A", "end": "B"}},
            ("A", "B"),
            id="test-window-verbatim",
        ),
        pytest.param(
            {"test": {"start": "2026-11-26T10:00:00.000Z", "end": "2026-11-26T10:00:12.500Z"}},
            ("2026-11-26T10:00:00.000Z", "2026-11-26T10:00:12.500Z"),
            id="a-short-load-test",
        ),
    ],
)
def test_evaluation_window(data: dict[str, object], expected: tuple[str, str]) -> None:
    """evaluation.{start,end,timeframe} decides; otherwise test.{start,end} is used verbatim."""
    assert flow.evaluation_window(data, NOW) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({}, flow.NO_TIMEFRAME, id="nothing"),
        pytest.param({"evaluation": "5m", "test": {"start": "A"}}, flow.NO_TIMEFRAME, id="malformed-blocks"),
        pytest.param(
            {"evaluation": {"start": "2026-11-26T10:00:00Z", "end": "2026-11-26T10:00:30Z"}},
            "end date must be at least 1 minute after start date",
            id="too-short",
        ),
        pytest.param(
            {"test": {"start": "2026-11-26T10:00:00.000Z", "end": "2026-11-26T10:00:05.000Z"}},
            "the evaluation window lasts 5 s; the minimum is 10 s, because",
            id="a-test-too-short-to-hold-data",
        ),
    ],
)
def test_evaluation_window_errors(data: dict[str, object], message: str) -> None:
    """Without a usable window the error carries Keptn's message."""
    with pytest.raises(WindowError, match=message):
        flow.evaluation_window(data, NOW)


def test_get_sli_triggered_carries_filters_and_first_deployment() -> None:
    """The request names the provider, the window, the indicators, the filter and the first deployment."""
    data = {**SCOPE, "deployment": {"deploymentNames": ["canary", "primary"]}, "message": "dropped"}
    built = flow.get_sli_triggered(data, ("s", "e"), ["a", "b"], [("handler", "ItemsController")])
    assert built == {
        **SCOPE,
        "deployment": "canary",
        "get-sli": {
            "sliProvider": "prometheus",
            "start": "s",
            "end": "e",
            "indicators": ["a", "b"],
            "customFilters": [{"key": "handler", "value": "ItemsController"}],
        },
    }
    assert "customFilters" not in flow.get_sli_triggered({}, ("s", "e"), [], [])["get-sli"]
    assert flow.first_deployment_name({"deployment": {"deploymentNames": []}}) == ""


def test_get_sli_triggered_names_the_chosen_provider() -> None:
    """A project's provider (a vendor, a remote integration) is the request's ``sliProvider``, verbatim."""
    for provider in ("dynatrace", "neoload", "My-Provider"):
        built = flow.get_sli_triggered(SCOPE, ("s", "e"), ["a"], [], provider)
        assert built["get-sli"]["sliProvider"] == provider


def test_get_sli_finished_and_errored() -> None:
    """Finished answers echo the window and the values; errored ones carry the message and no values."""
    request = {**SCOPE, "get-sli": {"start": "s", "end": "e"}}
    done = flow.get_sli_finished(request, [SLIValue("a", 1.0, True)], "pass", "")
    assert done["status"] == "succeeded"
    assert "message" not in done
    assert done["get-sli"]["indicatorValues"] == [
        {"metric": "a", "value": 1.0, "comparedValue": 0.0, "success": True}
    ]
    warned = flow.get_sli_finished(request, [], "warning", "some failed")
    assert warned["message"] == "some failed"
    errored = flow.get_sli_errored(request, "bad sli.yaml")
    assert (errored["status"], errored["result"], errored["get-sli"]["indicatorValues"]) == (
        "errored",
        "fail",
        [],
    )


def test_evaluation_without_sli() -> None:
    """Early evaluation.finished answers: pass keeps evaluation.result pass, anything else fails it."""
    passed = flow.evaluation_without_sli(SCOPE, "succeeded", "pass", "no provider")
    assert passed["evaluation"]["result"] == "pass"
    assert passed["evaluation"]["indicatorResults"] is None
    errored = flow.evaluation_without_sli(SCOPE, "errored", "fail", "broken")
    assert (errored["status"], errored["result"], errored["evaluation"]["result"]) == (
        "errored",
        "fail",
        "fail",
    )
    assert flow.started(SCOPE) == {**SCOPE, "status": "succeeded"}
