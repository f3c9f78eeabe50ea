"""The project's SLI provider (``monitoring.configure``, Keptn's lighthouse ConfigMap) and remote SLI
providers: lighthouse asks the chosen one, and any source's get-sli.finished feeds the evaluation."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.services.usecases.provider_choice import chosen_provider
from tests.integration.keptn_services.test_lighthouse_flow import (
    CONTEXT,
    finished,
    stores,  # noqa: F401  (the fixture)
    trigger,
    wire,
)
from tests.integration.usecases.test_quality_gate import FAST

Stores = tuple[SqlEventStore, SqlDispatchStore]
EARLY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # before every evaluation of these tests
_ids = itertools.count()
NO_PROVIDER = "no evaluation performed by lighthouse because no SLI-provider configured for project fulltour"


def stored(store: SqlEventStore, type_: str, data: Mapping[str, Any], minutes: int = 0) -> None:
    """Store an event of ``type_`` at ``EARLY`` + ``minutes``."""
    event = KeptnEvent(
        id=f"event-{next(_ids)}",
        type=type_,
        source="https://github.com/keptn/keptn/cli#configuration-change",
        time=EARLY + timedelta(minutes=minutes),
        shkeptncontext=f"context-{next(_ids)}",
        data=dict(data),
    )
    store.add([event])


def configure(store: SqlEventStore, provider: str, project: str = "fulltour", minutes: int = 0) -> None:
    """``slogate configure monitoring <provider> --project <project>`` as the server stores it."""
    data = {"type": provider, "project": project, "service": "helloservice"}
    stored(store, "sh.keptn.event.monitoring.configure", data, minutes)


def delete_project(store: SqlEventStore, project: str, minutes: int) -> None:
    """What deleting a project leaves in the event log."""
    stored(store, "sh.keptn.event.project.delete.finished", {"project": project}, minutes)


def get_sli(store: SqlEventStore) -> KeptnEvent:
    (event,) = store.find(type="sh.keptn.event.get-sli.triggered", shkeptncontext=CONTEXT)
    return event


def test_the_latest_configure_event_of_the_project_wins(stores: Stores) -> None:  # noqa: F811
    store, _ = stores
    assert chosen_provider(store, "fulltour") is None
    configure(store, "dynatrace", minutes=1)
    configure(store, "other-choice", project="other", minutes=2)
    assert chosen_provider(store, "fulltour") == "dynatrace"
    configure(store, "neoload", minutes=3)
    assert chosen_provider(store, "fulltour") == "neoload"
    assert chosen_provider(store, "other") == "other-choice"
    assert chosen_provider(store, "third") is None
    configure(store, "  ", project="third", minutes=4)  # blank: nothing chosen
    assert chosen_provider(store, "third") is None


def test_a_deleted_and_recreated_project_does_not_inherit_the_old_choice(stores: Stores) -> None:  # noqa: F811
    store, _ = stores
    configure(store, "datadog", minutes=1)
    delete_project(store, "fulltour", minutes=2)
    delete_project(store, "other", minutes=3)
    assert chosen_provider(store, "fulltour") is None
    configure(store, "sumologic", minutes=4)
    assert chosen_provider(store, "fulltour") == "sumologic"


def test_a_remote_provider_is_asked_and_its_answer_is_evaluated(stores: Stores) -> None:  # noqa: F811
    """Keptn's quality-gate shape: ``sliProvider`` is the configured name; an integration's
    get-sli.finished (its own ``source``) is scored as the built-in service's would be."""
    store, _ = stores
    configure(store, "my-provider")
    dispatcher, asked = wire(stores, FAST)
    trigger(store)
    asyncio.run(dispatcher.drain())
    request = get_sli(store)
    assert request.data["get-sli"]["sliProvider"] == "my-provider"
    assert request.data["get-sli"]["indicators"] == [
        "http_response_time_seconds_main_page_sum",
        "request_throughput",
        "go_routines",
    ]
    assert asked == []  # the built-in SLI service leaves it to the integration
    assert store.find(type="sh.keptn.event.evaluation.finished", shkeptncontext=CONTEXT) == []
    (started,) = store.find(type="sh.keptn.event.evaluation.started", shkeptncontext=CONTEXT)
    assert started.data["message"] == (
        f"waiting for SLI provider 'my-provider' to answer get-sli.triggered {request.id}"
    )
    answer(store, request, FAST)
    asyncio.run(dispatcher.drain())
    result = finished(store)
    assert result.source == "lighthouse-service"
    assert result.data["result"] == "pass", result.data
    values = {
        item["value"]["metric"]: item["value"]["value"]
        for item in result.data["evaluation"]["indicatorResults"]
    }
    assert values["http_response_time_seconds_main_page_sum"] == 0.004


