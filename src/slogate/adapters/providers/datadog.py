"""The Datadog SLI provider: Keptn's datadog-service ``sli.yaml`` (classic metric queries, ``$DURATION``),
one value per SLI from Datadog's own scalar aggregation (``POST /api/v2/query/scalar``), or from the
last non-null point of the v1 query's one series where a Datadog-compatible API does not serve it.

Example::

    options = ProviderOptions(url="datadoghq.eu", credentials=(("DD_API_KEY", a), ("DD_APP_KEY", b)))
    async with DatadogProvider(options) as provider:
        values = await provider.fetch(request)
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import httpx

from slogate.adapters.providers.datadog_query import (
    InvalidQueryError,
    ScalarPlan,
    check_query,
    datadog_placeholders,
    scalar_plan,
    unresolved,
)
from slogate.adapters.providers.vendor import SLIError, VendorProvider, epoch_millis, keptn_placeholders
from slogate.adapters.providers.vendor_http import VendorCalls, check_base_url, json_or_none
from slogate.domain.evaluation.sli import SLIRequest
from slogate.errors import ConfigError
from slogate.ports import ProviderOptions

__all__ = ["DatadogProvider", "base_url", "check_query", "create_provider", "point_value", "scalar_value"]

SCALAR_PATH = "/api/v2/query/scalar"
POINTS_PATH = "/api/v1/query"
DEFAULT_SITE = "datadoghq.com"
SITE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: nothing that could split a header
KEY_HEADERS = (("DD_API_KEY", "DD-API-KEY"), ("DD_APP_KEY", "DD-APPLICATION-KEY"))
NOT_SERVED = frozenset({404, 405, 501})  # the scalar endpoint is missing: use the v1 query instead
SHOWN_GROUPS = 5


def base_url(site: str) -> str:
    """The API base URL for ``DD_SITE``: empty → ``https://api.datadoghq.com``; a site such as
    ``datadoghq.eu`` or ``us3.datadoghq.com`` → ``https://api.<site>``; an http(s) URL as it is."""
    text = site.strip()
    if "://" in text:
        return check_base_url("Datadog", text, "DD_SITE")
    host = (text or DEFAULT_SITE).lower().rstrip("/")
    host = host.removeprefix("app.")
    if not SITE.fullmatch(host):
        raise ConfigError(
            f"Datadog DD_SITE: {site!r} is neither a Datadog site (e.g. datadoghq.com, datadoghq.eu, "
            "us3.datadoghq.com) nor an http:// or https:// base URL"
        )
    return "https://" + (host if host.startswith("api.") else "api." + host)


def key_headers(options: ProviderOptions) -> dict[str, str]:
    """``DD-API-KEY`` and ``DD-APPLICATION-KEY`` from the options; ``ConfigError`` naming a missing or
    malformed key (reading metrics needs both)."""
    headers: dict[str, str] = {}
    for key, header in KEY_HEADERS:
        value = options.credential(key)
        if not value:
            raise ConfigError(
                f"Datadog {key}: missing (reading metrics needs an API key and an application key)"
            )
        if not KEY.fullmatch(value):
            raise ConfigError(f"Datadog {key}: holds spaces or control characters (give the key alone)")
        headers[header] = value
    return headers


class DatadogProvider(VendorProvider):
    """Measures SLIs with Datadog metric queries; use it within one event loop and close it."""

    type_name: ClassVar[str] = "datadog"
    vendor: ClassVar[str] = "Datadog"
    default_settle_seconds: ClassVar[float] = 60.0

    def connect(self, options: ProviderOptions) -> VendorCalls:
        """The Datadog API calls: the site's base URL, both keys as headers, the injected sleep and clock."""
        self.scalar_served = True
        headers = {**key_headers(options), "Accept": "application/json"}
        url = base_url(options.url)
        return self.vendor_calls(options, url, headers)

    async def probe(self) -> None:
        """Datadog's key check (``GET /api/v2/validate_keys``, both keys): refused keys fail at once."""
        await self.calls.send("GET", "/api/v2/validate_keys")

    def placeholders(self, request: SLIRequest) -> dict[str, str]:
        """Keptn's shared placeholders plus ``$project $stage $service`` and ``$DURATION``."""
        return datadog_placeholders(request, keptn_placeholders(request))

    def verbatim(self) -> frozenset[str]:
        """``$DURATION`` is computed by slogate (whole seconds)."""
        return frozenset({"$DURATION"})

    async def measure(self, query: str, request: SLIRequest) -> tuple[float, str]:
        """The one value of ``query`` over the window, and the request sent for it."""
        problems = unresolved(query)
        if problems:
            raise SLIError("; ".join(problems))
        try:
            plan = scalar_plan(query)
        except InvalidQueryError as problem:
            raise SLIError(problem.message) from None
        if self.scalar_served:
            body, sent = scalar_request(plan, request)
            response = await self.calls.send("POST", SCALAR_PATH, json=body)
            if response.status_code not in NOT_SERVED:
                return scalar_value(response), sent
            self.scalar_served = False
        params = points_params(query, request)
        response = await self.calls.send("GET", POINTS_PATH, params=params)
        shown = " ".join(f"{key}={value}" for key, value in params.items())
        return point_value(response), f"GET {POINTS_PATH} {shown}"


def create_provider(options: ProviderOptions) -> DatadogProvider:
    """The entry point of ``slogate.sli_providers``: a provider for ``options``."""
    return DatadogProvider(options)


