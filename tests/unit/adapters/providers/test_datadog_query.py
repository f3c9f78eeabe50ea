"""Datadog sli.yaml queries: lint problems, the scalar request built from a query, the placeholders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from slogate.adapters.providers.datadog import check_query
from slogate.adapters.providers.datadog_query import (
    InvalidQueryError,
    ScalarPlan,
    datadog_placeholders,
    scalar_plan,
    unresolved,
)
from slogate.adapters.providers.vendor import keptn_placeholders
from slogate.domain.evaluation.sli import SLIRequest

FINE = (
    "avg:network.http.response_time{*} by {$SERVICE}.rollup(avg, $DURATION)",  # Keptn's example
    "avg:trace.http.request.duration{service:$service,env:$stage,version:$LABEL.buildId}",
    "sum:trace.http.request.errors{service:$SERVICE}.as_count() / sum:trace.http.request.hits{*}.as_count()",
    "abs(sum:x{*})",
    "top(avg:x{*} by {host}, 10, 'mean', 'desc')",
    "p95:trace.latency{env:$STAGE}",
    "x{*}.rollup(count)",
    "count:request.latency.distribution{*}",
    "timeshift(avg:x{*}, -3600) / 1000",
    "anomalies(avg:x{host:web-1} by {host}, 'basic', 2)",
    "max:system.cpu.user{host:a,!host:b}.rollup(max, 60).fill(zero)",
    "avg:x{service IN (a,b)}",
    "avg:x{deployment:$DEPLOYMENT,team:$team}",  # $team: an SLO filter
)
PROBLEMS = (
    ("", "the query is empty"),
    ("   ", "the query is empty"),
    ("system.cpu.user", "no metric query such as"),
    ("avg:x{}", "the scope {} is empty"),
    ("avg:x{*} by {}", "'by {}' names no tag"),
    ("bogus:x{*}", "unknown space aggregator 'bogus'"),
    ("avg:x{*}.rollup(median, 60)", "unknown rollup method 'median'"),
    ("avg:x{*}.rollup(avg, 0)", ".rollup() takes a method and a whole number of seconds"),
    ("avg:x{*}.rollup(avg, 1m)", ".rollup() takes a method and a whole number of seconds"),
    ("avg:x{*} }", "unbalanced braces"),
    ("avg:x{*} + avg:{*}", "unbalanced braces"),
    ("avg:x{*} + avg:", "a space aggregator without a metric"),
    ("abs(avg:x{*}", "unbalanced parentheses"),
    ("avg:x{*})", "unbalanced parentheses"),
    ("avg:a{*}, avg:b{*}", "several queries separated by ','"),
    ("avg:x{*} + y", "'y' is neither a metric with a scope (y{*}) nor a function"),
    ("avg:x{*}; drop", "unexpected character(s) ;"),
    ("avg:x{host:$ENV.HOME}", "$ENV.HOME: $ENV is not supported"),
    ("avg:x{*}.rollup(avg, $DURATION_SECONDS)", "$DURATION_SECONDS is Prometheus's placeholder"),
    ("avg:x{build:$LABEL.}", "$LABEL. needs a label name"),
)


@pytest.mark.parametrize("query", FINE)
def test_check_query_accepts_keptn_style_queries(query: str) -> None:
    assert check_query(query) == []


@pytest.mark.parametrize(("query", "problem"), PROBLEMS)
def test_check_query_names_the_problem(query: str, problem: str) -> None:
    problems = check_query(query)
    assert problems, query
    assert problem in problems[0]


@pytest.mark.parametrize(
    ("query", "aggregator"),
    [
        ("avg:x{*}", "avg"),
        ("sum:x{*}", "sum"),
        ("min:x{*}", "min"),
        ("max:x{*}", "max"),
        ("count:x{*}", "sum"),
        ("x{*}", "avg"),
        ("p99:x{*}", "percentile"),
        ("p99.9:x{*}", "percentile"),
        ("avg:x{*}.rollup(sum, 60)", "sum"),
        ("avg:x{*}.rollup(count, 60)", "sum"),
        ("sum:x{*}.rollup(max)", "max"),
        ("sum:x{*}.rollup(60)", "sum"),
        ("max:x{*}.rollup(min, 60).rollup(avg, 120)", "avg"),
        ("avg:x{*} by {host}.as_count()", "avg"),
    ],
)
def test_the_scalar_aggregator_follows_the_rollup_then_the_space_aggregator(
    query: str, aggregator: str
) -> None:
    assert scalar_plan(query) == ScalarPlan((("query1", query, aggregator),))


def test_arithmetic_between_metric_terms_becomes_a_formula() -> None:
    plan = scalar_plan(" sum:e{svc:a}.as_count() / (sum:h{svc:a}.as_count() + 1) * 100 ")
    assert plan.queries == (
        ("query1", "sum:e{svc:a}.as_count()", "sum"),
        ("query2", "sum:h{svc:a}.as_count()", "sum"),
    )
    assert plan.formula == "query1 / (query2 + 1) * 100"
    assert scalar_plan("abs(avg:x{*})") == ScalarPlan((("query1", "avg:x{*}", "avg"),), "abs(query1)")


def test_scalar_plan_raises_every_problem() -> None:
    with pytest.raises(InvalidQueryError) as raised:
        scalar_plan("bogus:x{} + y")
    assert len(raised.value.problems) == 3
    assert raised.value.message == "; ".join(raised.value.problems)


def request(**fields: object) -> SLIRequest:
    end = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    values: dict[str, object] = {"labels": (("buildId", "b42"),), "filters": (("team", "'core'"),)}
    values.update(fields)
    return SLIRequest("shop", "qa", "cart", end - timedelta(seconds=90.2), end, ("a",), **values)  # type: ignore[arg-type]


def test_placeholders_are_keptn_datadog_ones_plus_the_shared_ones() -> None:
    values = datadog_placeholders(request(), keptn_placeholders(request()))
    assert values["$PROJECT"] == values["$project"] == "shop"
    assert values["$STAGE"] == values["$stage"] == "qa"
    assert values["$SERVICE"] == values["$service"] == "cart"
    assert values["$DURATION"] == "91"  # whole seconds, rounded up, no unit
    assert values["$LABEL.buildId"] == "b42"
    assert values["$team"] == values["$TEAM"] == "core"
    assert values["$DEPLOYMENT"] == "primary"


def test_a_filter_named_like_a_fixed_placeholder_does_not_replace_it() -> None:
    chosen = request(filters=(("project", "other"), ("service", "other")))
    values = datadog_placeholders(chosen, keptn_placeholders(chosen))
    assert values["$PROJECT"] == values["$project"] == "shop"
    assert values["$service"] == "cart"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("avg:x{a:$ENV.SECRET}", "$ENV.SECRET: $ENV is not supported"),
        ("avg:x{a:$LABEL.missing}", "$LABEL.missing: the event has no label 'missing'"),
        ("avg:x{a:$nofilter}", "unknown placeholder $nofilter"),
        ("avg:x{a:$DURATION_SECONDS}", "$DURATION_SECONDS is Prometheus's placeholder"),
    ],
)
def test_placeholders_left_after_substitution_are_named(query: str, problem: str) -> None:
    problems = unresolved(query)
    assert len(problems) == 1
    assert problem in problems[0]


def test_a_query_without_placeholders_has_none_left() -> None:
    assert unresolved("avg:x{a:b} + 2 * $") == []


def test_the_docs_examples_pass_lint() -> None:
    """Every indicator of docs/providers/datadog.md's sli.yaml is a query slogate sends."""
    text = (Path(__file__).resolve().parents[4] / "docs" / "providers" / "datadog.md").read_text(
        encoding="utf-8"
    )
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    indicators = yaml.safe_load(block)["indicators"]
    assert len(indicators) == 4
    for query in indicators.values():
        assert check_query(query) == [], query
