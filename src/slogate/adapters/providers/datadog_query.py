"""Datadog's classic metric queries in ``datadog/sli.yaml``: placeholders, syntax checks, and the
scalar request built from one query (one metrics query per metric term, a formula between them).

Example::

    plan = scalar_plan("sum:errors{service:web}.as_count() / sum:hits{service:web}.as_count() * 100")
    plan.queries   # (("query1", "sum:errors{service:web}.as_count()", "sum"), ("query2", …, "sum"))
    plan.formula   # "query1 / query2 * 100"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slogate.adapters.providers.vendor import window_seconds
from slogate.domain.evaluation.sli import SLIRequest
from slogate.errors import InputError

DEFAULT_AGGREGATOR = "avg"
SPACE_AGGREGATORS = {
    "avg": "avg",
    "sum": "sum",
    "min": "min",
    "max": "max",
    "count": "sum",
}  # count: distributions
PERCENTILE = re.compile(r"p(?:[1-9][0-9]?(?:\.[0-9]+)?|100)")  # a distribution's p50:, p99.9:
ROLLUP_AGGREGATORS = SPACE_AGGREGATORS  # .rollup(<method>) maps to the same scalar aggregators
FIXED_PLACEHOLDERS = (
    "$PROJECT",
    "$STAGE",
    "$SERVICE",
    "$project",
    "$stage",
    "$service",
    "$DEPLOYMENT",
    "$DURATION",
)
PLACEHOLDER = re.compile(r"\$(?:LABEL\.[A-Za-z0-9_.\-]*|ENV\.[A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*)")
TERM = re.compile(
    r"(?<![\w.:])(?:(?P<aggr>[A-Za-z0-9_.]+):)?(?P<metric>[A-Za-z][A-Za-z0-9_.]*)"
    r"\{(?P<scope>[^{}]*)\}"
    r"(?:\s*by\s*\{(?P<by>[^{}]*)\})?"
    r"(?P<funcs>(?:\.[A-Za-z_]\w*\((?:[^()]|\([^()]*\))*\))*)"
)
FUNCTION = re.compile(r"\.(?P<name>[A-Za-z_]\w*)\((?P<args>(?:[^()]|\([^()]*\))*)\)")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
ALLOWED_REST = re.compile(r"[\sA-Za-z0-9_.,+\-*/()']*")
EXAMPLE = "avg:trace.http.request.duration{service:$SERVICE,env:$STAGE}.rollup(avg, $DURATION)"


class InvalidQueryError(InputError, ValueError):
    """A query slogate will not send; ``problems`` says what is wrong with it."""

    code = "invalid_datadog_query"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ScalarPlan:
    """What ``POST /api/v2/query/scalar`` is asked: (name, metrics query, aggregator) per metric term
    and, when the query does arithmetic between terms, the formula over their names."""

    queries: tuple[tuple[str, str, str], ...]
    formula: str = ""


def datadog_placeholders(request: SLIRequest, base: dict[str, str]) -> dict[str, str]:
    """``base`` (Keptn's shared placeholders) plus Keptn's datadog-service ones: lower-case
    ``$project $stage $service`` and ``$DURATION``, the window in whole seconds rounded up."""
    values = dict(base)
    values.update({"$project": request.project, "$stage": request.stage, "$service": request.service})
    values["$DURATION"] = str(window_seconds(request))
    return values


def unresolved(query: str) -> list[str]:
    """Problems of the placeholders still in ``query`` after substitution."""
    return [_unknown_placeholder(name, resolved=True) for name in _placeholders(query)]


def _placeholders(query: str) -> list[str]:
    """The ``$…`` placeholders of ``query``, each once, in order."""
    return list(dict.fromkeys(PLACEHOLDER.findall(query)))


def _unknown_placeholder(name: str, *, resolved: bool) -> str:
    if name.startswith("$ENV."):
        return f"{name}: $ENV is not supported (they would put the server's environment in a query)"
    if name == "$LABEL.":
        return "$LABEL. needs a label name, e.g. $LABEL.buildId"
    if name == "$DURATION_SECONDS":
        return (
            "$DURATION_SECONDS is Prometheus's placeholder: Datadog queries use $DURATION (seconds, no unit)"
        )
    if resolved and name.startswith("$LABEL."):
        return f"{name}: the event has no label {name[7:]!r}"
    known = ", ".join(FIXED_PLACEHOLDERS)
    return f"unknown placeholder {name}: no SLO filter or label of that name (known: {known}, $LABEL.<name>)"


def check_query(query: str) -> list[str]:
    """The problems ``slogate lint`` reports for one ``datadog/sli.yaml`` query; empty when it is fine.
    Placeholders of SLO filters are not known here, so any other ``$name`` counts as one."""
    problems: list[str] = []
    for name in _placeholders(query):
        if name.startswith("$ENV.") or name in ("$LABEL.", "$DURATION_SECONDS"):
            problems.append(_unknown_placeholder(name, resolved=False))
    if problems:
        return problems
    return syntax_problems(
        PLACEHOLDER.sub(lambda match: "60" if match.group(0) == "$DURATION" else "x", query)
    )


def syntax_problems(query: str) -> list[str]:
    """What makes ``query`` (placeholders resolved) something slogate will not send to Datadog."""
    try:
        scalar_plan(query)
    except InvalidQueryError as problem:
        return problem.problems
    return []


def scalar_plan(query: str) -> ScalarPlan:
    """The scalar request for ``query``; ``InvalidQueryError`` when it is not a classic metric query."""
    text = query.strip()
    if not text:
        raise InvalidQueryError([f"the query is empty: write a metric query such as {EXAMPLE}"])
    problems: list[str] = []
    queries: list[tuple[str, str, str]] = []
    pieces: list[str] = []
    last = 0
    for match in TERM.finditer(text):
        name = f"query{len(queries) + 1}"
        problems += _term_problems(match)
        queries.append((name, match.group(0), _aggregator(match)))
        pieces += [text[last : match.start()], name]
        last = match.end()
    pieces.append(text[last:])
    if not queries:
        raise InvalidQueryError([f"no metric query such as {EXAMPLE} (a metric needs a scope: name{{*}})"])
    formula = "".join(pieces).strip()
    problems += _formula_problems(formula, {name for name, _, _ in queries}, text)
    if problems:
        raise InvalidQueryError(problems)
    single = len(queries) == 1 and formula == queries[0][0]
    return ScalarPlan(tuple(queries), "" if single else formula)


def _aggregator(term: re.Match[str]) -> str:
    """The scalar aggregator of a metric term: its last rollup's method, else its space aggregator
    (``pNN`` → ``percentile``), else ``avg``."""
    for function in reversed(list(FUNCTION.finditer(term.group("funcs")))):
        if function.group("name") == "rollup":
            method = function.group("args").split(",")[0].strip()
            if method in ROLLUP_AGGREGATORS:
                return ROLLUP_AGGREGATORS[method]
    space = term.group("aggr") or ""
    if space in SPACE_AGGREGATORS:
        return SPACE_AGGREGATORS[space]
    return "percentile" if PERCENTILE.fullmatch(space) else DEFAULT_AGGREGATOR


def _term_problems(term: re.Match[str]) -> list[str]:
    problems: list[str] = []
    text = term.group(0)
    space = term.group("aggr")
    if space is not None and space not in SPACE_AGGREGATORS and not PERCENTILE.fullmatch(space):
        problems.append(f"{text}: unknown space aggregator {space!r} (use avg, sum, min, max, count or pNN)")
    if not term.group("scope").strip():
        problems.append(f"{text}: the scope {{}} is empty (write {{*}} for every source)")
    if term.group("by") is not None and not term.group("by").strip():
        problems.append(f"{text}: 'by {{}}' names no tag")
    for function in FUNCTION.finditer(term.group("funcs")):
        if function.group("name") == "rollup":
            problems += _rollup_problems(text, function.group("args"))
    return problems


def _rollup_problems(text: str, args: str) -> list[str]:
    parts = [part.strip() for part in args.split(",")]
    method, seconds = (parts[0], parts[1:]) if parts[0][:1].isalpha() else ("", parts)
    problems: list[str] = []
    if method and method not in ROLLUP_AGGREGATORS:
        problems.append(f"{text}: unknown rollup method {method!r} (use avg, sum, min, max or count)")
    if len(seconds) > 1 or any(not part.isdigit() or int(part) == 0 for part in seconds):
        problems.append(
            f"{text}: .rollup() takes a method and a whole number of seconds, e.g. .rollup(avg, 60)"
        )
    return problems


def _formula_problems(formula: str, names: set[str], query: str) -> list[str]:
    rest = QUOTED.sub("''", formula)
    problems: list[str] = []
    if "{" in rest or "}" in rest:
        problems.append(f"unbalanced braces or a scope without a metric name in {query!r}")
    elif ":" in rest:
        problems.append(f"a space aggregator without a metric and scope in {query!r} (e.g. avg:name{{*}})")
    elif not ALLOWED_REST.fullmatch(rest):
        odd = sorted({char for char in rest if not ALLOWED_REST.fullmatch(char)})
        problems.append(f"unexpected character(s) {' '.join(odd)} between metric queries in {query!r}")
    if _unbalanced(rest):
        problems.append(f"unbalanced parentheses in {query!r}")
    elif _top_level_comma(rest):
        problems.append(f"several queries separated by ',' in {query!r}: an SLI needs one query")
    for word in WORD.finditer(rest):
        after = rest[word.end() :].lstrip()
        if word.group(0) not in names and not after.startswith("("):
            problems.append(
                f"{word.group(0)!r} is neither a metric with a scope ({word.group(0)}{{*}}) nor a function"
            )
    return problems


def _top_level_comma(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            return True
    return False


def _unbalanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return True
    return depth != 0
