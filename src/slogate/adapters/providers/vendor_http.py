"""The HTTP side every vendor SLI provider shares: one pooled client, a timeout on every call, a
concurrency limit, and 429/503 retried with backoff that honours ``Retry-After`` and
``X-RateLimit-Reset`` within a bounded total time.

Example::

    calls = VendorCalls("Datadog", options, headers={"DD-API-KEY": key})
    response = await calls.send("GET", "/api/v1/query", params={"query": q, "from": 1, "to": 2})
    await calls.aclose()
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from slogate.errors import ConfigError, SlogateError
from slogate.ports import ProviderOptions

RETRIED = frozenset({429, 503})
REFUSED = frozenset({401, 403})
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 8.0
_EPOCH_FLOOR = 1_000_000_000  # an X-RateLimit-Reset above this is a Unix time, below it seconds to wait


class CallError(SlogateError):
    """A call that brought no usable answer; ``message`` says why (status, timeout, transport)."""

    code = "vendor_call_failed"

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class CredentialsRefusedError(ConfigError):
    """The vendor refused the credentials (HTTP 401/403): the whole evaluation is errored."""

    code = "credentials_refused"


def check_base_url(
    vendor: str, url: str, field: str, in_url: str = "the URL must not hold credentials"
) -> str:
    """``url`` without a trailing ``/`` when it is an http(s) URL with a host; ``ConfigError`` naming
    ``field`` otherwise (credentials belong elsewhere, never in the URL: ``in_url`` says where)."""
    cleaned = url.strip().rstrip("/")
    try:
        parts = urllib.parse.urlsplit(cleaned)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed port or IPv6 address
        valid = False
    if not valid:
        raise ConfigError(f"{vendor} {field}: {url!r} is not an http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(f"{vendor} {field}: {in_url}")
    return cleaned


def check_limits(vendor: str, options: ProviderOptions) -> None:
    """``ConfigError`` when the timeout, retry budget, settle time or concurrency is out of range."""
    for name, value in (("timeout", options.timeout_seconds), ("retry time", options.retry_seconds)):
        if not value >= 0 or math.isinf(value) or (name == "timeout" and value == 0):
            raise ConfigError(f"{vendor} {name}: {value!r} is not a positive number of seconds")
    settle = options.settle_seconds
    if settle is not None and (not settle >= 0 or math.isinf(settle)):
        raise ConfigError(f"{vendor} settle time: {settle!r} is not a number of seconds ≥ 0")
    if options.concurrency < 1:
        raise ConfigError(f"{vendor} concurrency: {options.concurrency!r} is not at least 1")


def retry_delay(response: httpx.Response, attempt: int, wall_clock: float) -> float:
    """Seconds to wait before retrying ``response``: its ``Retry-After`` (seconds or an HTTP date),
    else its ``X-RateLimit-Reset`` (seconds to the reset, or a Unix time), else an exponential backoff."""
    backoff = min(MAX_BACKOFF, FIRST_BACKOFF * (2.0**attempt))
    header = response.headers.get("Retry-After", "").strip()
    if header:
        seconds = _number(header)
        if seconds is None:
            moment = _http_date(header)
            seconds = None if moment is None else moment - wall_clock
        if seconds is not None:
            return max(0.0, seconds)
    reset = _number(response.headers.get("X-RateLimit-Reset", ""))
    if reset is None:
        return backoff
    return max(0.0, reset - wall_clock if reset > _EPOCH_FLOOR else reset)


def json_or_none(response: httpx.Response) -> object:
    """The JSON of ``response``'s body, None when it is not JSON."""
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError included
        return None


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if not math.isnan(value) else None


def _http_date(text: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


class VendorCalls:
    """Calls one vendor API at ``base_url`` with fixed headers; use it within one event loop."""

    def __init__(
        self,
        vendor: str,
        options: ProviderOptions,
        base_url: str,
        headers: Mapping[str, str],
        *,
        auth: tuple[str, str] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.vendor = vendor
        self.base_url = base_url
        self._seconds = options.timeout_seconds
        self._budget = options.retry_seconds
        self._slots = asyncio.Semaphore(options.concurrency)
        self._sleep, self._clock = sleep, clock
        pool = options.concurrency
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers),
            auth=auth,
            timeout=httpx.Timeout(options.timeout_seconds),
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
            follow_redirects=False,
            transport=transport,  # tests inject failures here
        )

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
    ) -> httpx.Response:
        """The answer to one call, after retrying 429/503 within the retry time; ``CredentialsRefusedError``
        for 401/403, ``CallError`` for a timeout, a transport error or retries used up."""
        deadline = self._clock() + self._budget
        attempt = 0
        while True:
            response = await self._once(method, path, params, json)
            if response.status_code in REFUSED:
                raise CredentialsRefusedError(
                    f"{self.vendor} refused the credentials: HTTP {response.status_code} for "
                    f"{method} {self.base_url}{path}{_body_hint(response)}"
                )
            if response.status_code not in RETRIED:
                return response
            delay = retry_delay(response, attempt, time.time())
            attempt += 1
            if self._clock() + delay > deadline:
                raise CallError(
                    f"{self.vendor} answered HTTP {response.status_code} {attempt} time(s); retrying after "
                    f"{delay:.3g} s would exceed the retry time of {self._budget:g} s",
                    response.status_code,
                )
            await self._sleep(delay)

    async def _once(
        self, method: str, path: str, params: Mapping[str, str] | None, body: object
    ) -> httpx.Response:
        try:
            async with self._slots, asyncio.timeout(self._seconds):
                return await self._client.request(method, path, params=params, json=body)
        except (TimeoutError, httpx.TimeoutException):
            raise CallError(
                f"{self.vendor} gave no answer within the timeout of {self._seconds:g} s "
                f"({method} {self.base_url}{path})"
            ) from None
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise CallError(f"cannot reach {self.vendor} at {self.base_url}: {reason}") from None


def _body_hint(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f": {text[:200]}" if text else ""
