"""The acceptance path in process: Alertmanager payloads posted to ``/api/v1/alertmanager`` for a project
with a remediation sequence and a two-action ``remediation.yaml`` whose actions are ``job`` executor
commands: which actions ran, in which order, and how the remediation ended; an early resolution stops it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from slogate.domain.protocol.alertmanager import alert_context
from tests.integration.keptn_services.test_remediation_loop import (
    PROJECT,
    SERVICE,
    HelpedAfter,
    Server,
    upload,
    world,
)
from tests.support.delivery import RT, TOKEN, events, settle

__all__ = ["world"]  # the fixture, used by name
STARTS = "2026-12-07T05:00:00Z"


def notify(client: TestClient, status: str, times: int = 1) -> list[dict[str, Any]]:
    """Alertmanager's webhook for the response-time alert, ``times`` times (as repeat_interval repeats it)."""
    alert = {
        "status": status,
        "labels": {"alertname": RT, "severity": "webhook", "project": PROJECT, "stage": "production",
                   "service": SERVICE, "deployment": "primary"},
        "annotations": {"summary": RT, "description": f"{RT} > 0.2"},
        "startsAt": STARTS,
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-12-07T05:10:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": "c0ffee",
    }  # fmt: skip
    body = {"version": "4", "status": status, "receiver": "slogate", "alerts": [alert]}
    answers = []
    for _ in range(times):
        answer = client.post("/api/v1/alertmanager", json=body, headers={"authorization": "Bearer " + TOKEN})
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    return answers


def job_actions(client: TestClient, log: Path) -> None:
    """``action`` mapped to the built-in ``job`` executor: one command per action, each noting its name."""
    executors = (
        "apiVersion: slogate/v1\nkind: Executors\ntasks:\n  action:\n    executor: job\n    config:\n"
        "      shell: true\n      actions:\n"
        f'        scaling: {{command: \'printf "scaling\\\\n" >> "{log}"\'}}\n'
        f'        rollback: {{command: \'printf "rollback\\\\n" >> "{log}"\'}}\n'
    )
    assert not upload(client, {"slogate/executors.yaml": executors}).get("warnings")


def finished(client: TestClient, keptn_context: str) -> list[tuple[str, str]]:
    found = reversed(events(client, keptn_context, "sh.keptn.event.production.remediation.finished"))
    return [(e["data"]["status"], e["data"]["result"]) for e in found]


def test_two_job_actions_run_in_order_and_the_second_ends_the_remediation(
    world: Server, tmp_path: Path
) -> None:
    context, client, backend = world
    log = tmp_path / "actions.log"
    job_actions(client, log)
    backend.values = HelpedAfter(log, helps=2)  # type: ignore[assignment]
    answers = notify(client, "firing", times=5)  # the same alert notified five times
    settle(context)
    assert [a["opened"] for a in answers] == [1, 0, 0, 0, 0]
    keptn_context = alert_context("c0ffee", STARTS)
    assert log.read_text().split() == ["scaling", "rollback"]
    assert finished(client, keptn_context) == [("succeeded", "fail"), ("succeeded", "pass")]
    (closed,) = notify(client, "resolved")
    settle(context)
    assert closed["closed"] == 1
    assert log.read_text().split() == ["scaling", "rollback"]  # nothing more ran


def test_a_resolution_after_the_first_loop_runs_no_second_action(world: Server, tmp_path: Path) -> None:
    """The alert resolves while loop 1's evaluation fails: the next get-action finds the closed problem
    (or the remediation is aborted): the second action never runs."""
    context, client, backend = world
    log = tmp_path / "actions.log"
    job_actions(client, log)
    backend.values = HelpedAfter(log, helps=99)  # type: ignore[assignment] # never helps
    notify(client, "firing")
    notify(client, "resolved")  # before the engine took up the trigger
    settle(context)
    keptn_context = alert_context("c0ffee", STARTS)
    assert "rollback" not in (log.read_text().split() if log.exists() else [])
    messages = [
        e["data"].get("message", "")
        for e in events(client, keptn_context, "sh.keptn.event.get-action.finished")
    ]
    assert all("action 2 of 2" not in message for message in messages), messages
