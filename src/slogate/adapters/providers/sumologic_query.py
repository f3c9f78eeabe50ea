"""Sumo Logic's side of an SLI, without HTTP: the ``quantize`` clause Keptn's sumologic-service cut
out of a metrics query, the endpoint a region code names, and the one value of an answer.

Example::

    parsed = parse_query("metric=cpu service=web | quantize to 300s using avg | sum")
    parsed.query, parsed.quantization_ms, parsed.rollup   # ("metric=cpu service=web | sum", 300000, "Avg")
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass

from slogate.adapters.providers.vendor import SLIError
from slogate.adapters.providers.vendor_http import check_base_url
from slogate.errors import ConfigError

DEFAULT_API = "https://api.sumologic.com/api"
REGION_CODE = re.compile(r"[a-z][a-z0-9]{0,15}")
REGION_EXAMPLES = "us1, us2, eu, au, ca, de, jp, in, fed, …"
# Keptn's rule: the word `quantize` exactly once, then this form (sumologic-service processQuery).
QUANTIZE_WORD = re.compile(r"\bquantize\b")
QUANTIZE = re.compile(r"quantize\s+to\s+(\d+[a-z])\s+using\s+([a-z]+)\s*\|?")
ONE_QUANTIZE = "please specify 1 `quantize` in the query"
QUANTIZE_FORM = f"`quantize` part of the query should match the regex `{QUANTIZE.pattern}`"
UNIT_MILLIS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
ROLLUPS = ("avg", "sum", "min", "max", "count")
NOT_IN_API = ("fillmissing", "outlier", "timeshift")  # the API refuses these operators in a query
PLACEHOLDER = re.compile(r"\$(?:LABEL|ENV)\.[A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*|\$[A-Za-z_][A-Za-z0-9_]*")
KNOWN = ("$PROJECT", "$STAGE", "$SERVICE", "$project", "$stage", "$service", "$DURATION", "$DEPLOYMENT")
BARE_DURATION = "$DURATIONs"  # files for sumologic-service versions whose $DURATION had no unit


@dataclass(frozen=True, slots=True)
class SumoQuery:
    """A metrics query with its ``quantize`` clause moved into the request's fields."""

    query: str
    quantization_ms: int
    rollup: str
    clause: str


def api_base(endpoint: str) -> str:
    """The API base URL for ``endpoint``: empty or ``us1`` → Sumo's default, another region code →
    ``https://api.<code>.sumologic.com/api``, an http(s) URL → itself (no trailing ``/``)."""
    text = endpoint.strip()
    if "://" in text:
        return check_base_url("Sumo Logic", text, "endpoint")
    code = text.lower()
    if code in ("", "us1"):
        return DEFAULT_API
    if not REGION_CODE.fullmatch(code):
        raise ConfigError(
            f"Sumo Logic endpoint: {endpoint!r} is neither a region code ({REGION_EXAMPLES}) nor an "
            "http:// or https:// API base URL such as https://api.eu.sumologic.com/api"
        )
    return f"https://api.{code}.sumologic.com/api"


def parse_query(query: str) -> SumoQuery:
    """``query`` split into the query the API takes and its quantize clause; ``SLIError`` saying
    what is wrong (Keptn's messages, then the detail)."""
    count = len(QUANTIZE_WORD.findall(query))
    if count != 1:
        raise SLIError(
            f"{ONE_QUANTIZE} (found {count}): follow the selector with `| quantize to $DURATION using avg`"
        )
    match = QUANTIZE.search(query)
    if match is None:
        raise SLIError(f"{QUANTIZE_FORM}, e.g. `quantize to $DURATION using avg`")
    clause = match.group(0).rstrip("| \t\n")
    before, after = query[: match.start()].rstrip(), query[match.end() :].strip()
    selector = before.removesuffix("|").strip()
    if not before.endswith("|") or not selector or "|" in selector:
        raise SLIError(f"`{clause}` must follow the selector directly: `<selector> | {clause}`")
    if after and not match.group(0).endswith("|"):
        raise SLIError(f"`{clause}` must be followed by `|` before the next operator, not by {after!r}")
    for stage in after.split("|"):
        operator = (stage.split() or [""])[0]
        if operator in NOT_IN_API:
            raise SLIError(f"`{operator}` is not supported in a query by the Sumo Logic API")
    text = selector + (f" | {after}" if after else "")
    return SumoQuery(text, _millis(match.group(1)), _rollup(match.group(2)), clause)


def _millis(interval: str) -> int:
    number, unit = int(interval[:-1]), interval[-1]
    if unit not in UNIT_MILLIS:
        raise SLIError(
            f"couldn't parse the value for quantize interval/duration: {interval!r} (units: s, m, h, d)"
        )
    if number == 0:
        raise SLIError(f"the quantize interval {interval!r} must be longer than 0")
    return number * UNIT_MILLIS[unit]


def _rollup(name: str) -> str:
    if name not in ROLLUPS:
        raise SLIError(f"the rollup {name!r} is not one the API takes: use {', '.join(ROLLUPS)}")
    return name.title()


def unresolved(query: str) -> list[str]:
    """The placeholders (``$NAME``) left in ``query`` after substitution."""
    return list(dict.fromkeys(PLACEHOLDER.findall(query)))


