"""Query building: Keptn's placeholders, their order, the default queries, and escaping per context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slogate.adapters.providers.promql import (
    UNSUPPORTED_SLI,
    QueryBuilder,
    QueryError,
    default_query,
    filter_expression,
    literal,
)
from slogate.domain.evaluation.sli import SLIRequest

END = datetime(2024, 1, 1, 10, 2, tzinfo=UTC)
JOB = "job='helloservice-fulltour-qa-canary'"
TUTORIAL_LATENCY = (
    "sum(rate(http_server_request_duration_seconds_sum"
    '{method="GET",route="/",status_code="200",job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS])'
    "/rate(http_server_request_duration_seconds_count"
    '{method="GET",route="/",status_code="200",job="$SERVICE-$PROJECT-$STAGE"}[$DURATION_SECONDS]))'
)
unicode_text = st.text(st.characters(exclude_categories=["Cs"]))


def request(**fields: Any) -> SLIRequest:
    """A get-sli request of the tutorial's service over a 2-minute window, overridable."""
    defaults: dict[str, Any] = {
        "project": "fulltour",
        "stage": "qa",
        "service": "helloservice",
        "start": END - timedelta(minutes=2),
        "end": END,
        "indicators": ("q",),
    }
    defaults.update(fields)
    return SLIRequest(**defaults)


def build(template: str, **fields: Any) -> str:
    """The resolved sli.yaml query ``template`` for SLI ``q``."""
    return QueryBuilder(request(queries=(("q", template),), **fields)).build("q")


HEX_WIDTH = {"x": 2, "u": 4, "U": 8}


def is_hex(digits: str, kind: str) -> bool:
    """Whether ``digits`` are the hex digits an escape of ``kind`` needs."""
    return len(digits) == HEX_WIDTH[kind] and all(char in "0123456789abcdefABCDEF" for char in digits)


def decode_promql(query: str) -> tuple[str, list[str]]:
    """A reference PromQL lexer (Go's unquoting rules): the query's code with every string literal
    emptied to its quotes, and the decoded literals in order."""
    escapes = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
    code: list[str] = []
    literals: list[str] = []
    index = 0
    while index < len(query):
        quote = query[index]
        if quote not in "\"'`":
            code.append(quote)
            index += 1
            continue
        index += 1
        text: list[str] = []
        while query[index] != quote:
            char = query[index]
            assert char != "\n" or quote == "`", "line break inside a quoted string"
            if char != "\\" or quote == "`":
                text.append(char)
                index += 1
                continue
            kind = query[index + 1]
            if kind == quote or kind in escapes:
                text.append(escapes.get(kind, kind))
                index += 2
            elif kind in "xuU" and is_hex(digits := query[index + 2 : index + 2 + HEX_WIDTH[kind]], kind):
                text.append(chr(int(digits, 16)))
                index += 2 + len(digits)
            else:  # invalid in PromQL (a user's own literal may hold one): Prometheus reports it
                text.append("\\" + kind)
                index += 2
        literals.append("".join(text))
        code.append(quote * 2)
        index += 1
    return "".join(code), literals


def test_every_placeholder_is_replaced() -> None:
    """Project, stage, service, deployment, labels, filters and the window length all resolve."""
    query = build(
        'm{p="$PROJECT",s="$STAGE",v="$SERVICE",d="$DEPLOYMENT",l="$LABEL.version",f="$handler",F="$HANDLER"}'
        "[$DURATION_SECONDS]",
        labels=(("version", "v0.1.1"),),
        deployment="canary",
        filters=(("handler", "Items"),),
    )
    assert query == 'm{p="fulltour",s="qa",v="helloservice",d="canary",l="v0.1.1",f="Items",F="Items"}[120s]'


def test_the_tutorial_query_resolves_as_keptn_resolves_it() -> None:
    """The tutorial's latency SLI gets its job label and a 120 s window."""
    query = build(TUTORIAL_LATENCY)
    assert query == TUTORIAL_LATENCY.replace("$SERVICE-$PROJECT-$STAGE", "helloservice-fulltour-qa").replace(
        "$DURATION_SECONDS", "120s"
    )


def test_filters_come_first_so_a_filter_named_project_wins() -> None:
    """Filters are replaced before $PROJECT, as in Keptn, so a filter ``PROJECT`` shadows it."""
    assert build('m{p="$PROJECT"}', filters=(("PROJECT", "shadow"),)) == 'm{p="shadow"}'


def test_a_short_placeholder_replaced_earlier_eats_into_a_longer_one() -> None:
    """Plain replacement in Keptn's order: filter ``s`` replaces ``$S`` inside ``$SERVICE`` first."""
    assert build('m{v="$SERVICE"}', filters=(("s", "x"),)) == 'm{v="xERVICE"}'
    labels = (("ver", "A"), ("version", "B"))
    assert build('m{l="$LABEL.version"}', labels=labels) == 'm{l="Asion"}'


