"""Previous evaluations: selection (§4.1-4.2), the values used (§4.3) and aggregation (§4.4)."""

from __future__ import annotations

import random

import pytest

from slogate.domain.evaluation.comparison import (
    aggregate,
    percentile,
    previous_values,
    select_previous,
    sum_in_order,
)
from slogate.domain.evaluation.slo import Comparison
from slogate.domain.protocol.gate_events import StoredEvaluation
from tests.unit.conftest import failed, stored

SCOPE = ("sockshop", "staging", "carts")


def _ids(history: list[StoredEvaluation], comparison: Comparison) -> list[str]:
    return [event.id for event in select_previous(history, comparison, *SCOPE)]


def _several(number: int, include: str = "all") -> Comparison:
    return Comparison("several_results", include, number, "avg")


FIVE = [stored(f"e{i}", ("rt", float(i))) for i in range(5)]

# --- §4.1 how many ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comparison", "expected"),
    [
        pytest.param(Comparison(), ["e0"], id="single-result"),
        pytest.param(
            Comparison("single_result", number_of_comparison_results=4), ["e0"], id="single-ignores-n"
        ),
        pytest.param(_several(2), ["e0", "e1"], id="several-2"),
        pytest.param(_several(10), ["e0", "e1", "e2", "e3", "e4"], id="several-more-than-available"),
        pytest.param(Comparison("", number_of_comparison_results=1), ["e0", "e1", "e2"], id="empty-means-3"),
        pytest.param(
            Comparison("newest", number_of_comparison_results=1), ["e0", "e1", "e2"], id="unknown-means-3"
        ),
        pytest.param(_several(-1), [], id="negative-selects-nothing"),
    ],
)
def test_number_of_previous_evaluations(comparison: Comparison, expected: list[str]) -> None:
    """The newest N evaluations are selected, N per compare_with (§4.1)."""
    assert _ids(FIVE, comparison) == expected


# --- §4.2 the datastore query ----------------------------------------------------------------------


def test_invalidated_evaluations_are_excluded_before_the_limit() -> None:
    """Invalidated evaluations do not take a slot: the next older one is selected instead."""
    history = [stored("new", invalidated=True), stored("mid"), stored("old")]
    assert _ids(history, _several(2)) == ["mid", "old"]


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        pytest.param("all", ["p", "w", "f", "e"], id="all"),
        pytest.param("ALL", ["p", "w", "f", "e"], id="all-upper"),
        pytest.param("anything", ["p", "w", "f", "e"], id="unknown-means-all"),
        pytest.param("pass", ["p"], id="pass"),
        pytest.param("Pass", ["p"], id="pass-case-insensitive"),
        pytest.param("pass_or_warn", ["p", "w"], id="pass-or-warn"),
    ],
)
def test_result_filter_on_event_level_result(include: str, expected: list[str]) -> None:
    """include_result_with_score filters on data.result of the previous event (§4.2)."""
    history = [
        stored("p", result="pass"),
        stored("w", result="warning"),
        stored("f", result="fail"),
        stored("e", result=""),
    ]
    assert _ids(history, _several(10, include)) == expected


def test_result_filter_ignores_the_score() -> None:
    """A previous evaluation with data.result fail is skipped by 'pass' even if its values were perfect."""
    history = [stored("sli-failed", ("rt", 1.0), result="fail"), stored("passed", ("rt", 9.0))]
    selected = select_previous(history, _several(1, "pass"), *SCOPE)
    assert [e.id for e in selected] == ["passed"]
    assert previous_values(selected).get("rt", []) == [9.0]


def test_evaluations_without_values_occupy_a_slot() -> None:
    """An errored or 'no SLO file' evaluation without values is eligible and takes one of the N slots."""
    history = [stored("no-slo"), stored("errored", result="fail"), stored("real", ("rt", 3.0))]
    selected = select_previous(history, _several(2), *SCOPE)
    assert [e.id for e in selected] == ["no-slo", "errored"]
    assert previous_values(selected).get("rt", []) == []


def test_undecodable_evaluations_take_a_slot_and_are_dropped() -> None:
    """An event lighthouse cannot decode uses up a slot of the limit but is not compared with."""
    history = [StoredEvaluation("broken", decodable=False), stored("a"), stored("b")]
    assert _ids(history, _several(2)) == ["a"]


