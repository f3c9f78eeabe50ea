"""A remote SLI provider, as in Keptn: ``slogate configure monitoring neoload``, then an integration that
registers through the uniform API, pulls lighthouse's ``get-sli.triggered`` and answers decides the verdict;
one that never answers ends the evaluation errored, naming it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_server import (
    END,
    TOKEN,
    Server,
    evaluate,
    launch,  # noqa: F401  (the fixture)
    onboard,
    wait_for_verdict,
)
from tests.support.delivery import FAST

pytestmark = pytest.mark.slow

NO_PROMETHEUS = "http://127.0.0.1:9"  # never asked: the project's provider is remote
REGISTRATION = "/api/controlPlane/v1/uniform/registration"
GET_SLI = "sh.keptn.event.get-sli.triggered"


class RemoteSLIProvider:
    """Keptn's SLI-provider integration in polling mode: registers a subscription to get-sli.triggered
    of one project, pulls the open triggers with it and answers those addressed to ``name`` with
    ``values`` (which the test changes between builds)."""

    def __init__(self, url: str, name: str, project: str) -> None:
        self.name = name
        self.project = project
        self.values: dict[str, float] = {}
        self.answered: list[str] = []
        self.errors: list[str] = []
        self._client = httpx.Client(base_url=url, headers={"x-token": TOKEN}, timeout=10)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.subscription: dict[str, Any] = {}

    def register(self) -> None:
        """``POST /uniform/registration``, then read the stored subscription back (what it polls with)."""
        body = {
            "name": f"{self.name}-service",
            "metadata": {"hostname": "127.0.0.1", "integrationversion": "0.1.0", "location": "remote"},
            "subscriptions": [{"event": GET_SLI, "filter": {"projects": [self.project]}}],
        }
        response = self._client.post(REGISTRATION, json=body)
        assert response.status_code in (200, 201), response.text
        listed = self._client.get(f"{REGISTRATION}/{response.json()['id']}/subscription")
        assert listed.status_code == 200, listed.text
        (self.subscription,) = listed.json()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self._poll()
            except Exception as error:  # shown by the test, never a silently dead thread
                self.errors.append(f"{type(error).__name__}: {error}")

    def _poll(self) -> None:
        projects = self.subscription["filter"]["projects"]
        response = self._client.get(
            f"/api/controlPlane/v1/event/triggered/{self.subscription['event']}",
            params={"project": projects[0]},
        )
        assert response.status_code == 200, response.text
        for trigger in response.json()["events"]:
            request = trigger["data"]["get-sli"]
            if request["sliProvider"] == self.name and trigger["id"] not in self.answered:
                self._answer(trigger, request)

    def _answer(self, trigger: Mapping[str, Any], request: Mapping[str, Any]) -> None:
        scope = {key: trigger["data"][key] for key in ("project", "stage", "service")}
        values = [
            {"metric": metric, "value": self.values[metric], "success": True, "message": ""}
            for metric in request["indicators"]
        ]
        finished = {
            **scope,
            "status": "succeeded",
            "result": "pass",
            "get-sli": {"start": request["start"], "end": request["end"], "indicatorValues": values},
        }
        for kind, data in (("started", {**scope, "status": "succeeded"}), ("finished", finished)):
            event = {
                "type": f"sh.keptn.event.get-sli.{kind}",
                "source": f"{self.name}-service",
                "specversion": "1.0",
                "shkeptncontext": trigger["shkeptncontext"],
                "triggeredid": trigger["id"],
                "data": data,
            }
            sent = self._client.post("/api/v1/event", json=event)
            assert sent.status_code == 200, sent.text
        self.answered.append(trigger["id"])

    @contextmanager
    def running(self) -> Iterator[RemoteSLIProvider]:
        self.register()
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(timeout=10)
            self._client.close()


def configure_monitoring(server: Server, provider: str, tmp_path: Path) -> str:
    """``slogate configure monitoring <provider> --project fulltour`` against ``server``; its output."""
    env = {
        **os.environ,
        "SLOGATE_ENDPOINT": server.url,
        "SLOGATE_API_TOKEN": TOKEN,
        "SLOGATE_CONFIG_DIR": str(tmp_path / "cli-config"),
    }
    command = [sys.executable, "-m", "slogate", "configure", "monitoring", provider, "--project", "fulltour"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def context_event(api: httpx.Client, context: str, kind: str) -> dict[str, Any]:
    """The context's one event of type ``sh.keptn.event.<kind>``."""
    params = {"keptnContext": context, "type": f"sh.keptn.event.{kind}"}
    (event,) = api.get("/api/mongodb-datastore/event", params=params).json()["events"]
    assert isinstance(event, dict)
    return event


def test_a_remote_providers_values_decide_the_verdict(
    launch: Callable[[str], Server],  # noqa: F811
    tmp_path: Path,
) -> None:
    server = launch(NO_PROMETHEUS)
    with server.client() as api:
        onboard(api)
        said = configure_monitoring(server, "neoload", tmp_path)
        assert "neoload is not built in" in said
        provider = RemoteSLIProvider(server.url, "neoload", "fulltour")
        with provider.running():
            provider.values = dict(FAST)
            fast_context = evaluate(api, END - 600)
            fast = wait_for_verdict(api, fast_context, timeout=60)
            provider.values = {**FAST, "http_response_time_seconds_main_page_sum": 5.0}
            slow = wait_for_verdict(api, evaluate(api, END - 300), timeout=60)
        assert provider.errors == []
        assert (fast["data"]["result"], fast["data"]["evaluation"]["score"]) == ("pass", 100), fast["data"]
        assert slow["data"]["result"] == "fail", slow["data"]
        assert slow["data"]["evaluation"]["comparedEvents"] == [fast["id"]]
        request = context_event(api, fast_context, "get-sli.triggered")
        assert request["data"]["get-sli"]["sliProvider"] == "neoload"  # Keptn's quality-gate shape
        assert context_event(api, fast_context, "get-sli.finished")["source"] == "neoload-service"
        sequence = context_event(api, fast_context, "qa.evaluation.finished")
        assert (sequence["data"]["status"], sequence["data"]["result"]) == ("succeeded", "pass")


def test_a_remote_provider_that_never_answers_ends_the_evaluation_errored_naming_it(
    launch: Callable[[str], Server],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLOGATE_STARTED_TASK_TIMEOUT", "2")
    server = launch(NO_PROMETHEUS)
    with server.client() as api:
        onboard(api)
        configure_monitoring(server, "silent-provider", tmp_path)
        context = evaluate(api, END - 600)
        ended = wait_for_verdict(api, context, timeout=60, kind="sh.keptn.event.qa.evaluation.finished")
        assert (ended["data"]["status"], ended["data"]["result"]) == ("errored", "fail")
        assert "waiting for SLI provider 'silent-provider'" in ended["data"]["message"]
        assert "SLOGATE_STARTED_TASK_TIMEOUT" in ended["data"]["message"]
        states = api.get("/api/controlPlane/v1/sequence/fulltour", params={"keptnContext": context}).json()
        assert states["states"][0]["state"] == "timedOut", states
