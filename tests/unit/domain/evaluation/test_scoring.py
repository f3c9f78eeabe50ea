"""Total score and verdict (§5.5, §6, §7.1): arithmetic, decision order and message texts."""

from __future__ import annotations

import pytest

from slogate.domain.evaluation.objectives import KeySLIFailure
from slogate.domain.evaluation.scoring import (
    BAD_PASS_TARGET,
    BAD_WARNING_TARGET,
    NO_TARGET_SCORE,
    Thresholds,
    TotalScoreError,
    Verdict,
    achieved_score,
    decide,
    maximum_score,
    thresholds,
)
from slogate.domain.evaluation.slo import TotalScore
from slogate.domain.protocol.gate_events import IndicatorResult, Target

TARGET = (Target("<1", 1.0, False),)


def result(
    score: float, pass_targets: tuple[Target, ...] | None = TARGET, status: str = "pass"
) -> IndicatorResult:
    """An indicator result with a score and pass targets."""
    return IndicatorResult(score, status, "", False, None, pass_targets, None)


# --- §7.1 step 1: thresholds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "message"),
    [
        pytest.param(None, NO_TARGET_SCORE, id="missing"),
        pytest.param(TotalScore("", "75%"), NO_TARGET_SCORE, id="pass-empty"),
        pytest.param(TotalScore("bla", ""), BAD_PASS_TARGET, id="pass-not-a-number"),
        pytest.param(TotalScore("bla", "bla"), BAD_PASS_TARGET, id="pass-checked-before-warning"),
        pytest.param(TotalScore("90%%", ""), BAD_PASS_TARGET, id="pass-two-percent-signs"),
        pytest.param(TotalScore("90%", "bla"), BAD_WARNING_TARGET, id="warning-not-a-number"),
    ],
)
def test_threshold_errors(total: TotalScore | None, message: str) -> None:
    """Missing or unparsable total_score thresholds raise Keptn's exact error text."""
    with pytest.raises(TotalScoreError) as raised:
        thresholds(total)
    assert str(raised.value) == message


def test_threshold_error_texts() -> None:
    """The three total_score error texts are Keptn's."""
    assert (NO_TARGET_SCORE, BAD_PASS_TARGET, BAD_WARNING_TARGET) == (
        "no target score defined",
        "could not parse pass target percentage",
        "could not parse warning target percentage",
    )


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        pytest.param(TotalScore("90%", "75%"), Thresholds(90.0, 75.0), id="percent"),
        pytest.param(TotalScore("90", "75"), Thresholds(90.0, 75.0), id="plain"),
        pytest.param(TotalScore("90%", ""), Thresholds(90.0, None), id="no-warning"),
        pytest.param(TotalScore("0.5", "1e1"), Thresholds(0.5, 10.0), id="go-float-forms"),
    ],
)
def test_thresholds(total: TotalScore, expected: Thresholds) -> None:
    """Thresholds parse with one % stripped; an empty warning means none."""
    assert thresholds(total) == expected


# --- §5.5 / §6 arithmetic ---------------------------------------------------------------------------


def test_maximum_score_sums_weights() -> None:
    """The maximum is the sum of the weights given (negatives included)."""
    assert maximum_score([1, 2, 3]) == 6.0
    assert maximum_score([2, -1]) == 1.0
    assert maximum_score([]) == 0.0


def test_two_of_three_is_66_66666666666666() -> None:
    """Total = 100 * (sum / maximum), division first, unrounded: two of three -> 66.66666666666666."""
    score = achieved_score([result(1.0), result(1.0), result(0.0, status="fail")], 3.0)
    assert score == 66.66666666666666
    assert score == 100.0 * (2.0 / 3.0)


def test_score_division_before_multiplication() -> None:
    """100 * (sum / max) differs from (100 * sum) / max for some inputs; Keptn's order is used."""
    score = achieved_score([result(1.0)], 3.0)
    assert score == 33.33333333333333
    assert (100.0 * 1.0) / 3.0 == 33.333333333333336


def test_only_results_with_pass_targets_are_summed() -> None:
    """Results without a non-empty pass-target list (info, empty pass items) add nothing."""
    results = [result(1.0), result(5.0, pass_targets=()), result(5.0, pass_targets=None), result(0.5)]
    assert achieved_score(results, 2.0) == 75.0


# --- §7.1 decision order and messages -------------------------------------------------------------

KEY = KeySLIFailure("Response time", "failed evaluation with score 0.000000")


@pytest.mark.parametrize(
    ("score", "limits", "key_failure", "expected"),
    [
        pytest.param(
            100.0, Thresholds(90.0, 75.0), None, Verdict("pass", 100.0, "extra"), id="pass-keeps-message"
        ),
        pytest.param(
            90.0, Thresholds(90.0, 75.0), None, Verdict("pass", 90.0, "extra"), id="pass-at-threshold"
        ),
        pytest.param(
            75.0,
            Thresholds(90.0, 75.0),
            None,
            Verdict(
                "warning",
                75.0,
                "Evaluation returned a warning: the calculated score of 75 "
                "is close to the warning target value of 75",
            ),
            id="warning-at-threshold",
        ),
        pytest.param(
            100.0 * (2.0 / 3.0),
            Thresholds(90.0, 50.0),
            None,
            Verdict(
                "warning",
                66.66666666666666,
                "Evaluation returned a warning: the calculated score of 66.66666666666666 "
                "is close to the warning target value of 50",
            ),
            id="warning-go-formatting",
        ),
        pytest.param(
            50.0,
            Thresholds(90.0, 75.3),
            None,
            Verdict(
                "fail",
                50.0,
                "Evaluation failed since the calculated score of 50 is below the warning value of 75.3",
            ),
            id="fail-below-warning",
        ),
        pytest.param(
            100.0,
            Thresholds(90.0, 75.0),
            KEY,
            Verdict(
                "fail",
                100.0,
                "Evaluation failed due to key_sli objective 'Response time': "
                "failed evaluation with score 0.000000",
            ),
            id="key-failure-beats-full-score",
        ),
        pytest.param(
            50.0,
            Thresholds(90.0, None),
            KeySLIFailure("", "no value received from SLI provider"),
            Verdict(
                "fail",
                50.0,
                "Evaluation failed due to key_sli objective '': no value received from SLI provider",
            ),
            id="key-failure-empty-display-name",
        ),
        pytest.param(
            50.0,
            Thresholds(90.0, None),
            None,
            Verdict(
                "fail",
                50.0,
                "Evaluation failed since the calculated score of 50 is below the target value of 90",
            ),
            id="fail-no-warning-threshold",
        ),
        pytest.param(
            89.5,
            Thresholds(89.75, None),
            None,
            Verdict(
                "fail",
                89.5,
                "Evaluation failed since the calculated score of 89.5 is below the target value of 89.75",
            ),
            id="fail-fractional-pass-target",
        ),
    ],
)
def test_decide(
    score: float, limits: Thresholds, key_failure: KeySLIFailure | None, expected: Verdict
) -> None:
    """Keptn's order: pass; warning/fail by warning target; key SLI; below pass target; Go numbers."""
    assert decide(score, limits, key_failure, "extra") == expected