def test_substituted_values_are_not_searched_for_placeholders_again() -> None:
    """A value containing ``$PROJECT`` stays literal (Keptn would replace it: a documented deviation)."""
    assert build('m{f="$f"}', filters=(("f", "$PROJECT"),)) == 'm{f="$PROJECT"}'
    assert build('m{l="$LABEL.a"}', labels=(("a", "$LABEL.b"), ("b", "x"))) == 'm{l="$LABEL.b"}'


def test_filter_values_lose_their_quotes() -> None:
    """Single and double quotes are removed from filter values before substitution."""
    assert build('m{h="$handler"}', filters=(("handler", "'It\"ems'"),)) == 'm{h="Items"}'


def test_filter_keys_are_also_replaced_upper_cased_like_go() -> None:
    """``$KEY`` is the key upper-cased per character (Go keeps ``ß``, Python would make ``SS``)."""
    assert build("m{a='$Straße',b='$STRAßE'}", filters=(("Straße", "v"),)) == "m{a='v',b='v'}"


@pytest.mark.parametrize(
    ("labels", "deployment", "expected"),
    [
        ((("deployment", "canary"),), "direct", "canary"),
        ((), "direct", "direct"),
        ((("deployment", ""),), "", "primary"),
        ((), "", "primary"),
    ],
)
def test_deployment_label_wins_then_event_then_primary(
    labels: tuple[tuple[str, str], ...], deployment: str, expected: str
) -> None:
    """$DEPLOYMENT: the ``deployment`` label, else the event's deployment, else ``primary``."""
    assert build('m{d="$DEPLOYMENT"}', labels=labels, deployment=deployment) == f'm{{d="{expected}"}}'


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(120, "120s"), (119.2, "120s"), (60.000001, "61s"), (3600, "3600s"), (0.5, "1s")],
)
def test_duration_seconds_is_the_window_rounded_up(seconds: float, expected: str) -> None:
    """$DURATION_SECONDS is ceil(end - start) in seconds."""
    query = build("rate(m[$DURATION_SECONDS])", start=END - timedelta(seconds=seconds))
    assert query == f"rate(m[{expected}])"


def test_builtin_default_queries_match_keptns_strings() -> None:
    """Keptn's five default SLIs, byte for byte, over the ``-canary`` job."""
    req = request()
    assert default_query("throughput", req) == f"sum(rate(http_requests_total{{{JOB}}}[120s]))"
    assert default_query("error_rate", req) == (
        f"sum(rate(http_requests_total{{{JOB},status!~'2..'}}[120s]))"
        f"/sum(rate(http_requests_total{{{JOB}}}[120s]))"
    )
    for percentile in ("50", "90", "95"):
        assert default_query(f"response_time_p{percentile}", req) == (
            f"histogram_quantile(0.{percentile},"
            f"sum(rate(http_response_time_milliseconds_bucket{{{JOB}}}[120s]))by(le))"
        )


def test_default_filter_expression_uses_filters_and_their_operators() -> None:
    """Plain values become ``key='value'``; ``=``, ``!=``, ``=~``, ``!~`` prefixes are kept."""
    filters = (
        ("handler", "'ItemsController'"),
        ("a", "=exact"),
        ("b", "!=HealthCheckController"),
        ("c", '=~".+Items|.+Version"'),
        ("d", "!~'x.*'"),
    )
    assert filter_expression(request(filters=filters)) == (
        f"{JOB},handler='ItemsController',a='exact',b!='HealthCheckController',"
        "c=~'.+Items|.+Version',d!~'x.*'"
    )


def test_a_job_filter_replaces_the_canary_job_in_place() -> None:
    """With a ``job`` filter there is no ``-canary`` job matcher; the filter keeps its position."""
    filters = (("handler", "x"), ("job", "my-job"))
    assert filter_expression(request(filters=filters)) == "handler='x',job='my-job'"


def test_default_filter_values_cannot_break_out_of_their_string() -> None:
    """Operator values that are not exactly one string literal are quoted as a whole."""
    filters = (("a", "=~'x', other=~'.*'"), ("b", "=\\"), ("c", "='x\\'"))
    expression = filter_expression(request(filters=filters))
    code, literals = decode_promql(expression)
    assert code == "job='',a=~'',b='',c=''"
    assert literals == [
        "helloservice-fulltour-qa-canary",
        "'x', other=~'.*'",
        "\\",
        "'x\\'",
    ]


def test_a_filter_key_must_be_a_label_name() -> None:
    """A filter key that is not a label name fails the default queries instead of changing them."""
    with pytest.raises(QueryError, match="not a Prometheus label name"):
        default_query("throughput", request(filters=(("a}or{b", "x"),)))


def test_unknown_sli_without_query_is_unsupported_with_keptns_text() -> None:
    """No sli.yaml entry and no default: Keptn's (misspelt) message, and ``supports`` says no."""
    builder = QueryBuilder(request(indicators=("nope",)))
    assert not builder.supports("nope")
    with pytest.raises(QueryError) as raised:
        builder.build("nope")
    assert raised.value.message == UNSUPPORTED_SLI == "unable to get metriy query: unsupported SLI"