@pytest.mark.parametrize(
    ("event", "selected"),
    [
        pytest.param(stored("x", project="other"), False, id="other-project"),
        pytest.param(stored("x", stage="prod"), False, id="other-stage"),
        pytest.param(stored("x", service="orders"), False, id="other-service"),
        pytest.param(stored("x", project="", stage="", service=""), True, id="fields-left-out"),
        pytest.param(stored("x", type="sh.keptn.event.evaluation.triggered"), False, id="other-type"),
        pytest.param(stored("x", type=""), True, id="type-left-out"),
        pytest.param(stored("x"), True, id="same-service"),
    ],
)
def test_only_this_services_evaluations_are_history(event: StoredEvaluation, selected: bool) -> None:
    """Entries naming another project/stage/service or event type are not part of this history."""
    assert (_ids([event], _several(3)) == ["x"]) is selected


def test_scope_left_empty_by_the_caller_does_not_exclude() -> None:
    """An empty project/stage/service on the current side does not restrict the history."""
    history = [stored("x", project="other")]
    assert [e.id for e in select_previous(history, _several(1), "", "staging", "carts")] == ["x"]


# --- §4.3 values used for one objective -------------------------------------------------------------


def test_previous_values_match_sli_name_and_success() -> None:
    """Only successful values whose metric is the objective's sli count; entries without value are skipped."""
    selected = [
        stored("a", ("rt", 1.0), ("err", 5.0), None),
        stored("b", failed("rt"), ("RT", 7.0)),
        stored("c", ("rt", 3.0), ("rt", 4.0)),
    ]
    assert previous_values(selected).get("rt", []) == [1.0, 3.0, 4.0]
    assert previous_values(selected).get("missing", []) == []


# --- §4.4 aggregation -------------------------------------------------------------------------------

ZERO_TO_TEN = [float(v) for v in range(11)]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        pytest.param("avg", 5.0, id="avg"),
        pytest.param("p50", 5.0, id="p50"),
        pytest.param("p90", 9.8, id="p90"),
        pytest.param("p95", 10.0, id="p95"),
    ],
)
def test_aggregate_zero_to_ten(function: str, expected: float) -> None:
    """The doc's 0..10 example: avg 5, p50 5, p90 9.8, p95 10, whatever the input order."""
    values = ZERO_TO_TEN.copy()
    random.Random(7).shuffle(values)
    assert aggregate(values, function) == expected


@pytest.mark.parametrize(
    ("values", "function", "expected"),
    [
        pytest.param([10.0, 5.0], "p50", 7.5, id="p50-interpolates-two"),
        pytest.param([4.0], "p50", 4.0, id="p50-single"),
        pytest.param([4.0], "p95", 4.0, id="p95-single"),
        pytest.param([1.0, 2.0, 3.0], "p90", 3.0, id="p90-clamped-to-largest"),
        pytest.param([1.0, 2.0, 3.0, 4.0], "p50", 2.5, id="p50-even-count"),
        pytest.param([2.0, 4.0], "avg", 3.0, id="avg"),
        pytest.param([0.0], "avg", 0.0, id="genuine-zero"),
        pytest.param([1.0, 2.0], "max", 0.0, id="unknown-max-is-zero"),
        pytest.param([1.0, 2.0], "AVG", 0.0, id="case-sensitive-avg-is-zero"),
        pytest.param([1.0, 2.0], "p99", 0.0, id="p99-is-zero"),
        pytest.param([1.0, 2.0], "", 0.0, id="empty-name-is-zero"),
    ],
)
def test_aggregate(values: list[float], function: str, expected: float) -> None:
    """avg is the mean, percentiles interpolate, unknown names give 0 without skipping."""
    assert aggregate(values, function) == expected


@pytest.mark.parametrize("function", ["avg", "p50", "p90", "p95", "max"])
def test_aggregate_without_values_skips(function: str) -> None:
    """No previous values means skip (None), for every function name."""
    assert aggregate([], function) is None


def test_avg_sums_left_to_right_like_go() -> None:
    """The mean uses a plain left-to-right float sum (Go's loop), not a compensated sum."""
    values = [1e16, 1.0, -1e16]
    assert sum_in_order(values) == 0.0
    assert aggregate(values, "avg") == 0.0


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        pytest.param(0.1, 1.0, id="rank-below-one-takes-smallest"),
        pytest.param(0.5, 2.0, id="middle"),
        pytest.param(0.625, 2.5, id="interpolated"),
        pytest.param(0.75, 3.0, id="rank-n-takes-largest"),
    ],
)
def test_percentile_ranks(p: float, expected: float) -> None:
    """Rank p*(n+1): below 1 the smallest, at or above n the largest, else interpolate."""
    assert percentile([3.0, 1.0, 2.0], p) == expected
