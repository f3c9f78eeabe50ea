"""Webhook templates over a remediation's ``action.triggered``: the action and the problem are there
as Keptn's webhook-service showed them (``.data.action.*``, ``.data.problem.*``), and hostile values
become data of the request, never options of it or shell syntax."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slogate.adapters.executors.webhook_config import Request
from slogate.adapters.executors.webhook_template import CurlError, render_call, template_values
from slogate.domain.protocol.gate_events import KeptnEvent

HOSTILE = 'it\'s "x"\n$(touch /tmp/pwned) `id` ${HOME} --output /tmp/o -o /tmp/o @/etc/passwd'


def action_event(value: Any, title: str = "response_time_p95") -> KeptnEvent:
    return KeptnEvent(
        id="act-1",
        type="sh.keptn.event.action.triggered",
        source="shipyard-controller",
        time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        shkeptncontext="ctx-1",
        data={
            "project": "demo",
            "stage": "production",
            "service": "hello",
            "action": {"name": "Escalate", "action": "escalate", "description": "", "value": value},
            "problem": {"ProblemTitle": title, "State": "OPEN"},
        },
    )


def test_the_action_and_the_problem_render_into_a_request() -> None:
    request = Request(
        url="http://127.0.0.1:9/hooks/{{.data.action.action}}",
        method="POST",
        headers=(("X-Problem", '{{index .data.problem "ProblemTitle"}}'),),
        payload='{"value": {{.data.action.value}}, "missing": "{{index .data.problem "problemTitle"}}"}',
    )
    call = render_call(request, template_values(action_event({"replicas": 2}), {}))
    assert call.url == "http://127.0.0.1:9/hooks/escalate"
    assert ("X-Problem", "response_time_p95") in call.headers
    assert call.body == '{"value": {"replicas":2}, "missing": ""}'


def test_a_hostile_value_is_the_body_verbatim_and_nothing_else() -> None:
    request = Request(url="http://127.0.0.1:9/chat", method="POST", payload="{{.data.action.value}}")
    call = render_call(request, template_values(action_event(HOSTILE), {}))
    assert call.body == HOSTILE
    assert call.url == "http://127.0.0.1:9/chat"
    assert call.method == "POST"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x' -o '/tmp/o", "curl command contains invalid option '-o'"),
        ("it's", "could not parse curl command: No closing quotation"),
        ("x' --data '@/etc/passwd", "file uploads using @ in --data is not allowed"),
    ],
)
def test_a_value_that_would_change_a_v1alpha1_curl_command_is_refused(value: str, message: str) -> None:
    command = "curl -X POST http://127.0.0.1:9/chat -d '{{.data.action.value}}'"
    with pytest.raises(CurlError) as raised:
        render_call(command, template_values(action_event(value), {}))
    assert message in raised.value.message
