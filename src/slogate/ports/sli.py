"""Ports of SLI retrieval: reading documents, provider options and SLI providers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue


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
    password: str = field(default="", repr=False)
    bearer_token: str = field(default="", repr=False)
    timeout_seconds: float = 10.0
    concurrency: int = 8
    credentials: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # vendor keys, e.g. DD_API_KEY
    settle_seconds: float | None = None  # wait until window end + this before querying; None: provider's
    retry_seconds: float = 30.0  # the total time 429/503 answers are retried within

    def credential(self, key: str) -> str:
        """The vendor credential ``key`` (e.g. ``DD_APP_KEY``), empty when not given."""
        return dict(self.credentials).get(key, "")


class SLIProvider(Protocol):
    """Measures SLIs for a window. Failures are data: a value with ``success=False`` and a message.

    Example::

        provider = PrometheusProvider(ProviderOptions(url="http://127.0.0.1:9090"))
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


class SLIProviders(Protocol):
    """The registered SLI providers, by the name a get-sli.triggered's ``sliProvider`` gives."""

    def has_sli_provider(self, name: str) -> bool:
        """Whether a provider ``name`` is registered."""
        ...

    def sli_provider(self, name: str, options: ProviderOptions) -> SLIProvider:
        """A provider ``name`` for ``options``; ``ConfigError`` when it is missing or does not fit."""
        ...
