"""The SLI service with the vendor providers: credentials from Keptn's secrets (``dtCreds`` of
dynatrace.conf.yaml), one provider per configuration reused across events, errored answers naming what
to fix, and a settle wait that runs in the background without holding up other events."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest

from slogate.adapters.plugins import PluginRegistry
from slogate.adapters.providers.vendor_http import CredentialsRefusedError
from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import KeptnEvent, SLIValue
from slogate.ports import EventStore, ProviderOptions
from slogate.ports.executors import ExecutorEnvironment
from slogate.services.keptn.get_sli_service import SLIService
from slogate.settings import Settings
from tests.fakes import FakeClock
from tests.integration.keptn_services.test_lighthouse_flow import Files

TOKEN = "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX." + "A" * 64


class Vendor:
    """A vendor provider double: answers 2.5 for every SLI, optionally after a settle wait or refusing."""

    type_name: ClassVar[str] = "dynatrace"
    built: ClassVar[list[ProviderOptions]] = []

    def __init__(self, options: ProviderOptions) -> None:
        self.options = options
        self.wait = 0.0
        self.refuse = False
        self.release = asyncio.Event()
        self.closed = False
        Vendor.built.append(options)

    def settle_wait(self, request: SLIRequest) -> float:
        return self.wait

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        if self.refuse:
            raise CredentialsRefusedError("Dynatrace refused the credentials: HTTP 401 for GET …")
        if self.wait:
            await self.release.wait()
        return tuple(SLIValue(name, 2.5, success=True, query=q) for name, q in request.queries)

    async def check(self) -> None: ...

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        return ()

    async def aclose(self) -> None:
        self.closed = True


class Secrets:
    """Secrets by name; an empty scope matches any (as SecretService does)."""

    def __init__(self, secrets: Mapping[str, Mapping[str, str]]) -> None:
        self.secrets = dict(secrets)

    def secret(self, name: str, scope: str) -> Mapping[str, str] | None:
        return self.secrets.get(name) if not scope else None


class Store:
    """The events stored by the service's background work."""

    def __init__(self) -> None:
        self.events: dict[str, KeptnEvent] = {}

    def add(self, events: list[KeptnEvent]) -> None:
        self.events.update({event.id: event for event in events})

    def get(self, event_id: str) -> KeptnEvent | None:
        return self.events.get(event_id)

    def find(self, *, type: str, shkeptncontext: str | None = None, limit: int = 20) -> list[KeptnEvent]:
        found = [
            event
            for event in self.events.values()
            if event.type == type and shkeptncontext in (None, event.shkeptncontext)
        ]
        return sorted(found, key=lambda event: event.time, reverse=True)[:limit]


SLI_FILE = ("", "", "dynatrace/sli.yaml")
QUERIES = "indicators:\n  rt: metricSelector=builtin:service.response.time\n"


def _event(event_id: str = "e1", project: str = "shop") -> KeptnEvent:
    data: dict[str, Any] = {
        "project": project,
        "stage": "qa",
        "service": "cart",
        "get-sli": {
            "sliProvider": "dynatrace",
            "start": "2026-12-06T10:00:00Z",
            "end": "2026-12-06T10:05:00Z",
            "indicators": ["rt"],
        },
    }
    return KeptnEvent(
        event_id, "sh.keptn.event.get-sli.triggered", "lighthouse", datetime.now(UTC), "ctx", data
    )


def _service(
    files: Mapping[tuple[str, str, str], str],
    secrets: Mapping[str, Mapping[str, str]],
    store: Store | None = None,
) -> tuple[SLIService, list[Vendor]]:
    made: list[Vendor] = []

    def factory(options: ProviderOptions) -> Vendor:
        made.append(Vendor(options))
        return made[-1]

    registry = PluginRegistry(
        ExecutorEnvironment(Path(), lambda: datetime.now(UTC)),
        sli_providers={"dynatrace": factory},
    )
    settings = Settings(dynatrace_settle=30.0)
    kept = cast(EventStore, store)  # the service only adds and gets
    sli = SLIService(Files(files), Secrets(secrets), settings, registry, load_document, FakeClock(), kept)
    return sli, made


def _finished(answers: Sequence[KeptnEvent]) -> dict[str, Any]:
    (finished,) = [event for event in answers if event.type.endswith(".finished")]
    return dict(finished.data)


