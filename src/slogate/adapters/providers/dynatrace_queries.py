"""The query forms of Keptn's ``dynatrace/sli.yaml``, parsed as its dynatrace-service did (pure).

Example::

    parse_query("MV2;MicroSecond;metricSelector=builtin:service.response.time:splitBy():avg")
    # -> MetricsQuery(selector="builtin:service.response.time:splitBy():avg", divisor=1000.0, ...)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slogate.errors import InputError

METRICS_KEYS = ("metricSelector", "entitySelector", "resolution", "mzSelector")
PROBLEMS_KEYS = ("problemSelector", "entitySelector")
SECURITY_KEYS = ("securityProblemSelector",)
USQL_TYPES = ("SINGLE_VALUE", "PIE_CHART", "COLUMN_CHART", "LINE_CHART", "TABLE")
RESPONSE_TIME = "builtin:service.response.time"  # Keptn scales it from µs to ms whatever the form
UNITS = {"microsecond": 1000.0, "byte": 1024.0}
_UNIT = re.compile(r"[bB]yte|[Mm]icro[sS]econd")
_SLO_ID = re.compile(r"[A-Za-z0-9_\-]+")
_PLACEHOLDER = re.compile(r"\$(?:ENV|LABEL)\.[A-Za-z0-9_.\-]*|\$[A-Za-z_][A-Za-z0-9_]*")
KNOWN_PLACEHOLDERS = frozenset({"$PROJECT", "$STAGE", "$SERVICE", "$DEPLOYMENT"})
TOKEN_SHAPE = re.compile(r"[^.]+\.[A-Z0-9]{24}\.[A-Z0-9]{64}")

_TAGS = (
    "type(SERVICE),tag(keptn_project:$PROJECT),tag(keptn_stage:$STAGE),"
    "tag(keptn_service:$SERVICE),tag(keptn_deployment:$DEPLOYMENT)"
)
DEFAULT_QUERIES: dict[str, str] = {
    "throughput": f"metricSelector=builtin:service.requestCount.total:splitBy():sum&entitySelector={_TAGS}",
    "error_rate": f"metricSelector=builtin:service.errors.total.rate:splitBy():avg&entitySelector={_TAGS}",
    **{
        f"response_time_p{p}": (
            f"metricSelector=builtin:service.response.time:splitBy():percentile({p})&entitySelector={_TAGS}"
        )
        for p in (50, 90, 95)
    },
}


class QueryFormError(InputError, ValueError):
    """An sli.yaml query the Dynatrace provider cannot parse; the message says what is wrong."""

    code = "invalid_dynatrace_query"


@dataclass(frozen=True, slots=True)
class MetricsQuery:
    """A Metrics API v2 query (plain, ``MV2;`` or the legacy ``<metric>?scope=`` form)."""

    selector: str
    entity_selector: str = ""
    resolution: str = ""
    mz_selector: str = ""
    divisor: float = 1.0


@dataclass(frozen=True, slots=True)
class SLOQuery:
    """``SLO;<id>``: the evaluated percentage of a Dynatrace SLO."""

    slo_id: str


@dataclass(frozen=True, slots=True)
class ProblemsQuery:
    """``PV2;`` or ``SECPV2;``: the total count of (security) problems matching the selectors."""

    security: bool
    selector: str
    entity_selector: str = ""


@dataclass(frozen=True, slots=True)
class USQLQuery:
    """``USQL;<tile type>;<dimension>;<query>``: one cell of a user-session query's table."""

    tile: str
    dimension: str
    query: str


Query = MetricsQuery | SLOQuery | ProblemsQuery | USQLQuery


