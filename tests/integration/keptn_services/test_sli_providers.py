"""The plugin registry: a provider registered under any name answers get-sli.triggered for that
``sliProvider``; a plugin that does not fit its Protocol is refused with its name and what is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, EntryPoints
from pathlib import Path
from typing import Any, ClassVar

import pytest

from slogate.adapters import plugins
from slogate.adapters.plugins import SLI_PROVIDERS, PluginError, PluginRegistry, list_plugins
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import KeptnEvent, SLIValue
from slogate.ports import ProviderOptions
from slogate.ports.executors import ExecutorEnvironment
from slogate.services.keptn.get_sli_service import SLIService
from slogate.settings import Settings
from tests.fakes import FakeClock, FakeProvider

MODULE = __name__
ASKED: list[ProviderOptions] = []


def create_fake(options: ProviderOptions) -> FakeProvider:
    """A well-formed factory: answers every indicator with 1.5."""
    ASKED.append(options)
    return FakeProvider({"response_time_p95": 1.5, "error_rate": 0.0})


class SyncFetch:
    """Looks like a provider but ``fetch`` is not async."""

    type_name: ClassVar[str] = "sync"

    def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        return ()

    async def check(self) -> None: ...

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        return ()

    async def aclose(self) -> None: ...


def create_sync_fetch(options: ProviderOptions) -> SyncFetch:
    """Annotated with a class that does not fit SLIProvider: refused when loaded."""
    return SyncFetch()


def create_unannotated(options):
    """No annotation to check when loaded: what it builds is checked instead."""
    return object()


NOT_CALLABLE = 42


class Files:
    """Resources by uri at the project level."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
        return self.files.get(uri) if not stage and not service else None


class Secrets:
    """Every secret of the test, by name and scope."""

    def __init__(self, secrets: Mapping[tuple[str, str], Mapping[str, str]]) -> None:
        self.secrets = dict(secrets)

    def secret(self, name: str, scope: str) -> Mapping[str, str] | None:
        return self.secrets.get((name, scope))


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry points of slogate.sli_providers are this module's factories (and prometheus)."""
    targets = {
        "fakemetrics": "create_fake",
        "syncfetch": "create_sync_fetch",
        "unannotated": "create_unannotated",
        "notcallable": "NOT_CALLABLE",
    }
    found = EntryPoints(
        EntryPoint(name, f"{MODULE}:{target}", SLI_PROVIDERS) for name, target in targets.items()
    )

    def entry_points(*, group: str, name: str | None = None) -> EntryPoints:
        if group != SLI_PROVIDERS:
            return EntryPoints(())
        return found.select(name=name) if name is not None else found

    monkeypatch.setattr(plugins, "entry_points", entry_points)


def get_sli(provider: str) -> KeptnEvent:
    data: dict[str, Any] = {
        "project": "shop",
        "stage": "qa",
        "service": "cart",
        "get-sli": {
            "sliProvider": provider,
            "start": "2026-12-06T10:00:00Z",
            "end": "2026-12-06T10:05:00Z",
            "indicators": ["response_time_p95"],
        },
    }
    return KeptnEvent("e1", "sh.keptn.event.get-sli.triggered", "lighthouse", datetime.now(UTC), "ctx", data)


def service(registry: PluginRegistry) -> SLIService:
    files = Files({"fakemetrics/sli.yaml": "spec_version: '1.0'\nindicators:\n  response_time_p95: p95()\n"})
    secrets = Secrets(
        {
            ("fakemetrics-credentials-shop", "keptn-fakemetrics-service"): {
                "FAKEMETRICS_URL": "http://127.0.0.1:1"
            },
            ("syncfetch-credentials-shop", "keptn-syncfetch-service"): {
                "SYNCFETCH_URL": "http://127.0.0.1:2"
            },
        }
    )
    settings = Settings(prometheus_url="http://127.0.0.1:9")
    return SLIService(files, secrets, settings, registry, load_document, FakeClock())


def test_a_provider_registered_by_entry_point_is_selected_by_sli_provider(
    fake_entry_points: None, tmp_path: Path
) -> None:
    ASKED.clear()
    registry = PluginRegistry(ExecutorEnvironment(tmp_path, FakeClock()))
    started, finished = asyncio.run(service(registry).handle(get_sli("fakemetrics")))
    assert started.source == finished.source == "fakemetrics-service"
    assert finished.type == "sh.keptn.event.get-sli.finished"
    assert finished.data["result"] == "pass", finished.data
    assert finished.data["get-sli"]["indicatorValues"][0]["value"] == 1.5
    assert [options.url for options in ASKED] == ["http://127.0.0.1:1"]  # its own secret, not the settings'


def test_a_provider_injected_into_the_registry_is_selected_by_sli_provider(tmp_path: Path) -> None:
    ASKED.clear()
    registry = PluginRegistry(
        ExecutorEnvironment(tmp_path, FakeClock()), sli_providers={"fakemetrics": create_fake}
    )
    answers = asyncio.run(service(registry).handle(get_sli("fakemetrics")))
    assert [event.type for event in answers] == [
        "sh.keptn.event.get-sli.started",
        "sh.keptn.event.get-sli.finished",
    ]
    assert ASKED


def test_an_unregistered_sli_provider_is_left_to_others(fake_entry_points: None, tmp_path: Path) -> None:
    """Keptn's dynatrace-service (or any integration) may answer it; the built-in service stays silent."""
    registry = PluginRegistry(ExecutorEnvironment(tmp_path, FakeClock()))
    assert asyncio.run(service(registry).handle(get_sli("dynatrace"))) == []


def test_a_plugin_that_does_not_fit_the_protocol_is_refused_by_name(
    fake_entry_points: None, tmp_path: Path
) -> None:
    registry = PluginRegistry(ExecutorEnvironment(tmp_path, FakeClock()))
    options = ProviderOptions(url="http://127.0.0.1:1")
    with pytest.raises(
        PluginError,
        match=r"plugin 'syncfetch' \(.*:create_sync_fetch\).* does not fit SLIProvider: fetch\(\) must be",
    ):
        registry.sli_provider("syncfetch", options)
    with pytest.raises(PluginError, match=r"plugin 'notcallable' .* is a int, not a factory"):
        registry.sli_provider("notcallable", options)
    with pytest.raises(
        PluginError, match=r"SLI provider 'unannotated' does not fit SLIProvider: it has no method fetch\(\)"
    ):
        registry.sli_provider("unannotated", options)


def test_a_misfit_answers_get_sli_finished_with_the_plugin_error(
    fake_entry_points: None, tmp_path: Path
) -> None:
    registry = PluginRegistry(ExecutorEnvironment(tmp_path, FakeClock()))
    answers = asyncio.run(service(registry).handle(get_sli("syncfetch")))
    assert answers[-1].data["status"] == "errored"
    assert "fetch() must be async" in answers[-1].data["message"]


def test_the_listing_shows_what_does_not_fit(fake_entry_points: None) -> None:
    listed = {info.name: info.error for info in list_plugins()}
    assert listed["fakemetrics"] == ""
    assert "fetch() must be async" in listed["syncfetch"]
    assert "not a factory" in listed["notcallable"]