def test_a_remote_providers_failing_value_fails_the_evaluation(stores: Stores) -> None:  # noqa: F811
    store, _ = stores
    configure(store, "neoload")
    dispatcher, _ = wire(stores, FAST)
    trigger(store)
    asyncio.run(dispatcher.drain())
    answer(
        store, get_sli(store), {"http_response_time_seconds_main_page_sum": 5.0, "request_throughput": 0.5}
    )
    asyncio.run(dispatcher.drain())
    assert finished(store).data["result"] == "fail"


def test_a_late_or_repeated_answer_gives_no_second_verdict(stores: Stores) -> None:  # noqa: F811
    """An answer after the sequence ended (here: timed out) or a second answer is stored but judged
    nothing: no evaluation.finished joins the history for an evaluation that already ended."""
    store, _ = stores
    configure(store, "neoload")
    dispatcher, _ = wire(stores, FAST)
    trigger(store)
    asyncio.run(dispatcher.drain())
    request = get_sli(store)
    timed_out = {"project": "fulltour", "stage": "qa", "service": "helloservice", "status": "errored"}
    store.add(
        [
            KeptnEvent(
                id="sequence-end",
                type="sh.keptn.event.qa.evaluation.finished",
                source="shipyard-controller",
                time=datetime(2026, 11, 26, 10, 30, tzinfo=UTC),
                shkeptncontext=CONTEXT,
                data={**timed_out, "result": "fail", "message": "task evaluation did not finish …"},
            )
        ]
    )
    answer(store, request, FAST)
    asyncio.run(dispatcher.drain())
    assert store.find(type="sh.keptn.event.evaluation.finished", shkeptncontext=CONTEXT) == []
    other = "7a1c2e36-8b1e-4a55-9d3f-1d2f5f0c8a02"
    trigger(store, other)
    asyncio.run(dispatcher.drain())
    (second,) = store.find(type="sh.keptn.event.get-sli.triggered", shkeptncontext=other)
    answer(store, second, FAST)
    answer(store, second, {**FAST, "http_response_time_seconds_main_page_sum": 5.0})  # said twice
    asyncio.run(dispatcher.drain())
    (verdict,) = store.find(type="sh.keptn.event.evaluation.finished", shkeptncontext=other)
    assert verdict.data["result"] == "pass"


@pytest.mark.parametrize("vendor", ["dynatrace", "datadog", "sumologic"])
def test_a_vendor_is_asked_even_without_prometheus(stores: Stores, vendor: str) -> None:  # noqa: F811
    """Not Keptn's "no SLI-provider configured": the built-in vendor service answers (or says what
    credentials are missing)."""
    store, _ = stores
    configure(store, vendor)
    dispatcher, _ = wire(stores, FAST, prometheus_url="")
    trigger(store)
    asyncio.run(dispatcher.drain())
    assert get_sli(store).data["get-sli"]["sliProvider"] == vendor
    for event in store.find(type="sh.keptn.event.evaluation.finished", shkeptncontext=CONTEXT):
        assert NO_PROVIDER not in event.data.get("message", "")


@pytest.mark.parametrize("choice", [None, "prometheus"])
def test_prometheus_without_an_endpoint_still_evaluates_nothing(stores: Stores, choice: str | None) -> None:  # noqa: F811
    store, _ = stores
    if choice:
        configure(store, choice)
    dispatcher, _ = wire(stores, FAST, prometheus_url="")
    trigger(store)
    asyncio.run(dispatcher.drain())
    assert finished(store).data["message"] == NO_PROVIDER
    assert store.find(type="sh.keptn.event.get-sli.triggered", shkeptncontext=CONTEXT) == []


def answer(store: SqlEventStore, request: KeptnEvent, values: Mapping[str, float]) -> None:
    """A remote provider's get-sli.started and get-sli.finished, as ``POST /api/v1/event`` stores them."""
    scope = {key: request.data[key] for key in ("project", "stage", "service")}
    window = {key: request.data["get-sli"][key] for key in ("start", "end")}
    indicator_values = [
        {"metric": metric, "value": value, "success": True} for metric, value in values.items()
    ]
    started = {**scope, "status": "succeeded"}
    done = {
        **scope,
        "status": "succeeded",
        "result": "pass",
        "get-sli": {**window, "indicatorValues": indicator_values},
    }
    for kind, data in (("started", started), ("finished", done)):
        store.add(
            [
                KeptnEvent(
                    id=f"remote-{kind}-{next(_ids)}",
                    type=f"sh.keptn.event.get-sli.{kind}",
                    source="neoload-service",
                    time=datetime(2026, 11, 26, 11, 0, tzinfo=UTC) + timedelta(seconds=next(_ids)),
                    shkeptncontext=request.shkeptncontext,
                    data=data,
                    triggeredid=request.id,
                )
            ]
        )