def parse_pairs(text: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """The ``key=value&key=value`` pairs of ``text`` (Keptn's rules: split on ``&``, then on the first
    ``=``; empty parts skipped, unknown and repeated keys refused)."""
    pairs: dict[str, str] = {}
    for chunk in text.strip().split("&"):
        if not chunk:
            continue
        key, sign, value = chunk.strip().partition("=")
        if not sign or not key or not value:
            raise QueryFormError(f"could not parse 'key=value' pair correctly: {chunk.strip()}")
        if key not in allowed:
            raise QueryFormError(f"unknown key: {key} (allowed: {', '.join(allowed)})")
        if key in pairs:
            raise QueryFormError(f"duplicate key '{key}'")
        pairs[key] = value
    return pairs


def _pieces(query: str, count: int, form: str) -> list[str]:
    pieces = query.strip().split(";", count - 1)
    if len(pieces) < count:
        raise QueryFormError(f"incorrect prefix: {form} queries read {FORMS[pieces[0]]}")
    return pieces


FORMS = {
    "MV2": "MV2;<MicroSecond|Byte>;metricSelector=…",
    "SLO": "SLO;<slo id>",
    "PV2": "PV2;problemSelector=…[&entitySelector=…]",
    "SECPV2": "SECPV2;securityProblemSelector=…",
    "USQL": "USQL;<SINGLE_VALUE|PIE_CHART|COLUMN_CHART|LINE_CHART|TABLE>;<dimension>;<USQL query>",
}


def parse_query(query: str) -> Query:
    """The query form of ``query`` (placeholders already resolved); ``QueryFormError`` when it does
    not parse."""
    text = query.strip()
    prefix = text.split(";", 1)[0] if ";" in text else ""
    if prefix == "MV2":
        _, unit, rest = _pieces(text, 3, prefix)
        if not _UNIT.fullmatch(unit):
            raise QueryFormError(f"invalid unit: {unit!r} (MV2 knows MicroSecond and Byte)")
        metrics = parse_metrics(rest)
        divisor = UNITS[unit.lower()]
        return MetricsQuery(
            metrics.selector, metrics.entity_selector, metrics.resolution, metrics.mz_selector, divisor
        )
    if prefix == "SLO":
        slo_id = _pieces(text, 2, prefix)[1].strip()
        if not _SLO_ID.fullmatch(slo_id):
            raise QueryFormError(f"SLO id {slo_id!r} is not an id (letters, digits, - and _)")
        return SLOQuery(slo_id)
    if prefix in ("PV2", "SECPV2"):
        return _parse_problems(_pieces(text, 2, prefix)[1], security=prefix == "SECPV2")
    if prefix == "USQL":
        return _parse_usql(_pieces(text, 4, prefix))
    if prefix:
        raise QueryFormError(f"unknown prefix {prefix!r}: use one of {', '.join(FORMS)} or metricSelector=…")
    return parse_metrics(text)


def parse_metrics(text: str) -> MetricsQuery:
    """A plain metrics query, or Keptn's legacy ``<metric selector>?scope=<entities>`` form (converted
    as Keptn did: ``resolution=Inf``, ``type(SERVICE)`` added to the scope)."""
    if not text.strip():
        raise QueryFormError("the query is empty")
    if "=" not in text.split("?", 1)[0]:
        return _parse_legacy(text.strip())
    pairs = parse_pairs(text, METRICS_KEYS)
    if "metricSelector" not in pairs:
        raise QueryFormError("metrics query must include a metric selector (metricSelector=…)")
    return MetricsQuery(
        pairs["metricSelector"],
        pairs.get("entitySelector", ""),
        pairs.get("resolution", ""),
        pairs.get("mzSelector", ""),
    )


def _parse_legacy(text: str) -> MetricsQuery:
    selector, _, rest = text.partition("?")
    scope = parse_pairs(rest, ("scope",)).get("scope", "") if rest else ""
    if scope and "type(SERVICE)" not in scope:
        scope += ",type(SERVICE)"
    return MetricsQuery(selector.strip(), scope, "Inf")


def _parse_problems(text: str, *, security: bool) -> ProblemsQuery:
    keys = SECURITY_KEYS if security else PROBLEMS_KEYS
    pairs = parse_pairs(text, keys)
    if keys[0] not in pairs:
        raise QueryFormError(f"the query must include {keys[0]}=…")
    return ProblemsQuery(security, pairs[keys[0]], pairs.get("entitySelector", ""))


def _parse_usql(pieces: list[str]) -> USQLQuery:
    _, tile, dimension, query = pieces
    if tile not in USQL_TYPES:
        raise QueryFormError(f"unknown result type: {tile!r} (one of {', '.join(USQL_TYPES)})")
    if tile == "SINGLE_VALUE" and dimension:
        raise QueryFormError("dimension should be empty for SINGLE_VALUE (USQL;SINGLE_VALUE;;<query>)")
    if tile != "SINGLE_VALUE" and not dimension:
        raise QueryFormError(f"dimension should not be empty for {tile}")
    if not query.strip():
        raise QueryFormError("the USQL query should not be empty")
    return USQLQuery(tile, dimension, query.strip())


def is_usql(query: str) -> bool:
    """Whether ``query`` is a user-session query (whose data settles later)."""
    return query.strip().startswith("USQL;")


def check_query(query: str) -> list[str]:
    """The problems ``slogate lint`` reports for one ``dynatrace/sli.yaml`` query; empty when fine.

    Placeholders are checked by name (``$ENV.<name>`` is not offered); the rest is parsed with
    neutral values in place of the placeholders."""
    problems = [
        f"placeholder {name} is not offered by slogate (it would expose the server's environment)"
        for name in dict.fromkeys(re.findall(r"\$ENV\.[A-Za-z0-9_]*", query))
    ]
    neutral = _PLACEHOLDER.sub("x", query)
    try:
        parse_query(neutral)
    except QueryFormError as error:
        problems.append(str(error))
    return problems


def unresolved(query: str) -> list[str]:
    """The ``$LABEL.<k>``/``$ENV.<k>`` placeholders left in a resolved query (no value was given)."""
    return list(dict.fromkeys(re.findall(r"\$(?:ENV|LABEL)\.[A-Za-z0-9_.\-]*", query)))


def token_shape_problem(token: str) -> str | None:
    """Why ``token`` does not look like a Dynatrace API token (Keptn's check), None when it does."""
    if TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        "DT_API_TOKEN does not have the shape of a Dynatrace API token "
        "(dt0c01.<24 upper-case letters or digits>.<64 upper-case letters or digits>); "
        "Keptn's dynatrace-service refused such tokens, slogate lets Dynatrace decide"
    )
