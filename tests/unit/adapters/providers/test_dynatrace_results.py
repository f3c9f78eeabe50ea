"""Dynatrace answers to one value: Keptn's single-value rules made explicit, USQL tiles, error bodies."""

from __future__ import annotations

import math
from typing import Any

import pytest

from slogate.adapters.providers.dynatrace_queries import USQLQuery
from slogate.adapters.providers.dynatrace_results import (
    ResultError,
    SeveralValuesError,
    api_error,
    metrics_value,
    slo_value,
    total_count,
    usql_value,
)


def answer(*series: list[Any], warnings: list[str] | None = None, collections: int = 1) -> dict[str, Any]:
    collection: dict[str, Any] = {
        "metricId": "m",
        "data": [{"dimensionMap": {}, "values": list(s)} for s in series],
    }
    if warnings:
        collection["warnings"] = warnings
    return {"totalCount": len(series), "result": [collection] * collections}


def test_one_series_with_one_value_is_the_value() -> None:
    assert metrics_value(answer([4.25])) == 4.25
    assert metrics_value(answer([0])) == 0.0


METRICS_FAILURES = [
    ({"result": []}, "Metrics API v2 returned zero metric series collections"),
    ({}, "Metrics API v2 returned zero metric series collections"),
    (answer([1.0], collections=2), "Metrics API v2 returned 2 metric series collections"),
    (answer(), "Metrics API v2 returned zero metric series"),
    (
        answer(warnings=["The lower bound of the timeframe is too far back"]),
        "zero metric series. Warnings: The lower bound of the timeframe is too far back",
    ),
    (answer([1.0], [2.0], [3.0]), "Metrics API v2 returned 3 metric series but only one is supported"),
    (answer([]), "Metrics API v2 returned zero values"),
    (answer([None]), "Metrics API v2 returned 'null' as value"),
    (answer(["12"]), "is not a number: '12'"),
    (answer([True]), "is not a number: True"),
    ({"result": [{"data": [{"values": [math.inf]}]}]}, "is inf"),
    ([1, 2], "the Metrics API v2 answer is not a JSON object"),
    ({"result": ["x"]}, "the metric series collection is not a JSON object"),
]


@pytest.mark.parametrize(("document", "message"), METRICS_FAILURES)
def test_anything_but_one_number_fails_naming_what_came_back(document: object, message: str) -> None:
    with pytest.raises(ResultError) as caught:
        metrics_value(document)
    assert message in str(caught.value)
    assert not isinstance(caught.value, SeveralValuesError)


def test_several_values_in_one_series_ask_for_the_retry() -> None:
    with pytest.raises(SeveralValuesError) as caught:
        metrics_value(answer([1.0, 2.0, None], warnings=["w"]))
    assert caught.value.count == 3
    assert str(caught.value) == "Metrics API v2 returned 3 values but only one is supported. Warnings: w"


def test_slo_value_is_the_evaluated_percentage_unless_an_error_is_set() -> None:
    assert slo_value({"evaluatedPercentage": 99.25, "error": "NONE"}) == 99.25
    assert slo_value({"evaluatedPercentage": 97}) == 97.0
    with pytest.raises(ResultError, match="Dynatrace API returned an error: Metric selector invalid"):
        slo_value({"evaluatedPercentage": 0, "error": "Metric selector invalid"})
    with pytest.raises(ResultError, match="evaluatedPercentage is null"):
        slo_value({"evaluatedPercentage": None, "error": "NONE"})


def test_total_count_is_read_and_must_be_a_number() -> None:
    assert total_count({"totalCount": 3, "problems": []}, "Problems API v2") == 3.0
    with pytest.raises(ResultError, match="the Problems API v2 totalCount is null"):
        total_count({"problems": []}, "Problems API v2")


ROWS = [["Chrome", 10, 1200.5], ["Firefox", 5, 900.0], [None, 1, 2]]
USQL_CASES = [
    (USQLQuery("SINGLE_VALUE", "", "q"), ["avg"], [[42.5]], 42.5),
    (USQLQuery("COLUMN_CHART", "Firefox", "q"), ["b", "n", "d"], ROWS[:2], 5.0),
    (USQLQuery("PIE_CHART", "Chrome", "q"), ["b", "n", "d"], ROWS[:2], 10.0),
    (USQLQuery("LINE_CHART", "Chrome", "q"), ["b", "n", "d"], ROWS[:2], 10.0),
    (USQLQuery("TABLE", "Chrome", "q"), ["b", "n", "d"], ROWS[:2], 1200.5),
]


@pytest.mark.parametrize(("query", "columns", "rows", "expected"), USQL_CASES)
def test_usql_tiles_pick_keptns_cell(
    query: USQLQuery, columns: list[str], rows: list[list[Any]], expected: float
) -> None:
    assert usql_value({"columnNames": columns, "values": rows}, query) == expected


USQL_FAILURES = [
    (USQLQuery("TABLE", "x", "q"), "a", [], "the USQL answer has no columnNames/values lists"),
    (
        USQLQuery("TABLE", "x", "q"),
        ["a", "b"],
        ["x", ["y", 1]],
        "could not find dimension name 'x' in result (2 row(s))",
    ),
    (
        USQLQuery("SINGLE_VALUE", "", "q"),
        ["a", "b"],
        [[1, 2]],
        "should only return a single result, got 2 column(s) and 1 row(s)",
    ),
    (USQLQuery("SINGLE_VALUE", "", "q"), ["a"], [], "got 1 column(s) and 0 row(s)"),
    (USQLQuery("SINGLE_VALUE", "", "q"), ["a"], [[None]], "dimension value should be a number, got None"),
    (USQLQuery("TABLE", "x", "q"), ["a"], [["x"]], "should at least have two columns, got 1"),
    (
        USQLQuery("TABLE", "Safari", "q"),
        ["b", "n"],
        ROWS[:2],
        "could not find dimension name 'Safari' in result (2 row(s))",
    ),
    (USQLQuery("TABLE", "Safari", "q"), ["b", "n", "d"], ROWS, "dimension name should be a string, got None"),
    (
        USQLQuery("COLUMN_CHART", "Chrome", "q"),
        ["b", "n"],
        [["Chrome", "10"]],
        "dimension value should be a number, got '10'",
    ),
]


@pytest.mark.parametrize(("query", "columns", "rows", "message"), USQL_FAILURES)
def test_usql_answers_without_the_cell_fail_clearly(
    query: USQLQuery, columns: list[str], rows: list[list[Any]], message: str
) -> None:
    with pytest.raises(ResultError) as caught:
        usql_value({"columnNames": columns, "values": rows}, query)
    assert message in str(caught.value)


def test_dynatrace_error_bodies_become_one_readable_line() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "Constraints violated.",
            "constraintViolations": [
                {
                    "path": "metricSelector",
                    "message": "Token `:splitBy(` is unknown",
                    "parameterLocation": "QUERY",
                },
                {"parameterLocation": "QUERY", "message": "from is in the future"},
            ],
        }
    }
    assert api_error(400, body, "") == (
        "Dynatrace API error (400): Constraints violated. [metricSelector: Token `:splitBy(` is unknown] "
        "[QUERY: from is in the future]"
    )
    assert api_error(404, {"error": {"code": 404}}, "") == "Dynatrace API error (404): (no message)"
    assert (
        api_error(502, None, "<html>\n Bad gateway </html>")
        == "Dynatrace API error (HTTP 502): <html> Bad gateway </html>"
    )
    assert api_error(500, None, "") == "Dynatrace API error (HTTP 500): (empty body)"
    assert len(api_error(500, None, "x" * 5000)) < 400
