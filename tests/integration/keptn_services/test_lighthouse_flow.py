"""The in-process evaluation flow over the real store: evaluation.triggered → get-sli → finished."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.plugins import PluginRegistry
from slogate.adapters.store.database import open_database, upgrade
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.yamlfile import load_document
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import ProviderOptions
from slogate.ports.executors import ExecutorEnvironment
from slogate.services.keptn.get_sli_service import SLIService
from slogate.services.keptn.lighthouse_service import Lighthouse
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.settings import Settings
from tests.fakes import FakeClock, FakeProvider
from tests.integration.usecases.test_quality_gate import FAST, SLOW
from tests.support.yaml_bombs import billion_laughs

TUTORIAL = resources.files("slogate.demo") / "data"
CONTEXT = "6f0c2e36-8b1e-4a55-9d3f-1d2f5f0c8a01"


class Files:
    """Resources by (stage, service, uri); revisions are ignored."""

    def __init__(self, files: Mapping[tuple[str, str, str], str]) -> None:
        self.files = dict(files)

    def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
        """The file at that level, if any."""
        return self.files.get((stage, service, uri))


class Secrets:
    """A secret store holding at most one Prometheus secret."""

    def __init__(self, values: Mapping[str, str] | None) -> None:
        self.values = values

    def secret(self, name: str, scope: str) -> Mapping[str, str] | None:
        """The Prometheus credentials, for the expected name and scope only."""
        if name == "prometheus-credentials-fulltour" and scope == "keptn-prometheus-service":
            return self.values
        return None


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqlEventStore, SqlDispatchStore]]:
    """The event store and the dispatch store over one migrated SQLite file."""
    engine = open_database(f"sqlite:///{tmp_path / 'server.db'}")
    try:
        upgrade(engine)
        yield SqlEventStore(engine), SqlDispatchStore(engine)
    finally:
        engine.dispose()


TUTORIAL_FILES = {
    ("qa", "helloservice", "slo.yaml"): (TUTORIAL / "slo.yaml").read_text(),
    ("", "", "prometheus/sli.yaml"): (TUTORIAL / "sli.yaml").read_text(),
}


def wire(
    stores: tuple[SqlEventStore, SqlDispatchStore],
    values: Mapping[str, float],
    files: Mapping[tuple[str, str, str], str] = TUTORIAL_FILES,
    secret: Mapping[str, str] | None = None,
    **overrides: Any,
) -> tuple[Dispatcher, list[ProviderOptions]]:
    """A dispatcher with lighthouse and the SLI service, answering from ``values`` (``overrides``:
    settings other than the defaults here)."""
    store, dispatch = stores
    clock = FakeClock()
    asked: list[ProviderOptions] = []

    def provider(options: ProviderOptions) -> FakeProvider:
        asked.append(options)
        return FakeProvider(values)

    settings = Settings(**{"prometheus_url": "http://127.0.0.1:9", "query_timeout": 3, **overrides})
    reader, secrets = Files(files), Secrets(secret)
    lighthouse = Lighthouse(store, reader, secrets, settings, load_document, clock)
    providers = PluginRegistry(ExecutorEnvironment(Path(), clock), sli_providers={"prometheus": provider})
    sli = SLIService(reader, secrets, settings, providers, load_document, clock)
    return Dispatcher(dispatch, [lighthouse, sli], clock), asked


def trigger(store: SqlEventStore, context: str = CONTEXT, **evaluation: str) -> KeptnEvent:
    """Store an evaluation.triggered for the tutorial service (a 5-minute window by default)."""
    window = evaluation or {"start": "2026-11-26T09:55:00.000Z", "end": "2026-11-26T10:00:00.000Z"}
    event = KeptnEvent(
        id=f"trig-{context}",
        type="sh.keptn.event.evaluation.triggered",
        source="test",
        time=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        shkeptncontext=context,
        data={"project": "fulltour", "stage": "qa", "service": "helloservice", "evaluation": window},
    )
    store.add([event])
    return event


def finished(store: SqlEventStore, context: str = CONTEXT) -> KeptnEvent:
    """The one evaluation.finished of ``context``."""
    (event,) = store.find(type="sh.keptn.event.evaluation.finished", shkeptncontext=context)
    return event


def test_triggered_evaluation_runs_through_get_sli(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """Every event of Keptn's flow is stored in order, answers point at what they answer, and it passes."""
    store, _ = stores
    dispatcher, asked = wire(stores, FAST)
    triggered = trigger(store)
    asyncio.run(dispatcher.drain())
    types = [
        event.type.removeprefix("sh.keptn.event.") for event in reversed(store.find(shkeptncontext=CONTEXT))
    ]
    assert types == [
        "evaluation.triggered",
        "evaluation.started",
        "get-sli.triggered",
        "get-sli.started",
        "get-sli.finished",
        "evaluation.finished",
    ]
    result = finished(store)
    assert result.triggeredid == triggered.id
    assert result.source == "lighthouse-service"
    assert result.data["result"] == "pass"
    assert result.data["evaluation"]["score"] == 100.0
    assert asked[0].url == "http://127.0.0.1:9"
    (get_sli,) = store.find(type="sh.keptn.event.get-sli.triggered", shkeptncontext=CONTEXT)
    assert get_sli.data["get-sli"]["indicators"] == [
        "http_response_time_seconds_main_page_sum",
        "request_throughput",
        "go_routines",
    ]
    assert get_sli.data["get-sli"]["start"] == "2026-11-26T09:55:00.000Z"