def test_credentials_from_the_secret_and_one_provider_per_configuration() -> None:
    """The ``dynatrace`` secret's keys become the options; two events share one provider (one client)."""
    secrets = {"dynatrace": {"DT_TENANT": " http://127.0.0.1:9/ ", "DT_API_TOKEN": TOKEN}}
    sli, made = _service({SLI_FILE: QUERIES}, secrets)

    async def run() -> list[dict[str, Any]]:
        first = await sli.handle(_event("e1"))
        second = await sli.handle(_event("e2"))
        await sli.aclose()
        return [_finished(first), _finished(second)]

    first, second = asyncio.run(run())
    (value,) = first["get-sli"]["indicatorValues"]
    assert (value["metric"], value["value"], value["success"]) == ("rt", 2.5, True)
    assert second["result"] == "pass"
    (built,) = made
    assert built.options.url == "http://127.0.0.1:9/"
    assert built.options.credential("DT_API_TOKEN") == TOKEN
    assert built.options.settle_seconds == 30.0  # SLOGATE_DYNATRACE_SETTLE
    assert built.closed  # closed when the service closes, not after each event


def test_dt_creds_of_the_most_specific_conf_names_the_secret() -> None:
    """dtCreds with placeholders, from the service level (which wins over the project level)."""
    files = {
        SLI_FILE: QUERIES,
        ("", "", "dynatrace/dynatrace.conf.yaml"): "spec_version: '0.1.0'\ndtCreds: project-creds\n",
        (
            "qa",
            "cart",
            "dynatrace/dynatrace.conf.yaml",
        ): "spec_version: '0.1.0'\ndtCreds: dt-$PROJECT-$STAGE\n",
    }
    secrets = {"dt-shop-qa": {"DT_TENANT": "http://127.0.0.1:7", "DT_API_TOKEN": TOKEN}}
    sli, made = _service(files, secrets)
    finished = _finished(asyncio.run(sli.handle(_event())))
    assert finished["result"] == "pass"
    assert made[0].options.url == "http://127.0.0.1:7"


