"""What the Dynatrace, Datadog and Sumo Logic providers share: one settle wait per evaluation, one
query per SLI with Keptn's placeholders (values checked before they land in a query), and failures as
data that name the SLI and the query. A subclass says how to build, send and read one query.

Example (a subclass)::

    class ExampleProvider(VendorProvider):
        type_name = "example"
        vendor = "Example"

        async def measure(self, query, request):
            response = await self.calls.send("GET", "/value", params={"q": query})
            return float(response.json()["value"]), f"/value?q={query}"
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import ClassVar, Self

from slogate.adapters.providers.promql import substitutions
from slogate.adapters.providers.vendor_http import (
    CallError,
    CredentialsRefusedError,
    VendorCalls,
    check_limits,
)
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import InputError
from slogate.ports import ProviderOptions

logger = logging.getLogger(__name__)
MAX_AHEAD_SECONDS = 120.0  # the window may end at most this far in the future (Keptn's Dynatrace rule)
SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:\-/]*")


class SLIError(InputError):
    """One SLI that cannot be measured; ``message`` is what its failed value reports."""

    code = "sli_failed"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def window_seconds(request: SLIRequest) -> int:
    """The window's length in whole seconds, rounded up (Keptn's ``$DURATION``)."""
    return math.ceil((request.end - request.start).total_seconds())


def epoch_millis(moment: datetime) -> int:
    """``moment`` (UTC when naive) as Unix milliseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def keptn_placeholders(request: SLIRequest) -> dict[str, str]:
    """Keptn's placeholders every provider knows, as the Prometheus provider builds them: SLO filters
    (``$key`` and ``$KEY``, quotes stripped), ``$PROJECT $STAGE $SERVICE $DEPLOYMENT`` and ``$LABEL.<key>``
    (``$DURATION_SECONDS`` is Prometheus's own)."""
    return {one.placeholder: one.value for one in substitutions(request) if not one.verbatim}


def substitute(template: str, values: Mapping[str, str], verbatim: frozenset[str] = frozenset()) -> str:
    """``template`` with each placeholder of ``values`` replaced in one pass (longest name first, a
    value never searched again). ``SLIError`` when a used value other than those in ``verbatim`` holds
    anything but letters, digits and ``_ . : - /``: it could change the query's meaning."""
    if not values:
        return template
    pattern = re.compile("|".join(re.escape(name) for name in sorted(values, key=len, reverse=True)))

    def replace(match: re.Match[str]) -> str:
        name = match.group(0)
        value = values[name]
        if name not in verbatim and not SAFE_VALUE.fullmatch(value):
            raise SLIError(
                f"the value {value!r} of {name} holds characters that cannot be placed in a query safely "
                "(allowed: letters, digits and _ . : - /)"
            )
        return value

    return pattern.sub(replace, template)


