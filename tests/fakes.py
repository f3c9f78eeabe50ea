"""Test doubles for failure injection and scripted values: an SLI provider that answers from a table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import ConfigError


class FakeProvider:
    """Answers each indicator from ``values`` (a missing one fails); records what it was asked."""

    type_name: ClassVar[str] = "fake"

    def __init__(
        self,
        values: Mapping[str, float],
        *,
        unsupported: tuple[str, ...] = (),
        reachable: bool = True,
    ) -> None:
        self.values = dict(values)
        self._unsupported = unsupported
        self._reachable = reachable
        self.requests: list[SLIRequest] = []
        self.closed = False

    async def check(self) -> None:
        """Fail like an unreachable backend when told to."""
        if not self._reachable:
            raise ConfigError("cannot reach fake backend")

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The names this fake was told it has no query for."""
        return tuple(name for name in request.indicators if name in self._unsupported)

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One scripted value per indicator; unknown names fail as a provider would report it."""
        self.requests.append(request)
        return tuple(
            SLIValue(name, self.values[name], True, query=f"fake({name})")
            if name in self.values
            else SLIValue(name, 0.0, False, "query did not return any values", query=f"fake({name})")
            for name in request.indicators
        )

    async def aclose(self) -> None:
        """Remember that the caller closed it."""
        self.closed = True


class FakeClock:
    """A clock that advances one second per reading, so stored events have distinct times."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now
