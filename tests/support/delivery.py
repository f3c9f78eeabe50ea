"""Whole deliveries through the API: a server context with scripted executors and a fake SLI provider."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions, SLIProvider
from slogate.server_context import ServerContext
from slogate.services.keptn.executor_runner import ExecutorLookup
from slogate.settings import Settings
from tests.fakes import FakeProvider
from tests.support.executors import ScriptedExecutor
from tests.support.sequence_world import DELIVERY

TOKEN = "test-token-0123456789abcdefghijklmnopqrstuvw"
CONTROL_PLANE = "/api/controlPlane/v1"
RT = "http_response_time_seconds_main_page_sum"
FAST = {RT: 0.004, "request_throughput": 0.55, "go_routines": 7.0}
SLOW = {RT: 0.41, "request_throughput": 0.52, "go_routines": 7.0}
SLO = (resources.files("slogate.demo") / "data" / "slo.yaml").read_text()

# The tutorial's shipyard C (qa gated by an evaluation; production behind an automatic approval)
# with a release task in each stage and a production rollback (prometheus-and-tutorial §4.2, §4.6).
SHIPYARD = DELIVERY
# the same with production's approval left to a person (shipyard B's approval in tutorial order)
MANUAL_APPROVAL = SHIPYARD.replace("{pass: automatic, warning: automatic}", "{pass: manual, warning: manual}")
assert MANUAL_APPROVAL != SHIPYARD


def b64(text: str) -> str:
    """Base64 of UTF-8 text, as Keptn's API wants file contents."""
    return base64.b64encode(text.encode()).decode()


class Backend:
    """The SLI values the fake provider answers with; tests switch them between builds."""

    def __init__(self) -> None:
        self.values: dict[str, float] = dict(FAST)

    def factory(self, options: ProviderOptions) -> SLIProvider:
        """A provider answering from the values current when it fetches (the server builds one per
        configuration and keeps it)."""
        return LiveProvider(self)


class LiveProvider(FakeProvider):
    """A fake provider that reads its backend's values at each fetch."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend.values)
        self._backend = backend

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """The backend's current values."""
        self.values = dict(self._backend.values)
        return await super().fetch(request)


@contextmanager
def delivery_server(
    data_dir: Path,
    database_url: str = "",
    executor: ScriptedExecutor | None = None,
    executor_lookup: ExecutorLookup | None = None,
    **settings: Any,
) -> Iterator[tuple[ServerContext, TestClient, Backend]]:
    """A server context (no background tasks: tests call :func:`settle`) with a scripted executor,
    or, given ``executor_lookup``, with the built-in executors it names (and ``executor`` if any)."""
    backend = Backend()
    config = Settings(
        data_dir=data_dir,
        database_url=database_url,
        api_token=TOKEN,  # type: ignore[arg-type]
        prometheus_url="http://127.0.0.1:9",
        **settings,
    )
    context = bootstrap.server_context(config, backend.factory, executor_lookup)
    if executor is not None or executor_lookup is None:
        context.dispatcher.subscribe(executor or ScriptedExecutor())
    client = TestClient(bootstrap.api_app(context), raise_server_exceptions=True)
    client.headers["x-token"] = TOKEN
    try:
        yield context, client, backend
    finally:
        client.close()
        context.close()


def settle(context: ServerContext) -> None:
    """Deliver every pending event to every in-process service and apply due timers, until quiet."""

    async def run() -> None:
        while await context.dispatcher.drain():
            await context.executors.idle()
            await context.sequences.tick()
        await context.sequences.tick()
        while await context.dispatcher.drain():
            await context.executors.idle()

    asyncio.run(run())


def create_project(client: TestClient, shipyard: str = SHIPYARD, project: str = "fulltour") -> None:
    """Create the project, the service ``helloservice`` and the tutorial's qa ``slo.yaml``."""
    response = client.post(f"{CONTROL_PLANE}/project", json={"name": project, "shipyard": b64(shipyard)})
    assert response.status_code == 201, response.text
    response = client.post(f"{CONTROL_PLANE}/project/{project}/service", json={"serviceName": "helloservice"})
    assert response.status_code == 200, response.text
    response = client.post(
        f"/api/resource-service/v1/project/{project}/stage/qa/service/helloservice/resource",
        json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64(SLO)}]},
    )
    assert response.status_code == 201, response.text


def trigger_delivery(
    client: TestClient | httpx.Client,
    version: str,
    stage: str = "qa",
    project: str = "fulltour",
    labels: Mapping[str, str] | None = None,
) -> str:
    """``POST /api/v1/event`` with ``<stage>.delivery.triggered`` as ``keptn trigger delivery`` sends it
    (labels: ``{"version": version}`` unless given)."""
    image = f"ghcr.io/podtato-head/podtatoserver:{version}"
    response = client.post(
        "/api/v1/event",
        json={
            "type": f"sh.keptn.event.{stage}.delivery.triggered",
            "source": "https://github.com/keptn/keptn/cli#configuration-change",
            "specversion": "1.0",
            "data": {
                "project": project,
                "stage": stage,
                "service": "helloservice",
                "configurationChange": {"values": {"image": image}},
                "labels": dict(labels) if labels is not None else {"version": version},
            },
        },
    )
    assert response.status_code == 200, response.text
    context: str = response.json()["keptnContext"]
    return context


def events(client: TestClient, context: str, event_type: str) -> list[Mapping[str, Any]]:
    """The events of a type ("": all) in a Keptn context, from the datastore API (newest first)."""
    params: dict[str, str | int] = {"keptnContext": context, "pageSize": 100}
    if event_type:
        params["type"] = event_type
    response = client.get("/api/mongodb-datastore/event", params=params)
    assert response.status_code == 200, response.text
    found: list[Mapping[str, Any]] = response.json()["events"]
    return found


def deployed_image(client: TestClient, stage: str, project: str = "fulltour") -> str:
    """What the catalog says runs in ``stage``."""
    response = client.get(f"{CONTROL_PLANE}/project/{project}/stage/{stage}/service/helloservice")
    assert response.status_code == 200, response.text
    image: str = response.json()["deployedImage"]
    return image
