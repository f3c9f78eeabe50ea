"""One sentence that says why a gate ended as it did, e.g. ``fail: key SLI 'X' failed (0.41 > 0.2)``."""

from __future__ import annotations

from collections.abc import Sequence

from slogate.domain.evaluation.criteria import negated_operator, parse_criterion
from slogate.domain.evaluation.scoring import parse_threshold
from slogate.domain.evaluation.slo import SLO
from slogate.domain.evaluation.sufficiency import INSUFFICIENT_PREFIX
from slogate.domain.gonumbers import format_go_float
from slogate.domain.protocol.gate_events import (
    ERRORED,
    FAIL,
    PASS,
    WARNING,
    EvaluationFinished,
    IndicatorResult,
)


def explain(event: EvaluationFinished, slo: SLO | None) -> str:
    """Why ``event`` has its verdict, naming the deciding objective, value and threshold, and what
    the data-sufficiency rules (slogate's SLO extension) decided."""
    details = event.evaluation
    if event.status == ERRORED:
        return f"errored: {event.message}"
    if slo is None or details.indicator_results is None:
        return f"{event.result}: {event.message or 'nothing was evaluated'}"
    notes = "; ".join(r.data_sufficiency for r in details.indicator_results if r.data_sufficiency)
    if notes and event.result != details.result and INSUFFICIENT_PREFIX in event.message:
        return f"{event.result}: {notes} (the objectives alone gave {details.result})"
    sentence = _sentence(event, slo)
    return f"{sentence}; {notes}" if notes else sentence


def _sentence(event: EvaluationFinished, slo: SLO) -> str:
    details = event.evaluation
    assert details.indicator_results is not None  # explain() returned for an evaluation without results
    if event.result != details.result:
        return f"{event.result}: {event.message} (the objectives alone gave {details.result})"
    pairs = list(zip(slo.objectives, details.indicator_results, strict=True))
    if not any(not objective.informational for objective, _ in pairs):
        return "pass: no objective has pass criteria, so there is nothing to fail"
    key_failures = [(o.label, r) for o, r in pairs if o.key_sli and r.status == FAIL]
    if event.result == FAIL and key_failures:
        label, result = key_failures[-1]
        return f"fail: key SLI '{label}' failed {_why_failed(result)}"
    score = format_go_float(round(details.score, 2))
    pass_target, warning_target = _thresholds(slo)
    failed = _names("failed", [o.label for o, r in pairs if r.status == FAIL])
    warned = _names("warning", [o.label for o, r in pairs if r.status == WARNING])
    if event.result == PASS:
        return f"pass: score {score} reaches the pass target {pass_target}{warned}{failed}"
    if event.result == WARNING:
        return (
            f"warning: score {score} is below the pass target {pass_target} but reaches the "
            f"warning target {warning_target}{failed}{warned}"
        )
    below = f"pass target {pass_target}"
    if warning_target:
        below += f" and the warning target {warning_target}"
    return f"fail: score {score} is below the {below}{failed}{warned}"


def _thresholds(slo: SLO) -> tuple[str, str]:
    total = slo.total_score
    assert total is not None  # an evaluated SLO always has a total score
    shown = [parse_threshold(text) if text else None for text in (total.pass_, total.warning)]
    pass_target, warning_target = (format_go_float(v) if v is not None else "" for v in shown)
    return pass_target, warning_target


def _names(what: str, labels: Sequence[str]) -> str:
    if not labels:
        return ""
    return f"; {what}: " + ", ".join(f"'{label}'" for label in labels)


def _why_failed(result: IndicatorResult) -> str:
    if result.data_sufficiency:  # a data-sufficiency rule failed it; explain() appends the note
        return "(its data-sufficiency rule)"
    value = result.value
    if value is None or not value.success:
        reason = value.message if value is not None and value.message else "no value"
        return f"({reason})"
    target = next(t for t in result.pass_targets or () if t.violated)
    op = negated_operator(parse_criterion(target.criteria).operator)
    return f"({format_go_float(value.value)} {op} {format_go_float(target.target_value)})"
