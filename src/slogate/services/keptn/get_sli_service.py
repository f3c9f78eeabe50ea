"""The built-in SLI service (Keptn's prometheus-service and its kin): get-sli.triggered →
get-sli.started/finished, by the registered SLI provider the event's ``sliProvider`` names.

Providers are pooled per configuration (one HTTP client per backend). A vendor whose data must
settle after the window is waited for in the background (``.started`` at once, ``.finished`` when
measured), so one project's wait never holds up another's evaluations.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slogate.domain.document import as_scalar
from slogate.domain.evaluation.sli import SLIRequest, sli_outcome
from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol import evaluation_flow as flow
from slogate.domain.protocol.event_types import GET_SLI_FINISHED, GET_SLI_STARTED, GET_SLI_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import ConfigError, SlogateError
from slogate.ports import DocumentLoader, EventStore, ResourceReader, SecretReader, SLIProvider, SLIProviders
from slogate.services.keptn.emit import answer, stored_in_time
from slogate.services.keptn.provider_pool import ProviderPool
from slogate.services.usecases.monitoring import VENDORS, credentials_secret, provider_options, secret_keys
from slogate.services.usecases.offline_gate import load_indicators
from slogate.settings import Settings

DYNATRACE_CONF = "dynatrace/dynatrace.conf.yaml"
STOPPED = "the server stopped while waiting for {provider} data to settle; trigger the evaluation again"
RECOVERY_WINDOW = timedelta(days=1)  # older unanswered measurements are left to the task timeouts
RECOVERY_LOOKBACK = 200  # the newest get-sli.started events looked at when the server starts
logger = logging.getLogger(__name__)


def source_of(provider: str) -> str:
    """The ``source`` of the answers, as Keptn's services name themselves (``prometheus-service``)."""
    return f"{provider}-service"


def sli_uri(provider: str) -> str:
    """Where a provider's SLI queries are kept, at each level (``prometheus/sli.yaml``)."""
    return f"{provider}/sli.yaml"


