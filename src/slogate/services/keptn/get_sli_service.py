"""The built-in SLI service (Keptn's prometheus-service): get-sli.triggered → get-sli.started/finished."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.evaluation.sli import SLIRequest, sli_outcome
from slogate.domain.evaluation.window import WindowError, parse_time
from slogate.domain.protocol import evaluation_flow as flow
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.errors import ConfigError, SlogateError
from slogate.ports import DocumentLoader, ProviderOptions, ResourceReader, SecretReader, SLIProvider
from slogate.services.keptn.emit import answer
from slogate.services.usecases.monitoring import prometheus_options
from slogate.services.usecases.offline_gate import load_indicators
from slogate.settings import Settings

SOURCE = "prometheus-service"
GET_SLI_TRIGGERED = "sh.keptn.event.get-sli.triggered"
GET_SLI_STARTED = "sh.keptn.event.get-sli.started"
GET_SLI_FINISHED = "sh.keptn.event.get-sli.finished"
SLI_URI = "prometheus/sli.yaml"


class SLIService:
    """Fetches the requested SLIs from the project's Prometheus and answers with their values."""

    name = "prometheus-service"
    types: tuple[str, ...] = (GET_SLI_TRIGGERED,)

    def __init__(
        self,
        resources: ResourceReader,
        secrets: SecretReader,
        settings: Settings,
        provider_factory: Callable[[ProviderOptions], SLIProvider],
        load_document: DocumentLoader,
        now: Callable[[], datetime],
    ) -> None:
        self._resources = resources
        self._secrets = secrets
        self._settings = settings
        self._provider_factory = provider_factory
        self._load_document = load_document
        self._now = now

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """get-sli.started and get-sli.finished for a get-sli.triggered addressed to Prometheus."""
        request = event.data.get("get-sli")
        if not isinstance(request, Mapping) or request.get("sliProvider") != flow.PROMETHEUS:
            return []
        began = self._answer(event, GET_SLI_STARTED, flow.started(event.data))
        try:
            finished = await self._measure(event, request)
        except (SlogateError, WindowError) as error:
            message = error.message if isinstance(error, SlogateError) else str(error)
            finished = flow.get_sli_errored(event.data, message)
        return [began, self._answer(event, GET_SLI_FINISHED, finished)]

    async def _measure(self, event: KeptnEvent, request: Mapping[str, Any]) -> dict[str, Any]:
        options = prometheus_options(event.project, self._secrets, self._settings)
        if options is None:
            raise ConfigError(
                f"no Prometheus configured for project {event.project}: create the secret "
                f"prometheus-credentials-{event.project} or set SLOGATE_PROMETHEUS_URL"
            )
        queries = await asyncio.to_thread(self._queries, event)  # reads and parses sli.yaml: off the loop
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
        provider = self._provider_factory(options)
        try:
            values = await provider.fetch(asked)
        finally:
            await provider.aclose()
        result, message = sli_outcome(values)
        return flow.get_sli_finished(event.data, values, result, message)

    def _queries(self, event: KeptnEvent) -> dict[str, str]:
        """``prometheus/sli.yaml`` merged key by key: project, then stage, then service level."""
        merged: dict[str, str] = {}
        levels = (("", ""), (event.stage, ""), (event.stage, event.service))
        for stage, service in levels:
            text = self._resources.read(event.project, stage, service, SLI_URI)
            if text:
                merged.update(load_indicators(text, SLI_URI, self._load_document))
        return merged

    def _answer(self, to: KeptnEvent, type_: str, data: Mapping[str, Any]) -> KeptnEvent:
        return answer(to, type_, SOURCE, data, self._now(), to.id)
