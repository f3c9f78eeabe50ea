"""The Prometheus SLI provider: one instant query per SLI at the window's end, failures as data.

It reproduces Keptn's prometheus-service (query building in :mod:`.promql`, value extraction and its
messages here), adds bearer tokens, a per-query timeout and bounded concurrency. Every returned
value carries the resolved query; a failed one also names it in its message.

Example::

    async with PrometheusProvider(ProviderOptions(url="http://127.0.0.1:9090")) as provider:
        values = await provider.fetch(request)
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar

import httpx

from slogate.adapters.providers.promql import QueryBuilder, QueryError
from slogate.adapters.providers.vendor_http import check_base_url
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

QUERY_PATH = "/api/v1/query"
API_ERROR_PREFIX = "unable to query prometheus api: "
NO_VALUES = "query did not return any values"
MULTIPLE_VALUES = "query did return multiple values"
INVALID_VALUES = "query did not return valid values"
NOT_A_VECTOR = "prometheus api response is not a Vector: "
_API_ERROR_CODES = frozenset({400, 422, 503})  # Prometheus answers these with a JSON error body
_METHOD_NOT_SUPPORTED = frozenset({405, 501})  # client_golang then retries the query with GET

logger = logging.getLogger(__name__)


def check_options(options: ProviderOptions) -> None:
    """``ConfigError`` naming the field when ``options`` cannot reach a Prometheus: the URL, the
    credentials (basic auth or a bearer token) and the limits."""
    in_url = "put credentials into username and password, not into the URL"
    check_base_url("prometheus", options.url, "url", in_url)
    if options.password and not options.username:
        raise ConfigError("prometheus username: required when a password is set")
    if options.bearer_token and (options.username or options.password):
        raise ConfigError(
            "prometheus bearer_token: use either basic auth (username, password) or a bearer token"
        )
    if not options.timeout_seconds > 0 or math.isinf(options.timeout_seconds):
        raise ConfigError(f"prometheus timeout_seconds: {options.timeout_seconds!r} is not a positive number")
    if options.concurrency < 1:
        raise ConfigError(f"prometheus concurrency: {options.concurrency!r} is not at least 1")


def query_url(base_url: str) -> str:
    """The instant-query endpoint of the Prometheus at ``base_url``."""
    return base_url.rstrip("/") + QUERY_PATH


def auth_headers(options: ProviderOptions) -> dict[str, str]:
    """The ``Authorization`` header for the configured credentials (empty without any)."""
    if options.bearer_token:
        return {"Authorization": f"Bearer {options.bearer_token}"}
    if options.username:
        token = base64.b64encode(f"{options.username}:{options.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    return {}


class PrometheusProvider:
    """Measures SLIs with Prometheus instant queries; use it within one event loop and close it."""

    type_name: ClassVar[str] = "prometheus"

    def __init__(self, options: ProviderOptions, client: httpx.AsyncClient | None = None) -> None:
        check_options(options)
        self.options = options
        self._query_url = query_url(options.url)
        self._timeout = httpx.Timeout(options.timeout_seconds)
        self._owns_client = client is None
        if client is None:
            pool = options.concurrency
            limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
            client = httpx.AsyncClient(timeout=self._timeout, limits=limits)
        self._client = client
        self._headers = auth_headers(options)
        self._slots = asyncio.Semaphore(options.concurrency)

    async def __aenter__(self) -> PrometheusProvider:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()

    async def check(self) -> None:
        """Ask Prometheus a trivial query; ConfigError naming the URL when it cannot be reached or refuses."""
        where = self.options.url
        try:
            response = await self._client.get(
                self._query_url, params={"query": "1"}, headers=self._headers, timeout=self._timeout
            )
        except httpx.HTTPError as error:
            reason = str(error) or type(error).__name__
            raise ConfigError(
                f"cannot reach Prometheus at {where}: {reason} (check --prometheus-url)"
            ) from None
        if response.status_code in (401, 403):
            raise ConfigError(
                f"Prometheus at {where} refused the credentials (HTTP {response.status_code}): set "
                "SLOGATE_PROMETHEUS_USER and SLOGATE_PROMETHEUS_PASSWORD, or SLOGATE_PROMETHEUS_TOKEN"
            )
        try:
            api_payload(response)
        except QueryError as error:
            raise ConfigError(f"{where} does not answer like Prometheus: {error.message}") from None

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The indicators of ``request`` with neither an ``sli.yaml`` query nor a built-in default."""
        builder = QueryBuilder(request)
        return tuple(name for name in request.indicators if not builder.supports(name))

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One value per indicator, in order; queries run concurrently and never raise."""
        builder = QueryBuilder(request)
        time = unix_seconds(request.end)
        measured = await asyncio.gather(*(self._measure(name, builder, time) for name in request.indicators))
        return tuple(measured)

    async def aclose(self) -> None:
        """Close the HTTP client if this provider created it."""
        if self._owns_client:
            await self._client.aclose()

    async def _measure(self, name: str, builder: QueryBuilder, time: str) -> SLIValue:
        try:
            query = builder.build(name)
        except QueryError as error:
            return SLIValue(name, message=_with_query(error.message, error.query), query=error.query)
        try:
            async with self._slots:
                payload = await self._query(query, time)
            value = extract_value(payload)
        except QueryError as error:
            return SLIValue(name, message=_with_query(error.message, query), query=query)
        except Exception as error:  # failures are data: nothing escapes to the caller
            message = f"{API_ERROR_PREFIX}{type(error).__name__}: {error}"
            return SLIValue(name, message=_with_query(message, query), query=query)
        return SLIValue(name, value, success=True, query=query)

    async def _query(self, query: str, time: str) -> dict[str, Any]:
        seconds = self.options.timeout_seconds
        form = {"query": query, "time": time}
        url, headers, timeout = self._query_url, self._headers, self._timeout
        try:
            async with asyncio.timeout(seconds):
                response = await self._client.post(url, data=form, headers=headers, timeout=timeout)
                if response.status_code in _METHOD_NOT_SUPPORTED:
                    response = await self._client.get(url, params=form, headers=headers, timeout=timeout)
        except (TimeoutError, httpx.TimeoutException):
            raise QueryError(f"{API_ERROR_PREFIX}no answer within the timeout of {seconds:g} s") from None
        except httpx.HTTPError as error:  # named with the URL, as Go's client errors are in Keptn's text
            where = httpx.URL(self._query_url).copy_with(username=None, password=None)
            raise QueryError(f"{API_ERROR_PREFIX}POST {where}: {type(error).__name__}: {error}") from None
        return api_payload(response)


def create_provider(options: ProviderOptions) -> PrometheusProvider:
    """The entry point of ``slogate.sli_providers``: a provider for ``options``."""
    return PrometheusProvider(options)


def api_payload(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer; QueryError as client_golang words HTTP and API errors."""
    code = response.status_code
    if code // 100 != 2 and code not in _API_ERROR_CODES:
        kind = "server" if code // 100 == 5 else "client"
        raise QueryError(f"{API_ERROR_PREFIX}{kind}_error: {kind} error: {code}")
    try:
        payload = response.json()
    except ValueError as error:
        raise QueryError(f"{API_ERROR_PREFIX}bad_response: {error}") from None
    if not isinstance(payload, dict):
        raise QueryError(f"{API_ERROR_PREFIX}bad_response: the body is not a JSON object")
    if payload.get("status") == "error" or code // 100 != 2:
        raise QueryError(f"{API_ERROR_PREFIX}{payload.get('errorType', '')}: {payload.get('error', '')}")
    if payload.get("warnings"):
        logger.info("Prometheus API returned warnings: %s", payload["warnings"])
    return payload


def extract_value(payload: dict[str, Any]) -> float:
    """The single finite sample of an instant-vector answer (Keptn's rules; slogate also rejects ±Inf)."""
    data = payload.get("data")
    if not isinstance(data, dict):
        raise QueryError(f"{API_ERROR_PREFIX}bad_response: the answer has no data")
    if data.get("resultType") != "vector":
        raise QueryError(NOT_A_VECTOR + str(data.get("resultType")))
    samples = data.get("result") or []
    if not samples:
        raise QueryError(NO_VALUES)
    if len(samples) > 1:
        raise QueryError(MULTIPLE_VALUES)
    try:
        value = float(samples[0]["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        raise QueryError(INVALID_VALUES) from None
    if not math.isfinite(value):
        raise QueryError(INVALID_VALUES)
    return value


def unix_seconds(moment: datetime) -> str:
    """``moment`` (UTC when naive) as Unix seconds, e.g. ``1704103320`` or ``1704103320.5``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.timestamp():.6f}".rstrip("0").rstrip(".")


def _with_query(message: str, query: str) -> str:
    return f"{message} (query: {query})" if query else message