def scalar_request(plan: ScalarPlan, request: SLIRequest) -> tuple[dict[str, Any], str]:
    """The JSON body of ``POST /api/v2/query/scalar`` for ``plan`` over the window, and how it is shown."""
    start, end = epoch_millis(request.start), epoch_millis(request.end)
    queries = [
        {"data_source": "metrics", "name": name, "query": text, "aggregator": aggregator}
        for name, text, aggregator in plan.queries
    ]
    attributes: dict[str, Any] = {"from": start, "to": end, "queries": queries}
    if plan.formula:
        attributes["formulas"] = [{"formula": plan.formula}]
        terms = " ".join(f"{name}={aggregator}({text})" for name, text, aggregator in plan.queries)
        shown = f"formula={plan.formula} {terms}"
    else:
        _, text, aggregator = plan.queries[0]
        shown = f"aggregator={aggregator} query={text}"
    body = {"data": {"type": "scalar_request", "attributes": attributes}}
    return body, f"POST {SCALAR_PATH} {shown} from={start} to={end}"


def points_params(query: str, request: SLIRequest) -> dict[str, str]:
    """The parameters of ``GET /api/v1/query``: the window in Unix seconds, as Keptn sent it."""
    start, end = request.start.timestamp(), request.end.timestamp()
    return {"from": str(math.floor(start)), "to": str(math.ceil(end)), "query": query}


def vendor_error(response: httpx.Response) -> str:
    """``Datadog answered HTTP <status>: <the errors of its body>``."""
    body = json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        text = "; ".join(str(error) for error in errors)
    elif isinstance(errors, str) and errors:
        text = errors
    elif isinstance(body, dict) and body.get("error"):
        text = str(body["error"])
    else:
        text = response.text.strip().replace("\n", " ")[:200] or response.reason_phrase
    return f"Datadog answered HTTP {response.status_code}: {text}"


def scalar_value(response: httpx.Response) -> float:
    """The one value of a scalar answer: exactly one number column with exactly one non-null value."""
    body = _payload(response)
    data = body.get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    columns = attributes.get("columns") if isinstance(attributes, dict) else None
    if not isinstance(columns, list):
        raise SLIError(f"Datadog's answer has no data.attributes.columns{_partial_errors(body)}")
    numbers = [column for column in columns if isinstance(column, dict) and column.get("type") == "number"]
    if len(numbers) != 1:
        raise SLIError(f"Datadog answered {len(numbers)} value columns where one was expected")
    values = numbers[0].get("values")
    if not isinstance(values, list):
        raise SLIError("Datadog's value column has no list of values")
    if not values:
        raise SLIError(
            f"Datadog returned no value: no data for the query in the window{_partial_errors(body)}"
        )
    if len(values) > 1:
        groups = _group_names(columns, len(values))
        raise SLIError(
            f"Datadog returned {len(values)} values, one per group ({groups}); an SLI needs exactly one: "
            "drop 'by {…}' or narrow the scope"
        )
    return _number(values[0], "null: no data points in the window")


def point_value(response: httpx.Response) -> float:
    """The one value of a v1 query answer: the last non-null point of its only series."""
    body = _payload(response)
    if body.get("status") == "error" or body.get("error"):
        raise SLIError(f"Datadog answered an error: {body.get('error') or body.get('message') or body}")
    series = body.get("series")
    if not isinstance(series, list):
        raise SLIError("Datadog's answer has no list of series")
    if not series:
        raise SLIError("Datadog returned no series: no data for the query in the window")
    if len(series) > 1:
        tags = "; ".join(_tag_set(one) for one in series[:SHOWN_GROUPS])
        more = ", …" if len(series) > SHOWN_GROUPS else ""
        raise SLIError(
            f"Datadog returned {len(series)} series ({tags}{more}); an SLI needs exactly one: "
            "drop 'by {…}' or narrow the scope"
        )
    points = series[0].get("pointlist") if isinstance(series[0], dict) else None
    points = points if isinstance(points, list) else []
    for point in reversed(points):
        if isinstance(point, list) and len(point) >= 2 and point[1] is not None:
            return _number(point[1], "")
    raise SLIError(f"Datadog returned a series without a non-null point ({len(points)} point(s), all null)")


def _number(value: object, null_message: str) -> float:
    if value is None:
        raise SLIError(f"Datadog returned {null_message}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SLIError(f"Datadog returned {value!r}, not a number")
    return float(value)


def _payload(response: httpx.Response) -> dict[str, Any]:
    if response.status_code // 100 != 2:
        raise SLIError(vendor_error(response))
    body = json_or_none(response)
    if not isinstance(body, dict):
        raise SLIError(f"Datadog answered HTTP {response.status_code} without a JSON object")
    return body


def _partial_errors(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    return f" (Datadog: {errors})" if isinstance(errors, str) and errors else ""


def _group_names(columns: list[Any], count: int) -> str:
    groups = [column for column in columns if isinstance(column, dict) and column.get("type") == "group"]
    names: list[str] = []
    for row in range(min(count, SHOWN_GROUPS)):
        parts = []
        for group in groups:
            values = group.get("values")
            cell = values[row] if isinstance(values, list) and row < len(values) else "?"
            shown = ",".join(map(str, cell)) if isinstance(cell, list) else str(cell)
            parts.append(f"{group.get('name', '?')}:{shown}")
        names.append(" ".join(parts) or f"#{row + 1}")
    return "; ".join(names) + (", …" if count > SHOWN_GROUPS else "")


def _tag_set(series: object) -> str:
    tags = series.get("tag_set") if isinstance(series, dict) else None
    return ",".join(map(str, tags)) if isinstance(tags, list) and tags else "no tags"
