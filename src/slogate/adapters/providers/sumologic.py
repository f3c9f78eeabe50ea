"""The Sumo Logic SLI provider: Keptn's sumologic-service queries sent to ``POST /v1/metricsQueries``.

Each ``sumologic/sli.yaml`` query holds one ``quantize to <interval> using <rollup>`` clause right
after the selector; it is cut out and sent as the row's ``quantization`` and ``rollup`` (the API takes
no ``quantize`` in a query). With ``quantize to $DURATION`` the window is one bucket, so the answer
must be one series with one point; anything else is a failed SLI saying what came back.

Example::

    options = ProviderOptions(url="eu", credentials=(("ACCESS_ID", i), ("ACCESS_KEY", k)))
    async with SumoLogicProvider(options) as provider:
        values = await provider.fetch(request)
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from typing import Any, ClassVar

import httpx

from slogate.adapters.providers.sumologic_query import (
    BARE_DURATION,
    SumoQuery,
    api_base,
    check_query,
    error_text,
    parse_query,
    placeholder_problem,
    single_value,
    unresolved,
)
from slogate.adapters.providers.vendor import (
    SLIError,
    VendorProvider,
    epoch_millis,
    keptn_placeholders,
    window_seconds,
)
from slogate.adapters.providers.vendor_http import VendorCalls
from slogate.domain.evaluation.sli import SLIRequest
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

__all__ = ["SumoLogicProvider", "check_query", "create_provider", "request_body"]

QUERY_PATH = "/v1/metricsQueries"
MOVED = frozenset({301, 302, 307, 308})
NOT_JSON = object()
CREDENTIAL_KEYS = ("ACCESS_ID", "ACCESS_KEY")
MAX_CONCURRENT = 10  # Sumo Logic allows 10 concurrent requests per access key
WRONG_REGION = (
    "the region or endpoint is wrong for this account: set the region code of its deployment "
    "(REGION_CODE in the secret, SUMOLOGIC_ENDPOINT for slogate evaluate)"
)


def request_body(parsed: SumoQuery, request: SLIRequest) -> dict[str, Any]:
    """The JSON body of ``POST /v1/metricsQueries`` for one query over ``request``'s window."""
    row = {
        "rowId": "A",
        "query": parsed.query,
        "quantization": parsed.quantization_ms,
        "rollup": parsed.rollup,
    }
    return _body(row, epoch_millis(request.start), epoch_millis(request.end))


def _body(row: dict[str, Any], start_millis: int, end_millis: int) -> dict[str, Any]:
    """A ``POST /v1/metricsQueries`` body: the one query ``row`` between two Unix milliseconds."""
    return {
        "queries": [row],
        "timeRange": {
            "type": "BeginBoundedTimeRange",
            "from": _boundary(start_millis, "from"),
            "to": _boundary(end_millis, "to"),
        },
    }


def _boundary(millis: int, name: str) -> dict[str, Any]:
    return {"type": "EpochTimeRangeBoundary", "epochMillis": millis, "rangeName": name}


class SumoLogicProvider(VendorProvider):
    """Measures SLIs with Sumo Logic metrics queries (basic auth with an access ID and key)."""

    type_name: ClassVar[str] = "sumologic"
    vendor: ClassVar[str] = "Sumo Logic"
    default_settle_seconds: ClassVar[float] = 60.0

    def connect(self, options: ProviderOptions) -> VendorCalls:
        """Calls to the endpoint ``options.url`` names, with the access ID and key of ``credentials``."""
        base = api_base(options.url)
        missing = [key for key in CREDENTIAL_KEYS if not options.credential(key)]
        if missing:
            raise ConfigError(
                f"Sumo Logic credentials: {' and '.join(missing)} missing (the access ID and access key "
                "of a Sumo Logic access key)"
            )
        self._prefix = urllib.parse.urlsplit(base).path
        self._path = QUERY_PATH
        self._may_add_api = self._prefix == ""  # a bare host: Sumo's API lives under /api
        auth = (options.credential("ACCESS_ID"), options.credential("ACCESS_KEY"))
        headers = {"Accept": "application/json", "User-Agent": "slogate-sumologic"}
        limited = dataclasses.replace(options, concurrency=min(options.concurrency, MAX_CONCURRENT))
        return self.vendor_calls(limited, base, headers, auth=auth)

    async def probe(self) -> None:
        """A one-minute query of ``metric=up``: enough to learn whether the access key is refused."""
        now = epoch_millis(self._now())
        row = {"rowId": "A", "query": "metric=up", "quantization": 60000, "rollup": "Avg"}
        await self.calls.send("POST", self._path, json=_body(row, now - 60000, now))

    def placeholders(self, request: SLIRequest) -> dict[str, str]:
        """Keptn's shared placeholders plus sumologic-service's ``$project $stage $service`` and
        ``$DURATION`` (the window as ``<seconds>s``; ``$DURATIONs`` too, written for versions that
        gave bare seconds)."""
        values = keptn_placeholders(request)
        duration = f"{window_seconds(request)}s"
        values.update(
            {
                "$project": request.project,
                "$stage": request.stage,
                "$service": request.service,
                "$DURATION": duration,
                BARE_DURATION: duration,
            }
        )
        return values

    def verbatim(self) -> frozenset[str]:
        """``$DURATION`` is computed by slogate: inserted unchecked."""
        return frozenset({"$DURATION", BARE_DURATION})

    async def measure(self, query: str, request: SLIRequest) -> tuple[float, str]:
        """The one point of ``query`` over the window, and the request sent."""
        left = unresolved(query)
        if left:
            raise SLIError("; ".join(placeholder_problem(name) for name in left))
        parsed = parse_query(query)
        body = request_body(parsed, request)
        response = await self.calls.send("POST", self._path, json=body)
        if response.status_code == 404 and self._may_add_api:
            retried = await self.calls.send("POST", "/api" + QUERY_PATH, json=body)
            if retried.status_code != 404:
                self._path, self._prefix, response = "/api" + QUERY_PATH, "/api", retried
            self._may_add_api = False
        sent = (
            f"POST {self._prefix}{QUERY_PATH} query={json.dumps(parsed.query)} "
            f"quantization={parsed.quantization_ms} rollup={parsed.rollup}"
        )
        return single_value(self._payload(response), parsed, window_seconds(request)), sent

    def _payload(self, response: httpx.Response) -> object:
        status = response.status_code
        if status in MOVED:
            location = response.headers.get("Location", "")
            moved = f"to {location}" if location else "elsewhere"
            raise SLIError(f"Sumo Logic answered HTTP {status} (moved {moved}): {WRONG_REGION}")
        try:
            payload: object = response.json()
        except ValueError:
            payload = NOT_JSON
        if status != 200:
            hint = ""
            if status == 404:
                hint = " (is the endpoint the API base, e.g. https://api.eu.sumologic.com/api?)"
            raise SLIError(f"Sumo Logic answered HTTP {status}: {error_text(payload, response.text)}{hint}")
        if payload is NOT_JSON:
            raise SLIError(
                f"Sumo Logic answered HTTP 200 with a body that is not JSON: {response.text[:200]!r}"
            )
        return payload


def create_provider(options: ProviderOptions) -> SumoLogicProvider:
    """The entry point of ``slogate.sli_providers``: a Sumo Logic provider for ``options``."""
    return SumoLogicProvider(options)
