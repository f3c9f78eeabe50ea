"""Prometheus alerting rules from a service's SLOs, as Keptn's prometheus-service wrote them for remediation.

For one stage (which has both ``slo.yaml`` and ``remediation.yaml``): one rule group
``"<service> <project>-<stage> alerts"``, and in it one rule per objective with absolute ``pass``
criteria, named after its SLI (as Keptn: one alert per SLI): the SLI's query over a 180 s window
or the ``window`` given (``$DURATION_SECONDS`` = ``180s``, ``$DEPLOYMENT`` = ``primary``, no labels,
no SLO filters),
compared with each criterion's negation (``<600`` fires at ``>= 600``, ``<=0.2`` at ``> 0.2``),
``or`` within a pass set and ``and`` across sets (Keptn kept only the last criterion; promtool
flags two rules of one name and labels as duplicates), ``for: 10m`` or the ``hold`` given, labelled
``severity: webhook``,
``project``, ``stage``, ``service``, ``deployment: primary``, with the SLI name as ``summary`` (what
becomes the problem title, so the ``problemType`` of ``remediation.yaml`` is the SLI name). Relative
criteria (``+``, ``-``, ``%``) and ``=`` are skipped, as Keptn skipped them; every skip is a note.

Prometheus expands ``{{ … }}`` in labels and annotations as Go templates, so ``{{`` in a value is
written as ``{{ "{{" }}``; an SLI name that is no valid alert name becomes one (other characters
turn into ``_``) while ``summary`` keeps it exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.adapters.providers.promql import QueryBuilder, QueryError
from slogate.domain.evaluation.criteria import CriterionError, negated_operator, parse_criterion
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.evaluation.slo import SLO

WINDOW = timedelta(seconds=180)
FOR = "10m"
SEVERITY = "webhook"
DEPLOYMENT = "primary"
_ALERT_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # any instant: only the window's length reaches a query
_PROMETHEUS_DURATION = re.compile(r"(?:(\d+)(ms|s|m|h|d|w|y))+")
_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def prometheus_duration(text: str) -> timedelta:
    """A Prometheus duration (``10m``, ``1m30s``, ``0s``); ``ValueError`` naming the format otherwise."""
    if not _PROMETHEUS_DURATION.fullmatch(text):
        raise ValueError(
            f"{text!r} is not a Prometheus duration: use whole numbers with ms, s, m, h, d, w, y"
        )
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text))
    return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class StageRules:
    """The rule group of one stage, and why some criteria got no rule."""

    group: dict[str, Any]
    notes: tuple[str, ...] = field(default_factory=tuple)


def group_name(project: str, stage: str, service: str) -> str:
    """Keptn's rule group name."""
    return f"{service} {project}-{stage} alerts"


def stage_rules(
    project: str,
    stage: str,
    service: str,
    slo: SLO,
    queries: Mapping[str, str],
    window: timedelta = WINDOW,
    hold: str = FOR,
) -> StageRules:
    """The alerting rules of ``slo`` for ``service`` in ``stage`` (``queries``: the merged ``sli.yaml``):
    each query over ``window``, firing after the violation lasted ``hold`` (Prometheus' ``for``)."""
    request = SLIRequest(
        project=project,
        stage=stage,
        service=service,
        start=_EPOCH,
        end=_EPOCH + window,
        indicators=tuple(objective.sli for objective in slo.objectives),
        deployment=DEPLOYMENT,
        queries=tuple(queries.items()),
    )
    builder = QueryBuilder(request)
    rules: list[dict[str, Any]] = []
    notes: list[str] = []
    for objective in slo.objectives:
        sets = [
            [
                (text, found)
                for text in each.criteria
                if (found := _violation(text, objective.sli, stage, notes))
            ]
            for each in objective.pass_sets
        ]
        sets = [each for each in sets if each]
        if not sets:
            continue
        if any(rule["alert"] == alert_name(objective.sli) for rule in rules):
            notes.append(f"stage {stage}: SLI {objective.sli!r}: a rule of that alert name exists: no second")
            continue
        try:
            query = builder.build(objective.sli)
        except QueryError as error:
            notes.append(f"stage {stage}: SLI {objective.sli!r} has no query ({error.message}): no rule")
            continue
        criteria = [text for each in sets for text, _ in each]
        rule = _rule(project, stage, service, objective.sli, criteria, _expression(query, sets), hold)
        rules.append(rule)
    return StageRules({"name": group_name(project, stage, service), "rules": rules}, tuple(notes))


def _violation(text: str, sli: str, stage: str, notes: list[str]) -> str | None:
    """The comparison that holds when the pass criterion ``text`` is violated (``">= 600"``), or None."""
    where = f"stage {stage}: SLI {sli!r}: pass criterion {text!r}"
    try:
        criterion = parse_criterion(text)
    except CriterionError as error:
        notes.append(f"{where} is not valid ({error}): no rule")
        return None
    if criterion.relative:
        notes.append(f"{where} is relative to earlier evaluations: no rule (as Keptn)")
        return None
    if criterion.operator == "=":
        notes.append(f"{where} is no < or > comparison: no rule (as Keptn)")
        return None
    if math.isnan(criterion.value):
        notes.append(f"{where} compares with NaN, which never holds: no rule")
        return None
    return f"{negated_operator(criterion.operator)} {_number(criterion.value)}"


def _number(value: float) -> str:
    """``value`` as a PromQL number literal."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _expression(query: str, sets: list[list[tuple[str, str]]]) -> str:
    """When the objective fails: in every pass set some criterion is violated (``or`` within a set,
    ``and`` across sets, each set in parentheses as ``and`` binds tighter than ``or``). The query is
    parenthesised, after a line break when it may end in a ``#`` comment."""
    closing = "\n)" if "#" in query else ")"
    ored = [" or ".join(f"({query}{closing} {comparison}" for _, comparison in each) for each in sets]
    return ored[0] if len(ored) == 1 else " and ".join(f"({each})" for each in ored)


def _rule(
    project: str, stage: str, service: str, sli: str, criteria: list[str], expr: str, hold: str
) -> dict[str, Any]:
    labels = {"severity": SEVERITY, "project": project, "stage": stage, "service": service}
    described = ", ".join(criteria)
    return {
        "alert": alert_name(sli),
        "expr": expr,
        "for": hold,
        "labels": {key: template_text(value) for key, value in (labels | {"deployment": DEPLOYMENT}).items()},
        "annotations": {
            "summary": template_text(sli),
            "description": template_text(
                f"{sli} of {service} in {project}/{stage} violates its pass criteria ({described}) for {hold}"
            ),
        },
    }


def alert_name(sli: str) -> str:
    """``sli`` when it is a valid Prometheus alert name, else it with every other character as ``_``."""
    if _ALERT_NAME.fullmatch(sli):
        return sli
    name = re.sub(r"[^a-zA-Z0-9_:]", "_", sli)
    return name if _ALERT_NAME.fullmatch(name) else "_" + name


def template_text(text: str) -> str:
    """``text`` as a Go template that Prometheus expands to exactly ``text``."""
    return text.replace("{{", '{{ "{{" }}')
