"""The event data the quality gate reads and writes: get-sli.finished in, evaluation.finished out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

EVALUATION_TRIGGERED = "sh.keptn.event.evaluation.triggered"
EVALUATION_FINISHED = "sh.keptn.event.evaluation.finished"
EVALUATION_INVALIDATED = "sh.keptn.event.evaluation.invalidated"
LIGHTHOUSE = "lighthouse-service"  # the source of evaluations, as Keptn's views expect
SUCCEEDED, ERRORED, ABORTED = "succeeded", "errored", "aborted"
PASS, WARNING, FAIL, INFO = "pass", "warning", "fail", "info"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SLIValue:
    """One indicator value from an SLI provider (Keptn's ``SLIResult``)."""

    metric: str
    value: float = 0.0
    success: bool = False
    message: str = ""
    compared_value: float = 0.0
    query: str = ""  # the resolved query, kept for explanations (not part of Keptn's payload)


@dataclass(frozen=True, slots=True)
class SLIResults:
    """The data of a ``get-sli.finished`` event: the measured values and the window."""

    project: str = ""
    stage: str = ""
    service: str = ""
    labels: Labels = ()
    status: str = SUCCEEDED
    result: str = PASS
    message: str = ""
    start: str = ""
    end: str = ""
    values: tuple[SLIValue, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """One criterion as reported: the text as written, the computed threshold and the outcome."""

    criteria: str
    target_value: float
    violated: bool


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """The result of one objective; target lists are None where Keptn emits ``null``.

    ``data_sufficiency`` is slogate's note when a data-sufficiency rule decided the status
    (``insufficient data: …`` or ``no data: …``); empty otherwise, and then not in the JSON.
    """

    score: float
    status: str
    display_name: str
    key_sli: bool
    value: SLIValue | None
    pass_targets: tuple[Target, ...] | None
    warning_targets: tuple[Target, ...] | None
    data_sufficiency: str = ""


@dataclass(frozen=True, slots=True)
class EvaluationDetails:
    """The ``evaluation`` block of an ``evaluation.finished`` event."""

    time_start: str
    time_end: str
    result: str
    score: float
    slo_file_content: str = ""
    indicator_results: tuple[IndicatorResult, ...] | None = None
    compared_events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EvaluationFinished:
    """The data of an ``evaluation.finished`` event: the verdict and everything that led to it."""

    project: str
    stage: str
    service: str
    labels: Labels
    status: str
    result: str
    message: str
    evaluation: EvaluationDetails


@dataclass(frozen=True, slots=True)
class StoredEvaluation:
    """A previous ``evaluation.finished`` event as kept in the history, for comparisons."""

    id: str
    type: str = EVALUATION_FINISHED
    time: str = ""
    invalidated: bool = False
    project: str = ""
    stage: str = ""
    service: str = ""
    result: str = ""
    indicator_values: tuple[SLIValue | None, ...] = ()
    decodable: bool = True


@dataclass(frozen=True, slots=True)
class KeptnEvent:
    """A stored CloudEvent with Keptn's envelope fields; ``data`` is the JSON object as sent."""

    id: str
    type: str
    source: str
    time: datetime
    shkeptncontext: str
    data: Mapping[str, Any]
    triggeredid: str = ""
    gitcommitid: str = ""

    @property
    def project(self) -> str:
        """``data.project`` (empty when absent)."""
        return str(self.data.get("project") or "")

    @property
    def stage(self) -> str:
        """``data.stage`` (empty when absent)."""
        return str(self.data.get("stage") or "")

    @property
    def service(self) -> str:
        """``data.service`` (empty when absent)."""
        return str(self.data.get("service") or "")