class VendorProvider:
    """Measures SLIs against one vendor API; a subclass builds ``calls`` and implements ``measure``."""

    type_name: ClassVar[str] = ""
    vendor: ClassVar[str] = ""
    default_settle_seconds: ClassVar[float] = 0.0

    def __init__(
        self,
        options: ProviderOptions,
        *,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_limits(self.vendor, options)
        self.options = options
        self._now, self._sleep = now, sleep
        self._clock = clock  # measures the retry time; tests pass one that their ``sleep`` advances
        self.on_wait: Callable[[float], object] | None = None  # told the seconds before a settle wait
        self.calls: VendorCalls = self.connect(options)

    def connect(self, options: ProviderOptions) -> VendorCalls:
        """The vendor's calls for ``options`` (checked; ``ConfigError`` naming the bad field)."""
        raise NotImplementedError

    def vendor_calls(
        self,
        options: ProviderOptions,
        base_url: str,
        headers: Mapping[str, str],
        *,
        auth: tuple[str, str] | None = None,
    ) -> VendorCalls:
        """``VendorCalls`` for ``connect``: retry waits and the retry time go through the provider's
        ``sleep`` and ``clock``, so tests that inject them see every wait."""
        return VendorCalls(
            self.vendor, options, base_url, headers, auth=auth, sleep=self._sleep, clock=self._clock
        )

    async def measure(self, query: str, request: SLIRequest) -> tuple[float, str]:
        """The one value of ``query`` (placeholders resolved) and the request actually sent, as shown
        to users; ``SLIError``/``CallError`` when there is no single usable value."""
        raise NotImplementedError

    def placeholders(self, request: SLIRequest) -> dict[str, str]:
        """The placeholders this vendor's queries may use, with their values for ``request``."""
        return keptn_placeholders(request)

    def verbatim(self) -> frozenset[str]:
        """Placeholders whose values slogate computes itself (e.g. ``$DURATION``): inserted unchecked."""
        return frozenset()

    def settle_seconds(self, request: SLIRequest) -> float:
        """How long after the window's end the vendor's data is complete (the option, else the default)."""
        chosen = self.options.settle_seconds
        return self.default_settle_seconds if chosen is None else chosen

    def settle_wait(self, request: SLIRequest) -> float:
        """Seconds from now until the data of ``request``'s window has settled (0: query at once)."""
        due = request.end.timestamp() + self.settle_seconds(request)
        return max(0.0, due - self._now().timestamp())

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The indicators of ``request`` without a query in the provider's ``sli.yaml``."""
        queries = dict(request.queries)
        return tuple(name for name in request.indicators if name not in queries)

    async def check(self) -> None:
        """Nothing to ask before the queries: refused credentials surface as ``CredentialsRefusedError``."""

    async def probe(self) -> None:
        """One cheap call that needs the credentials (a subclass's), sent before a settle wait so that
        refused credentials fail at once instead of after the wait; only ``CredentialsRefusedError``
        counts, any other answer is ignored."""

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One value per indicator, in order, after one settle wait; ``CredentialsRefusedError`` when the
        vendor refuses the credentials (the evaluation is errored, not failed)."""
        too_early = await self._settle(request)
        if too_early:
            return tuple(SLIValue(name, message=too_early) for name in request.indicators)
        queries = dict(request.queries)
        measured = await asyncio.gather(
            *(self._one(name, queries.get(name), request) for name in request.indicators),
            return_exceptions=True,
        )
        for outcome in measured:
            if isinstance(outcome, BaseException):  # only CredentialsRefusedError (or a cancellation)
                raise outcome
        return tuple(value for value in measured if isinstance(value, SLIValue))

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self.calls.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _settle(self, request: SLIRequest) -> str:
        settle, wait = self.settle_seconds(request), self.settle_wait(request)
        allowed = settle + MAX_AHEAD_SECONDS
        if wait > allowed:
            return (
                f"the window ends {wait - settle:.0f} s from now: {self.vendor} data "
                f"would settle after {wait:.0f} s, more than the {allowed:.0f} s slogate waits"
            )
        if wait > 0:
            await self._probe_credentials()
            if self.on_wait is not None:
                self.on_wait(wait)
            await self._sleep(wait)
        return ""

    async def _probe_credentials(self) -> None:
        try:
            await self.probe()
        except CredentialsRefusedError:
            raise
        except Exception:  # not the credentials: the queries will tell
            logger.debug("%s: the credentials probe did not answer", self.vendor, exc_info=True)

    async def _one(self, name: str, template: str | None, request: SLIRequest) -> SLIValue:
        if template is None:
            where = f"{self.type_name}/sli.yaml"
            return SLIValue(name, message=f"SLI '{name}': no query for it in {where}")
        query = template
        try:
            query = substitute(template, self.placeholders(request), self.verbatim())
            value, sent = await self.measure(query, request)
        except (SLIError, CallError) as error:
            return SLIValue(name, message=f"SLI '{name}': {error.message} (query: {query})", query=query)
        except CredentialsRefusedError:
            raise
        except Exception as error:  # failures are data: an unexpected answer fails this SLI only
            message = f"SLI '{name}': {type(error).__name__}: {error} (query: {query})"
            return SLIValue(name, message=message, query=query)
        if not math.isfinite(value):
            message = f"SLI '{name}': {self.vendor} returned {value} (query: {query})"
            return SLIValue(name, message=message, query=sent)
        return SLIValue(name, value, success=True, query=sent)
