"""The built-in SLI service (Keptn's prometheus-service and its kin): get-sli.triggered →
get-sli.started/finished, by the registered SLI provider the event's ``sliProvider`` names."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.evaluation.sli import SLIRequest, sli_outcome
from slogate.domain.evaluation.window import parse_time
from slogate.domain.protocol import evaluation_flow as flow
from slogate.domain.protocol.event_types import GET_SLI_FINISHED, GET_SLI_STARTED, GET_SLI_TRIGGERED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import ConfigError, SlogateError
from slogate.ports import DocumentLoader, ResourceReader, SecretReader, SLIProviders
from slogate.services.keptn.emit import answer
from slogate.services.usecases.monitoring import credentials_secret, provider_options
from slogate.services.usecases.offline_gate import load_indicators
from slogate.settings import Settings


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
    ) -> None:
        self._resources = resources
        self._secrets = secrets
        self._settings = settings
        self._providers = providers
        self._load_document = load_document
        self._now = now

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
            finished = await self._measure(event, provider, request)
        except SlogateError as error:  # WindowError too: the whole error tree
            finished = flow.get_sli_errored(event.data, error.message)
        return [began, self._answer(event, provider, GET_SLI_FINISHED, finished)]

    async def _measure(self, event: KeptnEvent, name: str, request: Mapping[str, Any]) -> dict[str, Any]:
        options = provider_options(name, event.project, self._secrets, self._settings)
        if options is None:
            fallback = " or set SLOGATE_PROMETHEUS_URL" if name == flow.DEFAULT_SLI_PROVIDER else ""
            raise ConfigError(
                f"no {name} endpoint configured for project {event.project}: create the secret "
                f"{credentials_secret(name, event.project)}{fallback}"
            )
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
        provider = self._providers.sli_provider(name, options)
        try:
            values = await provider.fetch(asked)
        finally:
            await provider.aclose()
        result, message = sli_outcome(values)
        return flow.get_sli_finished(event.data, values, result, message)

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