def test_second_build_is_compared_with_the_first(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """The slow build fails on its key SLI and names the first evaluation as compared."""
    store, _ = stores
    first, _ = wire(stores, FAST)
    trigger(store, "11111111-1111-4111-8111-111111111111")
    asyncio.run(first.drain())
    second, _ = wire(stores, SLOW)
    trigger(store, "22222222-2222-4222-8222-222222222222")
    asyncio.run(second.drain())
    slow = finished(store, "22222222-2222-4222-8222-222222222222")
    assert slow.data["result"] == "fail"
    assert slow.data["message"].startswith("Evaluation failed due to key_sli objective 'HTTP Response Time'")
    assert slow.data["evaluation"]["comparedEvents"] == [
        finished(store, "11111111-1111-4111-8111-111111111111").id
    ]


def test_secret_credentials_win_over_settings(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """prometheus-credentials-<project> with Keptn's keys decides where Prometheus is."""
    store, _ = stores
    secret = {"PROMETHEUS_URL": "http://127.0.0.1:19090", "PROMETHEUS_USER": "u", "PROMETHEUS_PASSWORD": "p"}
    dispatcher, asked = wire(stores, FAST, secret=secret)
    trigger(store)
    asyncio.run(dispatcher.drain())
    assert (asked[0].url, asked[0].username, asked[0].password) == ("http://127.0.0.1:19090", "u", "p")


def test_no_slo_passes_without_evaluating(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """Without slo.yaml the flow still asks for no SLIs and passes with Keptn's message."""
    store, _ = stores
    dispatcher, _ = wire(stores, FAST, files={})
    trigger(store)
    asyncio.run(dispatcher.drain())
    result = finished(store)
    assert result.data["result"] == "pass"
    assert (
        result.data["message"]
        == "no evaluation performed by lighthouse because no SLO file configured for project fulltour"
    )


def test_missing_timeframe_is_errored(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """An evaluation.triggered without any window is answered errored with Keptn's message."""
    store, _ = stores
    dispatcher, _ = wire(stores, FAST)
    trigger(store, other="x")
    asyncio.run(dispatcher.drain())
    result = finished(store)
    assert (result.data["status"], result.data["result"]) == ("errored", "fail")
    assert result.data["message"] == "evaluation.triggered event does not contain evaluation timeframe"


def test_unparsable_slo_is_errored(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """An slo.yaml Keptn cannot decode ends the evaluation errored at the trigger phase."""
    store, _ = stores
    dispatcher, _ = wire(stores, FAST, files={("qa", "helloservice", "slo.yaml"): "objectives: 5\n"})
    trigger(store)
    asyncio.run(dispatcher.drain())
    result = finished(store)
    assert result.data["status"] == "errored"
    assert result.data["message"].startswith("error retrieving SLO file: objectives: must be a list")


def test_unfinished_work_resumes_after_a_crash(stores: tuple[SqlEventStore, SqlDispatchStore]) -> None:
    """A crash after the SLIs were fetched but before the commit redoes that step; nothing is doubled."""
    store, dispatch = stores
    dispatcher, _ = wire(stores, FAST)
    trigger(store)

    original = dispatch.complete
    calls = {"n": 0}

    def complete_until_second(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the process dies after the SLI service fetched, before it committed
            raise KeyboardInterrupt
        original(*args, **kwargs)

    dispatch.complete = complete_until_second  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(dispatcher.drain())
    dispatch.complete = original  # type: ignore[method-assign]
    restarted, _ = wire(stores, FAST)
    asyncio.run(restarted.drain())
    assert finished(store).data["result"] == "pass"
    assert len(store.find(type="sh.keptn.event.get-sli.triggered", shkeptncontext=CONTEXT)) == 1
    assert len(store.find(type="sh.keptn.event.get-sli.finished", shkeptncontext=CONTEXT)) == 1


def test_an_slo_alias_bomb_errors_the_evaluation_naming_the_limit(
    stores: tuple[SqlEventStore, SqlDispatchStore],
) -> None:
    """A bomb in slo.yaml (531,441 leaves once expanded) is refused by the limit, not expanded."""
    store, _ = stores
    files = {**TUTORIAL_FILES, ("qa", "helloservice", "slo.yaml"): billion_laughs(levels=6)}
    dispatcher, _ = wire(stores, FAST, files=files)
    trigger(store)
    asyncio.run(dispatcher.drain())
    result = finished(store)
    assert result.data["status"] == "errored"
    assert result.data["message"].startswith(
        "error retrieving SLO file: refused: more than the limit of 250000 nodes, counting each alias"
    )


def test_slo_and_sli_files_are_parsed_off_the_event_loop(
    stores: tuple[SqlEventStore, SqlDispatchStore],
) -> None:
    """Parsing a user's file never blocks the loop that serves every other request."""
    store, dispatch = stores
    on_loop: list[tuple[str, bool]] = []

    def spying(text: str, source: str) -> object:
        on_loop.append((source, threading.current_thread() is threading.main_thread()))
        return load_document(text, source)

    clock = FakeClock()
    settings = Settings(prometheus_url="http://127.0.0.1:9", query_timeout=3)
    reader, secrets = Files(TUTORIAL_FILES), Secrets(None)
    lighthouse = Lighthouse(store, reader, secrets, settings, spying, clock)
    providers = PluginRegistry(
        ExecutorEnvironment(Path(), clock), sli_providers={"prometheus": lambda options: FakeProvider(FAST)}
    )
    sli = SLIService(reader, secrets, settings, providers, spying, clock)
    trigger(store)
    asyncio.run(Dispatcher(dispatch, [lighthouse, sli], clock).drain())
    assert finished(store).data["result"] == "pass"
    assert on_loop == [("slo.yaml", False), ("prometheus/sli.yaml", False), ("slo.yaml", False)]
