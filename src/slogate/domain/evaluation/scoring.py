"""Total score and verdict from the objective results (lighthouse §6–7.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slogate.domain.evaluation.objectives import KeySLIFailure
from slogate.domain.evaluation.slo import TotalScore
from slogate.domain.gonumbers import format_go_float, parse_go_float
from slogate.domain.protocol.gate_events import FAIL, PASS, WARNING, IndicatorResult
from slogate.errors import InputError

NO_TARGET_SCORE = "no target score defined"
BAD_PASS_TARGET = "could not parse pass target percentage"
BAD_WARNING_TARGET = "could not parse warning target percentage"


class TotalScoreError(InputError, ValueError):
    """The ``total_score`` block is missing or unparsable: the evaluation is errored."""

    code = "invalid_total_score"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The parsed total-score thresholds in percent; ``warning`` is None when not set."""

    pass_: float
    warning: float | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The gate's result, its score in percent, and the message Keptn attaches (may be empty)."""

    result: str
    score: float
    message: str


def parse_threshold(text: str) -> float | None:
    """A threshold such as ``"90%"`` or ``"90"``: one trailing ``%`` is stripped, Go parses the rest."""
    return parse_go_float(text.removesuffix("%"))


def thresholds(total_score: TotalScore | None) -> Thresholds:
    """Parse the total-score block or raise :class:`TotalScoreError` with Keptn's message."""
    if total_score is None or not total_score.pass_:
        raise TotalScoreError(NO_TARGET_SCORE)
    pass_ = parse_threshold(total_score.pass_)
    if pass_ is None:
        raise TotalScoreError(BAD_PASS_TARGET)
    if not total_score.warning:
        return Thresholds(pass_, None)
    warning = parse_threshold(total_score.warning)
    if warning is None:
        raise TotalScoreError(BAD_WARNING_TARGET)
    return Thresholds(pass_, warning)


def maximum_score(weights_of_scored: Sequence[int]) -> float:
    """The maximum achievable score: the sum of the weights of objectives with pass criteria."""
    return float(sum(weights_of_scored))


def achieved_score(results: Sequence[IndicatorResult], maximum: float) -> float:
    """``100 * (sum / maximum)``, unrounded; only results with pass targets are summed."""
    total = 0.0
    for result in results:
        if result.pass_targets:
            total += result.score
    return 100.0 * (total / maximum)


def decide(score: float, limits: Thresholds, key_failure: KeySLIFailure | None, message: str) -> Verdict:
    """Keptn's decision order: pass, then warning/fail by threshold, then key SLI, then pass target."""
    shown = format_go_float(score)
    if score >= limits.pass_ and key_failure is None:
        return Verdict(PASS, score, message)
    if limits.warning is not None and key_failure is None:
        warning = format_go_float(limits.warning)
        if score >= limits.warning:
            return Verdict(
                WARNING,
                score,
                f"Evaluation returned a warning: the calculated score of {shown} "
                f"is close to the warning target value of {warning}",
            )
        return Verdict(
            FAIL,
            score,
            f"Evaluation failed since the calculated score of {shown} "
            f"is below the warning value of {warning}",
        )
    if key_failure is not None:
        return Verdict(
            FAIL,
            score,
            f"Evaluation failed due to key_sli objective '{key_failure.display_name}': {key_failure.reason}",
        )
    return Verdict(
        FAIL,
        score,
        f"Evaluation failed since the calculated score of {shown} is below the target value of "
        f"{format_go_float(limits.pass_)}",
    )
