"""Running the Datadog provider against the fake in tests: a request, options, a recorded clock and sleep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.adapters.providers.datadog import DatadogProvider
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions
from tests.support.fake_datadog import API_KEY, APP_KEY, FakeDatadog

END = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
WINDOW = 120
LATENCY = (
    "avg:trace.http.request.duration{service:$SERVICE,env:$stage,build:$LABEL.buildId}.rollup(avg, $DURATION)"
)


class Timing:
    """A clock and a sleep for the provider: sleeping advances the clock and is recorded."""

    def __init__(self, now: datetime) -> None:
        self.moment = now
        self.monotonic = 1000.0
        self.waits: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def clock(self) -> float:
        return self.monotonic

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.moment += timedelta(seconds=seconds)
        self.monotonic += seconds


def sli_request(*queries: tuple[str, str], build: str = "b1", end: datetime = END) -> SLIRequest:
    """A get-sli request for shop/qa/cart over the WINDOW seconds before ``end``."""
    return SLIRequest(
        "shop",
        "qa",
        "cart",
        end - timedelta(seconds=WINDOW),
        end,
        tuple(name for name, _ in queries),
        labels=(("buildId", build),),
        queries=queries,
    )


def options(url: str, **fields: Any) -> ProviderOptions:
    """Options with the fake's keys (``api_key``/``app_key`` override them) and no settle wait unless told."""
    keys = (("DD_API_KEY", fields.pop("api_key", API_KEY)), ("DD_APP_KEY", fields.pop("app_key", APP_KEY)))
    fields.setdefault("settle_seconds", 0.0)
    return ProviderOptions(url=url, credentials=keys, **fields)


def fetch(
    fake: FakeDatadog, request: SLIRequest, timing: Timing | None = None, **fields: Any
) -> tuple[SLIValue, ...]:
    """Run a fresh provider against ``fake`` (with ``timing``'s clock and sleep; by default the
    request's end is now, so nothing settles)."""
    chosen = timing or Timing(request.end + timedelta(hours=1))

    async def run() -> tuple[SLIValue, ...]:
        provider = DatadogProvider(
            options(fake.url, **fields), now=chosen.now, sleep=chosen.sleep, clock=chosen.clock
        )
        async with provider:
            return await provider.fetch(request)

    return asyncio.run(run())


def one(values: tuple[SLIValue, ...]) -> SLIValue:
    """The only value."""
    assert len(values) == 1
    return values[0]
