"""SLI names to PromQL as Keptn's prometheus-service builds them, with every substituted value escaped.

Keptn replaced placeholders by plain string replacement, in this order: SLO filters (``$key`` and
``$KEY``, quotes stripped from the value), ``$PROJECT``, ``$STAGE``, ``$SERVICE``, ``$DEPLOYMENT``,
``$LABEL.<key>``, ``$DURATION_SECONDS``. slogate finds placeholders the same way and in the same order,
but a substituted value is never searched for placeholders again and is escaped for where it lands:

* inside ``"…"`` or ``'…'``: backslash, that quote and control characters are escaped, so the string
  literal decodes to exactly the value;
* inside a raw string ``\\`…\\```: inserted as is; a value holding a backtick is refused;
* in a ``#`` comment: inserted as is; a value holding a line break is refused;
* anywhere else: only values made of letters, digits and ``_ : . -`` are accepted.

A refused value makes that one SLI fail (:class:`QueryError`); the query is never sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slogate.domain.evaluation.sli import SLIRequest
from slogate.errors import InputError

UNSUPPORTED_SLI = "unable to get metriy query: unsupported SLI"  # sic, Keptn's text
THROUGHPUT, ERROR_RATE = "throughput", "error_rate"
LATENCY_PERCENTILES = {"response_time_p50": "50", "response_time_p90": "90", "response_time_p95": "95"}
DEFAULT_SLIS = (THROUGHPUT, ERROR_RATE, *LATENCY_PERCENTILES)
FILTER_OPERATORS = ("=~", "!=", "!~", "=")  # longest first: "=~" must win over "="
SAFE_UNQUOTED = re.compile(r"[A-Za-z0-9_:.\-]*")
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_CODE, _COMMENT, _RAW = "code", "comment", "`"
_QUOTES = "\"'`"


class QueryError(InputError, ValueError):
    """An SLI whose query cannot be built; the message is what the failed SLI value reports."""

    code = "invalid_query"

    def __init__(self, message: str, query: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.query = query


@dataclass(frozen=True, slots=True)
class Substitution:
    """One placeholder and its value; ``verbatim`` values ($DURATION_SECONDS) are not escaped."""

    placeholder: str
    value: str
    verbatim: bool = False


def _escape_table(quote: str) -> dict[int, str]:
    table = {code: f"\\u{code:04x}" for code in [*range(0x20), 0x7F, 0xFFFD]}
    table.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
    table.update({ord("\\"): "\\\\", ord(quote): "\\" + quote})
    return table


_ESCAPES = {quote: _escape_table(quote) for quote in "\"'"}


def _strip_quotes(value: str) -> str:
    return value.replace("'", "").replace('"', "")


def _go_upper(text: str) -> str:
    """Upper case one character at a time, like Go's ``strings.ToUpper`` ("ß" stays "ß")."""
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in text)


