"""The quality gate end to end: SLI results + SLO file + history -> ``evaluation.finished`` data.

This reproduces Keptn lighthouse's handling of ``get-sli.finished`` (§7.2, §8.1 of the semantics),
including its errored paths, so that the same inputs give the same verdicts, scores and messages.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from slogate.domain.evaluation.comparison import previous_values, select_previous
from slogate.domain.evaluation.objectives import (
    InvalidPassCriterionError,
    KeySLIFailure,
    ObjectiveOutcome,
    ValuePool,
)
from slogate.domain.evaluation.scoring import (
    TotalScoreError,
    Verdict,
    achieved_score,
    decide,
    maximum_score,
    thresholds,
)
from slogate.domain.evaluation.slo import SLO
from slogate.domain.evaluation.sufficiency import judge_objective, overall
from slogate.domain.protocol.gate_events import (
    ABORTED,
    ERRORED,
    FAIL,
    PASS,
    SUCCEEDED,
    EvaluationDetails,
    EvaluationFinished,
    SLIResults,
    StoredEvaluation,
)

NO_OBJECTIVES_MESSAGE = "lighthouse failed because no SLO objective was provided"
ABORTED_MESSAGE = "evaluation performed by lighthouse was aborted"
ERRORED_PREFIX = "evaluation performed by lighthouse received an unexpected error: "
SLI_FAILED_PREFIX = "lighthouse failed because SLI failed with message "


@dataclass(frozen=True, slots=True)
class SLOFile:
    """The SLO resource: its raw text and the parsed model (None when the text does not parse)."""

    text: str
    slo: SLO | None

    @property
    def content(self) -> str:
        """The raw text, base64 encoded, as Keptn reports it in ``sloFileContent``."""
        return base64.b64encode(self.text.encode("utf-8")).decode("ascii")


def evaluate_gate(
    sli: SLIResults, slo_file: SLOFile | None, history: Sequence[StoredEvaluation]
) -> EvaluationFinished:
    """Evaluate ``sli`` against ``slo_file`` (None: no SLO configured) and ``history`` (newest first)."""
    if sli.status == ABORTED:
        return _errored(sli, ABORTED_MESSAGE, PASS)
    if sli.status == ERRORED:
        return _errored(sli, ERRORED_PREFIX + sli.message, PASS)
    if slo_file is None:
        message = (
            "no evaluation performed by lighthouse because no SLO file configured for project " + sli.project
        )
        return _finished(sli, SUCCEEDED, PASS, message, EvaluationDetails(sli.start, sli.end, PASS, 0.0))
    if slo_file.slo is None:
        message = (
            f"Could not parse SLO file for service {sli.service} in stage {sli.stage} "
            f"in project {sli.project}"
        )
        return _errored(sli, message, FAIL)
    return _evaluate(sli, slo_file.slo, slo_file.content, history)


def _evaluate(
    sli: SLIResults, slo: SLO, content: str, history: Sequence[StoredEvaluation]
) -> EvaluationFinished:
    selected = select_previous(history, slo.comparison, sli.project, sli.stage, sli.service)
    pool = ValuePool(sli.values)
    values_by_sli = previous_values(selected)
    function = slo.comparison.aggregate_function
    try:
        outcomes = [
            judge_objective(
                objective,
                pool.take(objective.sli),
                values_by_sli.get(objective.sli, []),
                function,
                sli.values,
            )
            for objective in slo.objectives
        ]
    except InvalidPassCriterionError as error:
        return _finished(sli, SUCCEEDED, FAIL, str(error), EvaluationDetails(sli.start, sli.end, FAIL, 0.0))
    try:
        verdict = _verdict(slo, outcomes, _additional_slis_message(pool.remaining()))
    except TotalScoreError as error:
        return _errored(sli, str(error), FAIL, content)
    result, message = verdict.result, verdict.message
    if not slo.objectives:
        result, message = FAIL, NO_OBJECTIVES_MESSAGE
    elif sli.result == FAIL:
        result, message = FAIL, SLI_FAILED_PREFIX + sli.message
    else:
        result, message = overall(slo.on_insufficient, outcomes, result, message)
    details = EvaluationDetails(
        time_start=sli.start,
        time_end=sli.end,
        result=verdict.result,
        score=verdict.score,
        slo_file_content=content,
        indicator_results=tuple(outcome.result for outcome in outcomes) or None,
        compared_events=tuple(event.id for event in selected),
    )
    return _finished(sli, SUCCEEDED, result, message, details)


def _verdict(slo: SLO, outcomes: Sequence[ObjectiveOutcome], message: str) -> Verdict:
    limits = thresholds(slo.total_score)
    if not slo.objectives:
        return decide(0.0, limits, None, message)
    maximum = maximum_score([o.weight for o, out in zip(slo.objectives, outcomes, strict=True) if out.scored])
    if maximum == 0:
        return Verdict(PASS, 100.0, message)
    key_failure: KeySLIFailure | None = None
    for outcome in outcomes:
        key_failure = outcome.key_failure or key_failure
    score = achieved_score([outcome.result for outcome in outcomes], maximum)
    return decide(score, limits, key_failure, message)


def _additional_slis_message(names: Sequence[str]) -> str:
    if not names:
        return ""
    return (
        "Lighthouse received additional SLIs, which are not specified as SLO: "
        f"{', '.join(names)} . Please consider using them as an SLO."
    )


def _errored(sli: SLIResults, message: str, evaluation_result: str, content: str = "") -> EvaluationFinished:
    details = EvaluationDetails(sli.start, sli.end, evaluation_result, 0.0, content)
    return _finished(sli, ERRORED, FAIL, message, details)


def _finished(
    sli: SLIResults, status: str, result: str, message: str, details: EvaluationDetails
) -> EvaluationFinished:
    return EvaluationFinished(
        project=sli.project,
        stage=sli.stage,
        service=sli.service,
        labels=sli.labels,
        status=status,
        result=result,
        message=message,
        evaluation=details,
    )
