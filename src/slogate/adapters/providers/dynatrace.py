"""The Dynatrace SLI provider: Keptn's ``dynatrace/sli.yaml`` query forms against the Dynatrace API.

Query forms in :mod:`.dynatrace_queries`, value extraction in :mod:`.dynatrace_results`, the
``dynatrace.conf.yaml`` in :mod:`.dynatrace_conf`; the settle wait, placeholders and failures as data
come from :class:`.vendor.VendorProvider`.

Example::

    options = ProviderOptions(url="abc123.live.dynatrace.com", credentials=(("DT_API_TOKEN", token),))
    async with create_provider(options) as provider:
        values = await provider.fetch(request)
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from typing import Any, ClassVar

from slogate.adapters.providers.dynatrace_conf import DynatraceConf, check_conf, parse_conf
from slogate.adapters.providers.dynatrace_queries import (
    DEFAULT_QUERIES,
    RESPONSE_TIME,
    MetricsQuery,
    ProblemsQuery,
    QueryFormError,
    SLOQuery,
    USQLQuery,
    check_query,
    is_usql,
    parse_query,
    token_shape_problem,
    unresolved,
)
from slogate.adapters.providers.dynatrace_results import (
    ResultError,
    SeveralValuesError,
    api_error,
    metrics_value,
    slo_value,
    total_count,
    usql_value,
)
from slogate.adapters.providers.vendor import SLIError, VendorProvider, epoch_millis
from slogate.adapters.providers.vendor_http import VendorCalls, check_base_url, json_or_none
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

__all__ = [
    "DynatraceConf",
    "DynatraceProvider",
    "check_conf",
    "check_query",
    "create_provider",
    "normalise_tenant",
    "parse_conf",
    "token_shape_problem",
]

METRICS_PATH = "/api/v2/metrics/query"
USQL_SETTLE_SECONDS = 360.0


def normalise_tenant(url: str) -> str:
    """``DT_TENANT`` as Keptn read it: spaces and a trailing ``/`` trimmed, ``https://`` added when
    there is no scheme; ``ConfigError`` for another scheme or no host."""
    cleaned = url.strip()
    if not cleaned.rstrip("/"):
        raise ConfigError("Dynatrace DT_TENANT: missing (e.g. https://abc12345.live.dynatrace.com)")
    if "://" not in cleaned:
        cleaned = "https://" + cleaned
    return check_base_url("Dynatrace", cleaned, "DT_TENANT")


def _token(options: ProviderOptions) -> str:
    token = options.credential("DT_API_TOKEN").strip()
    if not token:
        raise ConfigError("Dynatrace DT_API_TOKEN: missing (an API token with the metrics.read scope)")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ConfigError("Dynatrace DT_API_TOKEN: holds spaces or characters not allowed in an HTTP header")
    return token


def _shown(path: str, params: Mapping[str, str]) -> str:
    """The request as users see it: the path and the parameters sent, in order, not URL-encoded."""
    return path + "?" + "&".join(f"{key}={value}" for key, value in params.items())


class DynatraceProvider(VendorProvider):
    """Measures SLIs with Dynatrace's Metrics v2, SLO, Problems v2, Security Problems and USQL APIs."""

    type_name: ClassVar[str] = "dynatrace"
    vendor: ClassVar[str] = "Dynatrace"
    default_settle_seconds: ClassVar[float] = 120.0

    def connect(self, options: ProviderOptions) -> VendorCalls:
        """Calls to the tenant ``DT_TENANT`` with ``Authorization: Api-Token <DT_API_TOKEN>`` (retry
        waits go through the provider's ``sleep``, so tests can watch them)."""
        base_url = normalise_tenant(options.url)
        headers = {"Authorization": f"Api-Token {_token(options)}", "Accept": "application/json"}
        return self.vendor_calls(options, base_url, headers)

    async def probe(self) -> None:
        """A one-minute request-count query: enough to learn whether the token is refused."""
        params = {"metricSelector": "builtin:service.requestCount.total", "from": "now-1m"}
        await self.calls.send("GET", METRICS_PATH, params=params)

    def settle_seconds(self, request: SLIRequest) -> float:
        """The option, else 120 s, or 360 s when a requested SLI is a USQL query (Keptn's delays)."""
        if self.options.settle_seconds is not None:
            return self.options.settle_seconds
        queries = dict(self._queries(request))
        if any(is_usql(queries.get(name, "")) for name in request.indicators):
            return USQL_SETTLE_SECONDS
        return self.default_settle_seconds

    def unsupported(self, request: SLIRequest) -> tuple[str, ...]:
        """The indicators without a query: Keptn's five defaults apply only to an empty sli.yaml."""
        queries = dict(self._queries(request))
        return tuple(name for name in request.indicators if name not in queries)

    async def fetch(self, request: SLIRequest) -> tuple[SLIValue, ...]:
        """One value per indicator; an sli.yaml without entries uses Keptn's five default SLIs."""
        return await super().fetch(dataclasses.replace(request, queries=self._queries(request)))

    @staticmethod
    def _queries(request: SLIRequest) -> tuple[tuple[str, str], ...]:
        return request.queries or tuple(DEFAULT_QUERIES.items())

    async def measure(self, query: str, request: SLIRequest) -> tuple[float, str]:
        """The one value of ``query`` and the request that gave it."""
        left = unresolved(query)
        if left:
            raise SLIError(f"placeholder {left[0]} has no value (no such label in the event, or $ENV)")
        try:
            parsed = parse_query(query)
        except QueryFormError as error:
            raise SLIError(f"cannot parse the query: {error}") from None
        window = {"from": str(epoch_millis(request.start)), "to": str(epoch_millis(request.end))}
        try:
            if isinstance(parsed, MetricsQuery):
                return await self._metrics(parsed, window)
            if isinstance(parsed, SLOQuery):
                return await self._slo(parsed, window)
            if isinstance(parsed, ProblemsQuery):
                return await self._problems(parsed, window)
            return await self._usql(parsed, window)
        except ResultError as error:
            raise SLIError(str(error)) from None

    async def _get(self, path: str, params: dict[str, str]) -> tuple[Any, str]:
        shown = _shown(path, params)
        response = await self.calls.send("GET", path, params=params)
        document = json_or_none(response)
        if response.status_code >= 400:
            raise SLIError(f"{api_error(response.status_code, document, response.text)} (request: {shown})")
        if document is None:
            raise SLIError(f"Dynatrace answered HTTP {response.status_code} without JSON (request: {shown})")
        return document, shown

    async def _metrics(self, query: MetricsQuery, window: dict[str, str]) -> tuple[float, str]:
        document, shown = await self._get(METRICS_PATH, self._metric_params(query, window))
        try:
            value = metrics_value(document)
        except SeveralValuesError as several:
            query = await self._single_value_query(query, several)
            document, shown = await self._get(METRICS_PATH, self._metric_params(query, window))
            value = metrics_value(document)
        if RESPONSE_TIME in query.selector and query.divisor == 1.0:
            return value / 1000.0, shown  # Keptn shows the response time in ms, not µs
        return value / query.divisor, shown

    @staticmethod
    def _metric_params(query: MetricsQuery, window: dict[str, str]) -> dict[str, str]:
        params = {
            "entitySelector": query.entity_selector,
            "from": window["from"],
            "metricSelector": query.selector,
            "mzSelector": query.mz_selector,
            "resolution": query.resolution,
            "to": window["to"],
        }
        return {key: value for key, value in params.items() if value}

    async def _single_value_query(self, query: MetricsQuery, several: SeveralValuesError) -> MetricsQuery:
        """Keptn's retry for one value: ``resolution=Inf`` when the metric supports it and none was
        given, else the selector folded (``(<sel>):fold``) unless its default aggregation is ``value``.
        Without a readable definition: ``resolution=Inf`` when none was given (Keptn gave up)."""
        if query.resolution == "Inf":
            raise SLIError(f"{several} although resolution is already Inf")
        path = "/api/v2/metrics/" + urllib.parse.quote(query.selector, safe="")
        response = await self.calls.send("GET", path)
        definition = json_or_none(response) if response.status_code < 400 else None
        if not isinstance(definition, dict) and not query.resolution:
            return dataclasses.replace(query, resolution="Inf")  # Keptn failed here; Inf usually works
        if not isinstance(definition, dict):
            raise SLIError(
                f"{several}; reading the metric's definition to ask for one value failed (HTTP "
                f"{response.status_code}): add resolution=Inf or ':fold' to the query"
            )
        if definition.get("resolutionInfSupported") is True and not query.resolution:
            return dataclasses.replace(query, resolution="Inf")
        aggregation = definition.get("defaultAggregation")
        if isinstance(aggregation, dict) and aggregation.get("type") == "value":
            raise SLIError(
                f"{several}; unable to apply ':fold' to the metric selector as the default aggregation "
                "type is 'value'"
            )
        return dataclasses.replace(query, selector=f"({query.selector}):fold")

    async def _slo(self, query: SLOQuery, window: dict[str, str]) -> tuple[float, str]:
        path = "/api/v2/slo/" + query.slo_id
        document, shown = await self._get(path, {**window, "timeFrame": "GTF"})
        return slo_value(document), shown

    async def _problems(self, query: ProblemsQuery, window: dict[str, str]) -> tuple[float, str]:
        key, path, api = (
            ("securityProblemSelector", "/api/v2/securityProblems", "Security Problems API v2")
            if query.security
            else ("problemSelector", "/api/v2/problems", "Problems API v2")
        )
        params = {key: query.selector, "entitySelector": query.entity_selector, **window}
        document, shown = await self._get(path, {k: v for k, v in params.items() if v})
        return total_count(document, api), shown

    async def _usql(self, query: USQLQuery, window: dict[str, str]) -> tuple[float, str]:
        params = {
            "query": query.query,
            "explain": "false",
            "addDeepLinkFields": "false",
            "startTimestamp": window["from"],
            "endTimestamp": window["to"],
        }
        document, shown = await self._get("/api/v1/userSessionQueryLanguage/table", params)
        return usql_value(document, query), shown


def create_provider(options: ProviderOptions) -> DynatraceProvider:
    """The entry point of ``slogate.sli_providers``: a Dynatrace provider for ``options``."""
    return DynatraceProvider(options)
