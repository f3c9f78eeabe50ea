"""The SLI providers the server has built, one per provider name and options (so one pooled HTTP client
per backend configuration), reused across get-sli events and closed when the server stops."""

from __future__ import annotations

import logging

from slogate.ports import ProviderOptions, SLIProvider, SLIProviders

KEPT = 32  # provider configurations kept open; the least recently used one is closed beyond this
logger = logging.getLogger(__name__)


class ProviderPool:
    """Builds a provider on first use of ``(name, options)`` and hands out the same one afterwards."""

    def __init__(self, providers: SLIProviders, kept: int = KEPT) -> None:
        self._providers = providers
        self._kept = kept
        self._built: dict[tuple[str, ProviderOptions], SLIProvider] = {}

    async def provider(self, name: str, options: ProviderOptions) -> SLIProvider:
        """The provider ``name`` for ``options`` (``ConfigError`` when it cannot be built)."""
        key = (name, options)
        found = self._built.pop(key, None)
        if found is None:
            found = self._providers.sli_provider(name, options)
        self._built[key] = found  # the most recently used last
        while len(self._built) > self._kept:
            oldest = next(iter(self._built))
            await self._close(self._built.pop(oldest))
        return found

    async def aclose(self) -> None:
        """Close every provider built."""
        built, self._built = list(self._built.values()), {}
        for provider in built:
            await self._close(provider)

    @staticmethod
    async def _close(provider: SLIProvider) -> None:
        try:
            await provider.aclose()
        except Exception:  # closing: one failure must not keep the others open
            logger.exception("closing the %s provider failed", provider.type_name)