@pytest.mark.parametrize(
    ("files", "secrets", "message"),
    [
        (
            {SLI_FILE: QUERIES},
            {},
            "no dynatrace credentials for project shop: create the secret dynatrace with the keys "
            "DT_TENANT, DT_API_TOKEN",
        ),
        (
            {SLI_FILE: QUERIES},
            {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9"}},
            "dynatrace credentials incomplete: set DT_API_TOKEN in the secret 'dynatrace'",
        ),
        (
            {SLI_FILE: QUERIES, ("", "", "dynatrace/dynatrace.conf.yaml"): "dashboard: 1234-abcd\n"},
            {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": TOKEN}},
            "dashboard '1234-abcd': dashboard mode is not supported by slogate",
        ),
    ],
)
def test_errored_answers_say_what_to_fix(
    files: dict[tuple[str, str, str], str], secrets: dict[str, dict[str, str]], message: str
) -> None:
    """Missing or incomplete credentials, and a dashboard, answer errored with the fix in the message."""
    sli, made = _service(files, secrets)
    finished = _finished(asyncio.run(sli.handle(_event())))
    assert finished["status"] == "errored"
    assert finished["result"] == "fail"
    assert message in finished["message"]
    assert made == []


def test_refused_credentials_answer_errored() -> None:
    """A 401 from the vendor is an errored get-sli naming the provider and the status."""
    secrets = {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": "wrong"}}
    sli, made = _service({SLI_FILE: QUERIES}, secrets)

    async def run() -> dict[str, Any]:
        await sli.handle(_event("warm"))
        made[0].refuse = True
        return _finished(await sli.handle(_event("e2")))

    finished = asyncio.run(run())
    assert finished["status"] == "errored"
    assert "Dynatrace refused the credentials: HTTP 401" in finished["message"]


def test_a_settle_wait_runs_in_the_background() -> None:
    """With data still settling, handle answers .started at once; .finished is stored when measured,
    and other events are handled meanwhile. Stopping the server answers a waiting one errored."""
    secrets = {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": TOKEN}}
    store = Store()
    sli, made = _service({SLI_FILE: QUERIES}, secrets, store)

    async def run() -> tuple[list[str], list[KeptnEvent]]:
        await sli.handle(_event("warm"))
        made[0].wait = 60.0
        answered = await sli.handle(_event("waits"))
        store.add(list(answered))  # the dispatcher commits the .started
        kinds = [event.type.rsplit(".", 1)[-1] for event in answered]
        made[0].release.set()
        await sli.idle()
        made[0].release.clear()
        stopped = await sli.handle(_event("stopped"))
        store.add(list(stopped))
        await asyncio.sleep(0.05)
        await sli.aclose()
        return kinds, [event for event in store.events.values() if event.type.endswith(".finished")]

    kinds, finished = asyncio.run(run())
    assert kinds == ["started"]
    results = sorted((event.data["status"], event.data.get("message", "")) for event in finished)
    stopped = "the server stopped while waiting for dynatrace data to settle; trigger the evaluation again"
    assert results[0] == ("errored", stopped)
    assert results[1][0] == "succeeded"
    assert len(finished) == 2


def test_an_old_window_is_answered_inline_even_with_a_store() -> None:
    """No wait needed: .started and .finished come back from handle as before."""
    secrets = {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": TOKEN}}
    sli, _ = _service({SLI_FILE: QUERIES}, secrets, Store())
    answered = asyncio.run(sli.handle(_event()))
    assert [event.type.rsplit(".", 1)[-1] for event in answered] == ["started", "finished"]


def test_a_measurement_cut_by_a_crash_is_taken_up_again_at_start() -> None:
    """The server died while the SLI service waited for settling data (.started stored, no .finished):
    the next server's recover() measures it again, once; a remote provider's open request is left alone."""
    secrets = {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": TOKEN}}
    store = Store()
    dead, made = _service({SLI_FILE: QUERIES}, secrets, store)
    remote = KeptnEvent(
        "r1",
        "sh.keptn.event.get-sli.started",
        "neoload-service",
        datetime.now(UTC),
        "ctx",
        {},
        triggeredid="cut",
    )

    async def crash() -> None:
        await dead.handle(_event("warm"))
        made[0].wait = 60.0
        trigger = _event("cut")
        store.add([trigger, remote, *await dead.handle(trigger)])  # the .started is committed, then the kill

    asyncio.run(crash())
    restarted, _ = _service({SLI_FILE: QUERIES}, secrets, store)

    async def start() -> tuple[list[str], list[str]]:
        first = await restarted.recover()
        await restarted.idle()
        again = await restarted.recover()
        await restarted.aclose()
        return first, again

    first, again = asyncio.run(start())
    assert first == ["cut"]
    assert again == []
    answers = [event for event in store.events.values() if event.type.endswith("get-sli.finished")]
    assert [(event.triggeredid, event.data["result"]) for event in answers] == [("cut", "pass")]


def test_incomplete_credentials_name_the_secret_dt_creds_chose() -> None:
    """The message names the secret that was read (here dtCreds' dt-shop), not the default one."""
    files = {SLI_FILE: QUERIES, ("", "", "dynatrace/dynatrace.conf.yaml"): "dtCreds: dt-$PROJECT\n"}
    sli, _ = _service(files, {"dt-shop": {"DT_TENANT": "http://127.0.0.1:9"}})
    finished = _finished(asyncio.run(sli.handle(_event())))
    assert "set DT_API_TOKEN in the secret 'dt-shop'" in finished["message"]


def test_recovery_passes_over_the_measurements_this_replica_still_waits_for() -> None:
    """A replica that takes the get-sli lease again runs recovery: its own waiting measurements are
    not interrupted ones and are not measured twice."""
    secrets = {"dynatrace": {"DT_TENANT": "http://127.0.0.1:9", "DT_API_TOKEN": TOKEN}}
    store = Store()
    sli, made = _service({SLI_FILE: QUERIES}, secrets, store)

    async def run() -> list[str]:
        await sli.handle(_event("warm"))
        made[0].wait = 60.0
        trigger = _event("waits")
        store.add([trigger, *await sli.handle(trigger)])  # .started committed, still measuring
        recovered = await sli.recover()
        made[0].release.set()
        await sli.idle()
        await sli.aclose()
        return recovered

    assert asyncio.run(run()) == []
    answers = [event for event in store.events.values() if event.type.endswith("get-sli.finished")]
    assert [event.triggeredid for event in answers].count("waits") == 1
