"""Dynatrace sli.yaml query forms: Keptn's parsing rules and errors, lint's check_query, the token shape."""

from __future__ import annotations

import pytest

from slogate.adapters.providers.dynatrace import check_query, token_shape_problem
from slogate.adapters.providers.dynatrace_queries import (
    DEFAULT_QUERIES,
    MetricsQuery,
    ProblemsQuery,
    QueryFormError,
    SLOQuery,
    USQLQuery,
    is_usql,
    parse_query,
    unresolved,
)
from tests.support.fake_dynatrace import VALID_TOKEN

SEL = "builtin:service.response.time:splitBy():avg"

PARSED = [
    (f"metricSelector={SEL}", MetricsQuery(SEL)),
    (
        f"  metricSelector={SEL}&entitySelector=type(SERVICE),tag(a:b)&resolution=10m&mzSelector=mzId(1)  ",
        MetricsQuery(SEL, "type(SERVICE),tag(a:b)", "10m", "mzId(1)"),
    ),
    ('metricSelector=a:filter(eq(x,"y=z"))', MetricsQuery('a:filter(eq(x,"y=z"))')),  # split on the first =
    (f"metricSelector={SEL}&&", MetricsQuery(SEL)),  # empty chunks skipped
    (f"MV2;MicroSecond;metricSelector={SEL}", MetricsQuery(SEL, divisor=1000.0)),
    (f"MV2;microSecond;metricSelector={SEL}", MetricsQuery(SEL, divisor=1000.0)),
    (
        "MV2;Byte;metricSelector=builtin:host.mem.avail.bytes",
        MetricsQuery("builtin:host.mem.avail.bytes", divisor=1024.0),
    ),
    ("MV2;byte;metricSelector=m&entitySelector=e", MetricsQuery("m", "e", divisor=1024.0)),
    ("SLO;7d07efde-b714-3e6e-ad95-08490e2540c4", SLOQuery("7d07efde-b714-3e6e-ad95-08490e2540c4")),
    ("PV2;problemSelector=status(open)", ProblemsQuery(False, "status(open)")),
    (
        "PV2;problemSelector=status(open)&entitySelector=mzId(7030365576649815430)",
        ProblemsQuery(False, "status(open)", "mzId(7030365576649815430)"),
    ),
    ("SECPV2;securityProblemSelector=status(OPEN)", ProblemsQuery(True, "status(OPEN)")),
    (
        "USQL;SINGLE_VALUE;;SELECT AVG(duration) FROM usersession",
        USQLQuery("SINGLE_VALUE", "", "SELECT AVG(duration) FROM usersession"),
    ),
    (
        "USQL;COLUMN_CHART;iOS 12.1.4;SELECT osVersion, AVG(duration) FROM usersession",
        USQLQuery("COLUMN_CHART", "iOS 12.1.4", "SELECT osVersion, AVG(duration) FROM usersession"),
    ),
    (
        "USQL;TABLE;Chrome;SELECT a, b; c FROM usersession",
        USQLQuery("TABLE", "Chrome", "SELECT a, b; c FROM usersession"),
    ),
    # Keptn's legacy v1 form, converted as its dynatrace-service did
    (
        "builtin:service.requestCount.total:merge(0):sum?scope=tag(keptn_project:p),tag(keptn_stage:s)",
        MetricsQuery(
            "builtin:service.requestCount.total:merge(0):sum",
            "tag(keptn_project:p),tag(keptn_stage:s),type(SERVICE)",
            "Inf",
        ),
    ),
    ("builtin:x?scope=type(SERVICE),tag(a)", MetricsQuery("builtin:x", "type(SERVICE),tag(a)", "Inf")),
    ("builtin:x", MetricsQuery("builtin:x", "", "Inf")),
]


@pytest.mark.parametrize(("query", "expected"), PARSED)
def test_each_query_form_parses_as_keptn_did(query: str, expected: object) -> None:
    assert parse_query(query) == expected


