"""The small interfaces (ports) that services depend on and adapters implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from slogate.domain.events import KeptnEvent, SLIValue
from slogate.domain.sli import SLIRequest


class DocumentLoader(Protocol):
    """Parses YAML text into the domain's document tree, or raises ``DocumentError``."""

    def __call__(self, text: str, source: str) -> object:
        """Parse ``text``; ``source`` names the file in error messages."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderOptions:
    """How to reach a metrics backend: what ``slogate evaluate`` and the settings give a provider."""

    url: str
    username: str = ""
    password: str = ""
    bearer_token: str = ""
    timeout_seconds: float = 10.0
    concurrency: int = 8


class SLIProvider(Protocol):
    """Measures SLIs for a window. Failures are data: a value with ``success=False`` and a message.

    Example::

        provider = PrometheusProvider(PrometheusConfig(url="http://127.0.0.1:9090"))
        values = await provider.fetch(request)   # one SLIValue per request.indicators, same order
    """

    type_name: ClassVar[str]

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One value per indicator of ``request``, in its order; never raises for a failed query."""
        ...

    async def check(self) -> None:
        """Raise ``ConfigError`` naming the URL when the backend cannot be reached or refuses us."""
        ...

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The indicators of ``request`` this provider has no query for (configured or built in)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class SLIProviderFactory(Protocol):
    """What an entry point of ``slogate.sli_providers`` names: builds a provider from options."""

    def __call__(self, options: ProviderOptions) -> SLIProvider:
        """A provider for ``options``; invalid options raise ``ConfigError``."""
        ...


class EventStore(Protocol):
    """Keeps Keptn events; answers the datastore queries the gate and the server need."""

    def add(self, events: Sequence[KeptnEvent]) -> None:
        """Store ``events`` in one transaction (all or nothing)."""
        ...

    def get(self, event_id: str) -> KeptnEvent | None:
        """The event with ``event_id``, or None."""
        ...

    def latest_evaluations(
        self,
        project: str,
        stage: str,
        service: str,
        *,
        limit: int,
        results: frozenset[str] | None = None,
        exclude_invalidated: bool = True,
    ) -> list[KeptnEvent]:
        """``evaluation.finished`` events of one service, newest first, as Keptn's datastore answers.

        ``results`` keeps only those whose ``data.result`` is one of them; ``exclude_invalidated``
        drops those whose ``triggeredid`` has an ``evaluation.invalidated`` event.
        """
        ...

    def invalidated_triggered_ids(self, triggered_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``triggered_ids`` have an ``evaluation.invalidated`` event."""
        ...

    def find(
        self,
        *,
        type: str | None = None,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
        shkeptncontext: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[KeptnEvent]:
        """Events matching every given field, newest first, paged."""
        ...


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event waiting for a subscriber, with its position in the log."""

    seq: int
    event: KeptnEvent


class DispatchStore(Protocol):
    """The event log as in-process services consume it: at least once, in order, atomically."""

    def pending(self, subscriber: str, types: Sequence[str], limit: int) -> list[PendingEvent]:
        """Events of ``types`` the subscriber has not completed, oldest first."""
        ...

    def complete(self, subscriber: str, pending: PendingEvent, emitted: Sequence[KeptnEvent]) -> None:
        """Store what handling ``pending`` emitted and mark it done, in one transaction."""
        ...


class ResourceReader(Protocol):
    """Reads configuration files (slo.yaml, prometheus/sli.yaml) at a level and revision."""

    def read(self, project: str, stage: str, service: str, uri: str, revision: str = "") -> str | None:
        """The text of ``uri`` (stage/service ``""`` for a higher level), or None when absent."""
        ...


class SecretReader(Protocol):
    """Reads the values of a stored secret (never exposed over HTTP)."""

    def secret(self, name: str, scope: str) -> Mapping[str, str] | None:
        """The key/value map of secret ``name`` in ``scope``, or None."""
        ...