def test_sli_yaml_overrides_defaults_and_empty_queries_fall_back() -> None:
    """An sli.yaml entry wins over a default; an empty entry counts as missing; the last entry wins."""
    queries = (("throughput", "first"), ("throughput", "up"), ("error_rate", ""))
    builder = QueryBuilder(request(queries=queries))
    assert builder.build("throughput") == "up"
    assert builder.build("error_rate").startswith("sum(rate(http_requests_total{job=")


@pytest.mark.parametrize(
    ("template", "value", "expected"),
    [
        ('m{l="$LABEL.v"}', 'a"b\\c\nd', 'm{l="a\\"b\\\\c\\nd"}'),
        ("m{l='$LABEL.v'}", "a'b\"c", "m{l='a\\'b\"c'}"),
        ("m{l=`$LABEL.v`}", 'a"b\\c', 'm{l=`a"b\\c`}'),
        ("m # note $LABEL.v", "a'b\"`", "m # note a'b\"`"),
        ("histogram_quantile($LABEL.v, m)", "0.95", "histogram_quantile(0.95, m)"),
        ('m{l="x\\\\$LABEL.v"}', "y", 'm{l="x\\\\y"}'),
        ('m{l="\\"$LABEL.v"}', '"', 'm{l="\\"\\""}'),
        ('m{l="$LABEL.v"} # "', "\t\x00\ufffd", 'm{l="\\t\\u0000\\ufffd"} # "'),
    ],
)
def test_values_are_escaped_for_their_quoting_context(template: str, value: str, expected: str) -> None:
    """Each placeholder occurrence is escaped for the string kind (or comment) it sits in."""
    assert build(template, labels=(("v", value),)) == expected


@pytest.mark.parametrize(
    ("template", "value", "reason"),
    [
        ("m > $LABEL.v", "1 or vector(1)", "not allowed outside a string literal"),
        ("sum(m) by ($LABEL.v)", "le)", "not allowed outside a string literal"),
        ("m{l=`$LABEL.v`}", "a`b", "raw string"),
        ("m # $LABEL.v", "x\nor vector(1)", "comment"),
        ('m{l="\\$LABEL.v"}', "x", "follows a backslash"),
        ('m{l="$LABEL.v"}', "\ud800", "not valid Unicode"),
    ],
)
def test_values_that_would_change_the_query_make_the_sli_fail(template: str, value: str, reason: str) -> None:
    """A value that cannot be represented safely fails this SLI; the error keeps the template."""
    with pytest.raises(QueryError, match=reason) as raised:
        build(template, labels=(("v", value),))
    assert raised.value.message.startswith("cannot substitute $LABEL.v: ")
    assert raised.value.query == template


def test_duration_is_inserted_anywhere_unescaped() -> None:
    """$DURATION_SECONDS needs no escaping, inside or outside strings."""
    assert build('label_replace(m[$DURATION_SECONDS], "w", "$DURATION_SECONDS", "", "")') == (
        'label_replace(m[120s], "w", "120s", "", "")'
    )


@given(value=unicode_text)
def test_any_label_value_decodes_back_exactly_and_changes_nothing_else(value: str) -> None:
    """In every string kind the literal decodes to the value; the code around it is untouched."""
    template = 'sum(m{a="$LABEL.v",b=\'$LABEL.v\',c="x-$LABEL.v-y"}) by (le)'
    query = build(template, labels=(("v", value),))
    code, literals = decode_promql(query)
    assert code == decode_promql(template)[0]
    assert literals == [value, value, f"x-{value}-y"]


@given(value=unicode_text)
def test_any_value_in_a_raw_string_is_kept_or_refused(value: str) -> None:
    """Raw strings keep the value verbatim or the SLI fails; they never end early."""
    try:
        query = build("m{a=`$LABEL.v`}", labels=(("v", value),))
    except QueryError:
        assert any(char in value for char in "`\r\ufffd")
    else:
        assert decode_promql(query) == ("m{a=``}", [value])


@given(value=unicode_text)
def test_any_value_outside_strings_is_a_plain_token_or_refused(value: str) -> None:
    """Outside strings only letters, digits and ``_ : . -`` get through."""
    try:
        query = build("m > $LABEL.v", labels=(("v", value),))
    except QueryError:
        assert not all(char.isascii() and (char.isalnum() or char in "_:.-") for char in value)
    else:
        assert query == f"m > {value}"


@given(key=st.from_regex(r"[a-z_][a-z0-9_]{0,5}", fullmatch=True), value=unicode_text)
def test_any_filter_value_stays_inside_its_matcher(key: str, value: str) -> None:
    """Default-query matchers: one literal per filter, equal to the value without quotes (no operator)."""
    code, literals = decode_promql(filter_expression(request(filters=((key, value),))))
    operator = next((op for op in ("=~", "!=", "!~", "=") if value.startswith(op)), None)
    if key == "job":
        assert code == f"job{operator or '='}''"
    else:
        assert code == f"job='',{key}{operator or '='}''"
    if operator is None:
        assert literals[-1] == value.replace("'", "").replace('"', "")


@given(value=unicode_text, quote=st.sampled_from("\"'"))
def test_literal_round_trips(value: str, quote: str) -> None:
    """``literal`` gives one string literal that decodes to exactly the value."""
    assert decode_promql(literal(value, quote)) == (quote * 2, [value])