REFUSED = [
    ("", "the query is empty"),
    ("metricSelector=", "could not parse 'key=value' pair correctly: metricSelector="),
    ("metricSelector=a&=b", "could not parse 'key=value' pair correctly: =b"),
    ("metricSelector=a&entitySelector", "could not parse 'key=value' pair correctly: entitySelector"),
    ("metricSelector=a&scope=b", "unknown key: scope"),
    ("metricSelector=a&metricSelector=b", "duplicate key 'metricSelector'"),
    ("entitySelector=type(SERVICE)", "metrics query must include a metric selector"),
    ("MV2;Kilobyte;metricSelector=a", "invalid unit: 'Kilobyte'"),
    ("MV2;MicroSecond", "incorrect prefix: MV2 queries read MV2;<MicroSecond|Byte>;metricSelector="),
    ("MV2;Byte;entitySelector=x", "metrics query must include a metric selector"),
    ("SLO;", "SLO id '' is not an id"),
    ("SLO;../../api/v1/config", "is not an id"),
    ("PV2;entitySelector=x", "the query must include problemSelector="),
    ("PV2;problemSelector=a&mzSelector=b", "unknown key: mzSelector"),
    ("SECPV2;securityProblemSelector=a&entitySelector=b", "unknown key: entitySelector"),
    ("USQL;SINGLE_VALUE;x;SELECT 1", "dimension should be empty for SINGLE_VALUE"),
    ("USQL;TABLE;;SELECT 1", "dimension should not be empty for TABLE"),
    ("USQL;HEATMAP;x;SELECT 1", "unknown result type: 'HEATMAP'"),
    ("USQL;TABLE;x;  ", "the USQL query should not be empty"),
    ("USQL;TABLE;SELECT 1", "incorrect prefix: USQL queries read USQL;"),
    ("XYZ;metricSelector=a", "unknown prefix 'XYZ'"),
    ("builtin:x?scope=a&foo=b", "unknown key: foo"),
]


@pytest.mark.parametrize(("query", "message"), REFUSED)
def test_malformed_queries_are_refused_with_keptns_message(query: str, message: str) -> None:
    with pytest.raises(QueryFormError) as caught:
        parse_query(query)
    assert message in str(caught.value)


@pytest.mark.parametrize("query", [query for query, _ in PARSED] + list(DEFAULT_QUERIES.values()))
def test_check_query_accepts_every_valid_form(query: str) -> None:
    assert check_query(query) == []


def test_check_query_resolves_placeholders_with_neutral_values() -> None:
    query = (
        "metricSelector=m:filter(eq(v,$LABEL.version))"
        "&entitySelector=tag(keptn_stage:$STAGE),tag($customFilter)"
    )
    assert check_query(query) == []
    assert check_query("SLO;$LABEL.sloId") == []


@pytest.mark.parametrize(("query", "expected"), [(query, message) for query, message in REFUSED if query])
def test_check_query_reports_what_the_provider_would_refuse(query: str, expected: str) -> None:
    problems = check_query(query)
    assert len(problems) == 1
    assert expected in problems[0]


def test_check_query_reports_env_placeholders_once_each() -> None:
    problems = check_query(
        "metricSelector=m&entitySelector=tag($ENV.SECRET),tag($ENV.SECRET),tag($ENV.OTHER)"
    )
    assert problems == [
        "placeholder $ENV.SECRET is not offered by slogate (it would expose the server's environment)",
        "placeholder $ENV.OTHER is not offered by slogate (it would expose the server's environment)",
    ]


def test_unresolved_label_and_env_placeholders_are_found() -> None:
    assert unresolved(
        "metricSelector=m&entitySelector=tag($LABEL.buildId),tag($ENV.HOME),tag($LABEL.buildId)"
    ) == [
        "$LABEL.buildId",
        "$ENV.HOME",
    ]
    assert unresolved("metricSelector=m&entitySelector=tag(a:b)") == []


def test_usql_queries_are_recognised_for_the_longer_settle_time() -> None:
    assert is_usql("  USQL;TABLE;x;SELECT 1")
    assert not is_usql("metricSelector=USQL;")


def test_defaults_are_keptns_five_with_splitby_and_the_keptn_tags() -> None:
    assert sorted(DEFAULT_QUERIES) == sorted(
        ["throughput", "error_rate", "response_time_p50", "response_time_p90", "response_time_p95"]
    )
    for query in DEFAULT_QUERIES.values():
        parsed = parse_query(query)
        assert isinstance(parsed, MetricsQuery)
        assert ":splitBy():" in parsed.selector
        assert parsed.entity_selector.startswith(
            "type(SERVICE),tag(keptn_project:$PROJECT),tag(keptn_stage:$STAGE)"
        )
        assert "tag(keptn_deployment:$DEPLOYMENT)" in parsed.entity_selector


@pytest.mark.parametrize(
    ("token", "fine"),
    [
        (VALID_TOKEN, True),
        ("dt0c01." + "A" * 24 + "." + "9" * 64, True),
        ("dt0c01." + "a" * 24 + "." + "9" * 64, False),  # lower case
        ("dt0c01." + "A" * 23 + "." + "9" * 64, False),
        ("dt0c01." + "A" * 24 + "." + "9" * 63, False),
        ("dt0c01" + "A" * 24 + "9" * 64, False),
        ("." + "A" * 24 + "." + "9" * 64, False),
        ("", False),
        (VALID_TOKEN + "\n", False),
    ],
)
def test_token_shape_problem_follows_keptns_pattern(token: str, fine: bool) -> None:
    problem = token_shape_problem(token)
    assert (problem is None) is fine
    if problem is not None:
        assert ("DT_API_TOKEN" in problem and token not in problem) or token == ""