def placeholder_problem(name: str) -> str:
    """Why ``name`` (a ``$…`` placeholder) has no value."""
    if name.startswith("$ENV."):
        return (
            f"{name}: $ENV placeholders are not supported "
            "(they would put the server's environment into a query)"
        )
    if name.startswith("$LABEL."):
        return f"{name}: the event has no label {name.removeprefix('$LABEL.')!r}"
    return (
        f"{name} is not a placeholder of the Sumo Logic provider ({', '.join(KNOWN)}, $LABEL.<key>, "
        "or an SLO filter's key)"
    )


def check_query(query: str, filters: Collection[str] | None = None) -> list[str]:
    """The problems of one ``sumologic/sli.yaml`` query; empty when the provider would send it.
    ``filters`` are the SLO filter keys when known: other unknown placeholders are then reported."""
    if not query.strip():
        return ["the query is empty: write a metrics query ending in `| quantize to $DURATION using avg`"]
    problems: list[str] = []
    keys = (
        None if filters is None else {f"${key}" for key in filters} | {f"${key.upper()}" for key in filters}
    )
    for name in unresolved(query):
        known = name in (*KNOWN, BARE_DURATION) or (name.startswith("$LABEL.") and name != "$LABEL.")
        if name.startswith("$ENV.") or (keys is not None and not known and name not in keys):
            problems.append(placeholder_problem(name))
    text = query.replace(BARE_DURATION, "60s").replace("$DURATION", "60s")
    try:
        parse_query(text)
    except SLIError as error:
        start = text.find("quantize")
        clause = text[start:].split("|", 1)[0] if start >= 0 else ""
        if "$" not in clause:  # an interval or rollup from a placeholder is only known at run time
            problems.append(error.message)
    return problems


def error_text(payload: object, fallback: str) -> str:
    """The readable text of a Sumo Logic error body (``{errors: [{code, message}]}`` or the legacy
    ``{code, message}``), else ``fallback`` shortened."""
    if isinstance(payload, dict):
        listed = payload.get("errors")
        if isinstance(listed, list) and listed:
            return "; ".join(_describe(item) for item in listed[:5])
        if payload.get("message") or payload.get("code"):
            return _describe(payload)
    text = " ".join(fallback.split())
    return text[:300] or "(no body)"


def _describe(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)[:200]
    parts = [str(item[key]) for key in ("code", "message") if item.get(key)]
    detail = f" ({item['detail']})" if item.get("detail") else ""
    return ": ".join(parts) + detail if parts else str(item)[:200]


def single_value(payload: object, parsed: SumoQuery, window_seconds: int) -> float:
    """The one point of the one series in a ``/v1/metricsQueries`` answer; ``SLIError`` naming what
    came back otherwise (no series, several series, several points, null)."""
    if not isinstance(payload, dict):
        raise SLIError(f"Sumo Logic answered {type(payload).__name__}, not a JSON object")
    errors = payload.get("errors")
    if errors:
        raise SLIError(f"Sumo Logic reported an error: {error_text(errors, str(errors))}")
    series = _series(payload.get("queryResult"))
    if not series:
        raise SLIError("query did not return any values: Sumo Logic returned no time series")
    if len(series) > 1:
        dimensions = ", ".join(_dimensions(item) for item in series[:3]) + (", …" if len(series) > 3 else "")
        raise SLIError(
            f"query did return multiple values: {len(series)} time series ({dimensions}); "
            "aggregate them into one (e.g. `| sum`) or narrow the selector"
        )
    points = series[0].get("points") if isinstance(series[0], dict) else None
    values = points.get("values") if isinstance(points, dict) else None
    if not isinstance(values, list) or not values:
        raise SLIError("query did not return any values: the time series has no points")
    if len(values) > 1:
        bucket = parsed.quantization_ms / 1000
        relation = "shorter than" if bucket < window_seconds else "not aligned with"
        raise SLIError(
            f"query did return multiple values: {len(values)} points; `{parsed.clause}` makes buckets of "
            f"{bucket:g} s, {relation} the window of {window_seconds} s (use `quantize to $DURATION`)"
        )
    return _number(values[0])


def _series(rows: object) -> list[object]:
    if not isinstance(rows, list):
        return []
    found: list[object] = []
    for row in rows:
        listing = row.get("timeSeriesList") if isinstance(row, dict) else None
        items = listing.get("timeSeries") if isinstance(listing, dict) else None
        if isinstance(items, list):
            found.extend(items)
    return found


def _dimensions(series: object) -> str:
    definition = series.get("metricDefinition") if isinstance(series, dict) else None
    dimensions = definition.get("dimensions") if isinstance(definition, dict) else None
    if not isinstance(dimensions, dict) or not dimensions:
        return "{}"
    return "{" + ", ".join(f"{key}={value}" for key, value in list(dimensions.items())[:4]) + "}"


def _number(value: object) -> float:
    if value is None:
        raise SLIError("query did not return valid values: the point is null")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SLIError(f"query did not return valid values: the point is {value!r}, not a number")
    number = float(value)
    if not math.isfinite(number):
        raise SLIError(f"query did not return valid values: the point is {number}")
    return number