class SLIService:
    """Fetches the requested SLIs from the project's metrics backend and answers with their values."""

    name = "prometheus-service"  # the dispatcher's cursor keeps this name
    types: tuple[str, ...] = (GET_SLI_TRIGGERED,)

    def __init__(
        self,
        resources: ResourceReader,
        secrets: SecretReader,
        settings: Settings,
        providers: SLIProviders,
        load_document: DocumentLoader,
        now: Callable[[], datetime],
        store: EventStore | None = None,
    ) -> None:
        self._resources = resources
        self._secrets = secrets
        self._settings = settings
        self._providers = providers
        self._pool = ProviderPool(providers)
        self._load_document = load_document
        self._now = now
        self._store = store  # where answers measured in the background go (None: always inline)
        self._waiting: dict[asyncio.Task[None], KeptnEvent] = {}

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """get-sli.started and get-sli.finished for a get-sli.triggered whose ``sliProvider`` is
        registered."""
        request = event.data.get("get-sli")
        if not isinstance(request, Mapping):
            return []
        provider = request.get("sliProvider")
        if not isinstance(provider, str) or not self._providers.has_sli_provider(provider):
            return []
        began = self._answer(event, provider, GET_SLI_STARTED, flow.started(event.data))
        try:
            chosen, asked = await self._prepare(event, provider, request)
        except SlogateError as error:  # WindowError too: the whole error tree
            return [began, self._errored(event, provider, error.message)]
        settle_wait = getattr(chosen, "settle_wait", None)
        if self._store is not None and settle_wait is not None and settle_wait(asked) > 0:
            self._later(event, provider, chosen, asked, began.id)
            return [began]
        return [began, await self._finished(event, provider, chosen, asked)]

    async def recover(self) -> list[str]:
        """At start-up (or when this replica takes over get-sli): measure again, in the background,
        each get-sli a built-in provider had started but not answered when the server died (it was
        waiting for settling data), except those this process still measures; the trigger ids."""
        store = self._store
        if store is None:
            return []
        try:
            waiting = {event.id for event in self._waiting.values()}  # ours, still measuring
            interrupted = [
                t for t in await asyncio.to_thread(self._interrupted, store) if t.id not in waiting
            ]
            for trigger in interrupted:
                await self._resume(trigger, store)
        except Exception:  # e.g. the database is away: serve anyway, the started-task timeout applies
            logger.exception("recovering the SLI measurements of the stopped server failed")
            return []
        return [trigger.id for trigger in interrupted]

    def _interrupted(self, store: EventStore) -> list[KeptnEvent]:
        since = self._now() - RECOVERY_WINDOW
        triggers = []
        for started in store.find(type=GET_SLI_STARTED, limit=RECOVERY_LOOKBACK):
            name = started.source.removesuffix("-service")
            if started.time < since or name == started.source or not self._providers.has_sli_provider(name):
                continue
            answers = store.find(type=GET_SLI_FINISHED, shkeptncontext=started.shkeptncontext, limit=100)
            trigger = store.get(started.triggeredid)
            if trigger is not None and all(answer.triggeredid != trigger.id for answer in answers):
                triggers.append(trigger)
        return triggers

    async def _resume(self, trigger: KeptnEvent, store: EventStore) -> None:
        request = trigger.data.get("get-sli")
        name = request.get("sliProvider") if isinstance(request, Mapping) else None
        if not isinstance(request, Mapping) or not isinstance(name, str):
            return
        try:
            chosen, asked = await self._prepare(trigger, name, request)
        except SlogateError as error:
            await asyncio.to_thread(store.add, [self._errored(trigger, name, error.message)])
            return
        self._later(trigger, name, chosen, asked, "")

    def _later(
        self, event: KeptnEvent, name: str, provider: SLIProvider, asked: SLIRequest, started_id: str
    ) -> None:
        job = asyncio.create_task(self._in_background(event, name, provider, asked, started_id))
        self._waiting[job] = event
        job.add_done_callback(self._waiting.pop)

    async def idle(self) -> None:
        """Wait until no measurement runs in the background."""
        while self._waiting:
            await asyncio.gather(*list(self._waiting), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop the background measurements (each answered errored) and close the providers."""
        stopped = list(self._waiting.items())
        for job, _ in stopped:
            job.cancel()
        await asyncio.gather(*(job for job, _ in stopped), return_exceptions=True)
        answers = [
            self._errored(event, name, STOPPED.format(provider=name))
            for _, event in stopped
            if isinstance(name := event.data.get("get-sli", {}).get("sliProvider"), str)
        ]
        if answers and self._store is not None:
            await asyncio.to_thread(self._store.add, answers)
        await self._pool.aclose()

    async def _in_background(
        self, event: KeptnEvent, name: str, provider: SLIProvider, asked: SLIRequest, started_id: str
    ) -> None:
        store = self._store
        assert store is not None  # only scheduled with a store
        if started_id and not await stored_in_time(store.get, started_id):
            return  # the dispatcher could not commit the trigger's handling: it redelivers it
        finished = await self._finished(event, name, provider, asked)
        await asyncio.to_thread(store.add, [finished])

    async def _finished(
        self, event: KeptnEvent, name: str, provider: SLIProvider, asked: SLIRequest
    ) -> KeptnEvent:
        try:
            values = await provider.fetch(asked)
        except SlogateError as error:  # refused credentials: the evaluation is errored
            return self._errored(event, name, error.message)
        except Exception as error:  # a defect of a provider plugin: errored, the server goes on
            logger.exception("SLI provider %s failed on %s", name, event.id)
            return self._errored(
                event, name, f"SLI provider '{name}' failed: {type(error).__name__}: {error}"
            )
        result, message = sli_outcome(values)
        return self._answer(
            event, name, GET_SLI_FINISHED, flow.get_sli_finished(event.data, values, result, message)
        )

    def _errored(self, event: KeptnEvent, name: str, message: str) -> KeptnEvent:
        return self._answer(event, name, GET_SLI_FINISHED, flow.get_sli_errored(event.data, message))

    async def _prepare(
        self, event: KeptnEvent, name: str, request: Mapping[str, Any]
    ) -> tuple[SLIProvider, SLIRequest]:
        conf_secret = await asyncio.to_thread(self._dynatrace_secret, event) if name == "dynatrace" else ""
        options = provider_options(name, event.project, self._secrets, self._settings, conf_secret)
        if options is None:
            raise ConfigError(_no_credentials(name, event.project, conf_secret))
        queries = await asyncio.to_thread(
            self._queries, event, sli_uri(name)
        )  # reads and parses: off the loop
        asked = SLIRequest(
            project=event.project,
            stage=event.stage,
            service=event.service,
            start=parse_time(str(request.get("start", ""))),
            end=parse_time(str(request.get("end", ""))),
            indicators=tuple(str(name) for name in request.get("indicators") or ()),
            labels=tuple((str(k), str(v)) for k, v in (event.data.get("labels") or {}).items()),
            deployment=str(event.data.get("deployment") or ""),
            filters=tuple(
                (str(item.get("key", "")), str(item.get("value", "")))
                for item in request.get("customFilters") or ()
                if isinstance(item, Mapping)
            ),
            queries=tuple(queries.items()),
        )
        return await self._pool.provider(name, options), asked

    def _dynatrace_secret(self, event: KeptnEvent) -> str:
        """The ``dtCreds`` of the most specific ``dynatrace/dynatrace.conf.yaml`` (Keptn uses one file, not
        a merge), its placeholders resolved; empty for the default secret. ``ConfigError`` for dashboards."""
        for stage, service in ((event.stage, event.service), (event.stage, ""), ("", "")):
            text = self._resources.read(event.project, stage, service, DYNATRACE_CONF)
            if text:
                return _dt_creds(self._load_document(text, DYNATRACE_CONF), event)
        return ""

    def _queries(self, event: KeptnEvent, uri: str) -> dict[str, str]:
        """``uri`` (e.g. ``prometheus/sli.yaml``) merged key by key: project, stage, then service level."""
        merged: dict[str, str] = {}
        levels = (("", ""), (event.stage, ""), (event.stage, event.service))
        for stage, service in levels:
            text = self._resources.read(event.project, stage, service, uri)
            if text:
                merged.update(load_indicators(text, uri, self._load_document))
        return merged

    def _answer(self, to: KeptnEvent, provider: str, type_: str, data: Mapping[str, Any]) -> KeptnEvent:
        return answer(to, type_, source_of(provider), data, self._now(), to.id)


def _no_credentials(name: str, project: str, conf_secret: str) -> str:
    secret = credentials_secret(name, project, conf_secret)
    keys = ", ".join(secret_keys(name))
    fallback = " or set SLOGATE_PROMETHEUS_URL" if name == flow.DEFAULT_SLI_PROVIDER else ""
    if name in VENDORS:
        return f"no {name} credentials for project {project}: create the secret {secret} with the keys {keys}"
    return f"no {name} endpoint configured for project {project}: create the secret {secret}{fallback}"


def _dt_creds(document: object, event: KeptnEvent) -> str:
    if not isinstance(document, Mapping):
        raise ConfigError(f"{DYNATRACE_CONF}: must be a mapping (spec_version, dtCreds, dashboard)")
    dashboard = _text(document.get("dashboard"))
    if dashboard:
        raise ConfigError(
            f"{DYNATRACE_CONF}: dashboard '{dashboard}': dashboard mode is not supported by slogate; "
            "list the SLIs in dynatrace/sli.yaml and remove the dashboard key"
        )
    name = _text(document.get("dtCreds"))
    for placeholder, value in (
        ("$PROJECT", event.project),
        ("$STAGE", event.stage),
        ("$SERVICE", event.service),
    ):
        name = name.replace(placeholder, value)
    return name


def _text(node: object) -> str:
    scalar = as_scalar(node)
    return "" if scalar is None or scalar.is_null else scalar.text.strip()