def _check_unicode(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{value!r} is not valid Unicode text") from None


def literal(value: str, quote: str = "'") -> str:
    """``value`` as a PromQL string literal in ``quote`` (``"`` or ``'``) that decodes to exactly it."""
    _check_unicode(value)
    return quote + value.translate(_ESCAPES[quote]) + quote


def duration_seconds(request: SLIRequest) -> str:
    """``$DURATION_SECONDS``: the window length in whole seconds, rounded up, e.g. ``120s``."""
    return f"{math.ceil((request.end - request.start).total_seconds())}s"


def deployment(request: SLIRequest) -> str:
    """``$DEPLOYMENT``: the ``deployment`` label, else the event's deployment, else ``primary``."""
    return dict(request.labels).get("deployment") or request.deployment or "primary"


def substitutions(request: SLIRequest) -> tuple[Substitution, ...]:
    """Keptn's placeholders for ``request``, in the order Keptn replaces them."""
    result: list[Substitution] = []
    for key, value in request.filters:
        stripped = _strip_quotes(value)
        result += [Substitution("$" + key, stripped), Substitution("$" + _go_upper(key), stripped)]
    result += [
        Substitution("$PROJECT", request.project),
        Substitution("$STAGE", request.stage),
        Substitution("$SERVICE", request.service),
        Substitution("$DEPLOYMENT", deployment(request)),
    ]
    result += [Substitution("$LABEL." + key, value) for key, value in request.labels]
    result.append(Substitution("$DURATION_SECONDS", duration_seconds(request), verbatim=True))
    return tuple(result)


def _advance(mode: str, escaped: bool, text: str) -> tuple[str, bool]:
    """The PromQL lexer's context after ``text``: code, comment or inside a string, and a pending ``\\``."""
    for char in text:
        if escaped:
            escaped = False
        elif mode == _CODE:
            if char in _QUOTES:
                mode = char
            elif char == "#":
                mode = _COMMENT
        elif mode == _COMMENT:
            if char in "\r\n":
                mode = _CODE
        elif char == "\\" and mode != _RAW:
            escaped = True
        elif char == mode:
            mode = _CODE
    return mode, escaped


def _render(substitution: Substitution, mode: str, escaped: bool) -> str:
    value = substitution.value
    if substitution.verbatim:
        return value
    _check_unicode(value)
    if escaped:
        raise QueryError("the placeholder follows a backslash inside a string literal")
    if mode in "\"'":
        return value.translate(_ESCAPES[mode])
    if mode == _RAW:
        if any(char in value for char in "`\r\ufffd"):
            raise QueryError(f"{value!r} cannot be put into a raw string (it holds a backtick or CR)")
        return value
    if mode == _COMMENT:
        if any(char in value for char in "\r\n"):
            raise QueryError(f"{value!r} cannot be put into a comment (it holds a line break)")
        return value
    if not SAFE_UNQUOTED.fullmatch(value):
        raise QueryError(
            f"{value!r} is not allowed outside a string literal (only letters, digits and _ : . -)"
        )
    return value


def resolve(template: str, placeholders: Sequence[Substitution]) -> str:
    """``template`` with every placeholder replaced, in order, each value escaped for its context."""
    segments: list[str | Substitution] = [template]
    for substitution in placeholders:
        token = substitution.placeholder
        replaced: list[str | Substitution] = []
        for segment in segments:
            if isinstance(segment, str) and token in segment:
                parts = segment.split(token)
                replaced.append(parts[0])
                for part in parts[1:]:
                    replaced += [substitution, part]
            else:
                replaced.append(segment)
        segments = replaced
    out: list[str] = []
    mode, escaped = _CODE, False
    for segment in segments:
        if isinstance(segment, str):
            out.append(segment)
            mode, escaped = _advance(mode, escaped, segment)
            continue
        try:
            out.append(_render(segment, mode, escaped))
        except QueryError as error:
            raise QueryError(f"cannot substitute {segment.placeholder}: {error.message}") from None
    return "".join(out)


def _is_single_literal(text: str, quote: str) -> bool:
    """Whether ``text`` is exactly one complete string literal in ``quote``."""
    if len(text) < 2 or text[0] != quote or text[-1] != quote or "\n" in text:
        return False
    escaped = False
    for char in text[1:-1]:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == quote:
            return False
    return not escaped


def _filter_matcher(key: str, value: str) -> str:
    if not LABEL_NAME.fullmatch(key):
        raise QueryError(f"SLO filter key {key!r} is not a Prometheus label name")
    operator = next((op for op in FILTER_OPERATORS if value.startswith(op)), None)
    if operator is None:
        return key + "=" + literal(_strip_quotes(value))
    matched = value[len(operator) :].replace('"', "'")
    if not _is_single_literal(matched, "'"):
        matched = literal(matched)
    return key + operator + matched


def filter_expression(request: SLIRequest) -> str:
    """The label matchers of Keptn's default queries: the ``-canary`` job unless a ``job`` filter is set."""
    matchers = [_filter_matcher(key, value) for key, value in request.filters]
    if all(key != "job" for key, _ in request.filters):
        job = f"{request.service}-{request.project}-{request.stage}-canary"
        matchers.insert(0, "job=" + literal(job))
    return ",".join(matchers)


def default_query(name: str, request: SLIRequest) -> str:
    """Keptn's built-in query for one of :data:`DEFAULT_SLIS` (raises QueryError for others)."""
    if name not in DEFAULT_SLIS:
        raise QueryError(UNSUPPORTED_SLI)
    labels, window = filter_expression(request), duration_seconds(request)
    if name == THROUGHPUT:
        return f"sum(rate(http_requests_total{{{labels}}}[{window}]))"
    if name == ERROR_RATE:
        return (
            f"sum(rate(http_requests_total{{{labels},status!~'2..'}}[{window}]))"
            f"/sum(rate(http_requests_total{{{labels}}}[{window}]))"
        )
    percentile = LATENCY_PERCENTILES[name]
    return (
        f"histogram_quantile(0.{percentile},"
        f"sum(rate(http_response_time_milliseconds_bucket{{{labels}}}[{window}]))by(le))"
    )


class QueryBuilder:
    """The queries of one request: ``sli.yaml`` entries resolved, Keptn's defaults for the rest."""

    def __init__(self, request: SLIRequest) -> None:
        self.request = request
        self.templates = {name: query for name, query in request.queries if query}
        self._placeholders = substitutions(request)

    def supports(self, name: str) -> bool:
        """Whether ``name`` has an ``sli.yaml`` query or a built-in default."""
        return name in self.templates or name in DEFAULT_SLIS

    def build(self, name: str) -> str:
        """The resolved query for SLI ``name``; QueryError (with the unresolved query) when impossible."""
        template = self.templates.get(name)
        if template is None:
            return default_query(name, self.request)
        try:
            return resolve(template, self._placeholders)
        except QueryError as error:
            raise QueryError(error.message, template) from None
