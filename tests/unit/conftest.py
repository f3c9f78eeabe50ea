"""Small builders shared by the unit tests of the evaluation engine."""

from __future__ import annotations

import textwrap
from typing import Any

from slogate.adapters.yamlfile import load_document
from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.slo import SLO
from slogate.domain.evaluation.slo_parser import parse_slo
from slogate.domain.problems import Problem
from slogate.domain.protocol.gate_events import SLIResults, SLIValue, StoredEvaluation
from slogate.domain.protocol.gate_json import encode_evaluation_finished

ValueSpec = tuple[str, float] | SLIValue


def yaml_slo(text: str) -> SLO:
    """The SLO parsed from YAML text (dedented); raises SLOParseError like Keptn would fail."""
    return parse_with_notes(text)[0]


def parse_with_notes(text: str) -> tuple[SLO, tuple[Problem, ...]]:
    """The SLO and the parser's notes for YAML text (dedented)."""
    return parse_slo(load_document(textwrap.dedent(text), "slo.yaml"))


def slo_file(text: str) -> SLOFile:
    """An SLO resource as lighthouse reads it: the raw text and its parsed model."""
    text = textwrap.dedent(text)
    return SLOFile(text, yaml_slo(text))


def ok(metric: str, value: float, compared_value: float = 0.0) -> SLIValue:
    """A successful SLI value."""
    return SLIValue(metric, value, True, "", compared_value)


def failed(metric: str, message: str = "query failed") -> SLIValue:
    """An SLI value the provider marked unsuccessful."""
    return SLIValue(metric, 0.0, False, message)


def as_value(spec: ValueSpec) -> SLIValue:
    """A (metric, value) pair as a successful SLI value; SLIValue objects pass through."""
    return spec if isinstance(spec, SLIValue) else ok(*spec)


def sli_results(*values: ValueSpec, **fields: Any) -> SLIResults:
    """get-sli.finished data for the demo service with the given values."""
    defaults: dict[str, Any] = {
        "project": "sockshop",
        "stage": "staging",
        "service": "carts",
        "start": "2024-01-01T10:00:00.000Z",
        "end": "2024-01-01T10:05:00.000Z",
    }
    defaults.update(fields)
    return SLIResults(values=tuple(as_value(v) for v in values), **defaults)


def stored(event_id: str, *values: ValueSpec | None, result: str = "pass", **fields: Any) -> StoredEvaluation:
    """A previous evaluation.finished of the demo service; None stands for an entry without value."""
    defaults: dict[str, Any] = {"project": "sockshop", "stage": "staging", "service": "carts"}
    defaults.update(fields)
    indicator_values = tuple(None if v is None else as_value(v) for v in values)
    return StoredEvaluation(event_id, result=result, indicator_values=indicator_values, **defaults)


def gate(
    slo_text: str | None,
    *values: ValueSpec,
    history: tuple[StoredEvaluation, ...] = (),
    **fields: Any,
) -> dict[str, Any]:
    """The encoded evaluation.finished data for an SLO text (None: no SLO file) and SLI values."""
    file = None if slo_text is None else slo_file(slo_text)
    return encode_evaluation_finished(evaluate_gate(sli_results(*values, **fields), file, history))


TOTAL_90_75 = """
total_score:
  pass: "90%"
  warning: "75%"
"""
