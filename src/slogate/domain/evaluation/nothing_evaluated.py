"""Evaluations that evaluated nothing: how to recognise them, how to fix them, and what a team makes of them.

Keptn passes an evaluation without an SLO file or without an SLI provider, and fails one whose SLO
has no objectives, each with a fixed message. ``slogate/evaluation.yaml`` (project, stage or service
level; the most specific file that sets it wins) lets a team turn the passes into a warning or a fail::

    apiVersion: slogate/v1     # optional
    kind: Evaluation           # optional
    nothingEvaluated: fail     # pass (Keptn's default) | warning | fail
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from slogate.domain.document import as_scalar, is_null, kind_of
from slogate.domain.evaluation.gate import NO_OBJECTIVES_MESSAGE
from slogate.errors import InputError

EVALUATION_SETTINGS_URI = "slogate/evaluation.yaml"
NOTHING_EVALUATED = "nothingEvaluated"
OUTCOMES = ("pass", "warning", "fail")
NO_SLO_PREFIX = "no evaluation performed by lighthouse because no SLO file configured"
NO_PROVIDER_PREFIX = "no evaluation performed by lighthouse because no SLI-provider configured"
_KNOWN_KEYS = ("apiVersion", "kind", NOTHING_EVALUATED)
_KIND = "Evaluation"


class EvaluationSettingsError(InputError, ValueError):
    """``slogate/evaluation.yaml`` is not valid; the message names the file, the field and the fix."""

    code = "invalid_evaluation_settings"


def nothing_evaluated(message: str, project: str, stage: str, service: str) -> str | None:
    """``nothing was evaluated: <reason>; <fix>`` when ``message`` is Keptn's for such an evaluation."""
    if message.startswith(NO_SLO_PREFIX):
        reason = f"no slo.yaml for service {service} in stage {stage} of project {project}"
        fix = (
            f"add one with `slogate add-resource --project {project} --stage {stage} "
            f"--service {service} --resource slo.yaml`"
        )
    elif message.startswith(NO_PROVIDER_PREFIX):
        reason = f"project {project} has no SLI provider"
        fix = (
            f"create the secret prometheus-credentials-{project} (scope keptn-prometheus-service, "
            "key PROMETHEUS_URL) or set SLOGATE_PROMETHEUS_URL on the server"
        )
    elif message.startswith(NO_OBJECTIVES_MESSAGE):
        reason = "the SLO has no objectives"
        fix = "add objectives to slo.yaml (check it with `slogate slo lint slo.yaml`)"
    else:
        return None
    return f"nothing was evaluated: {reason}; {fix}"


def parse_settings(document: object, source: str) -> str | None:
    """The ``nothingEvaluated`` outcome one ``slogate/evaluation.yaml`` sets, or None when it sets none."""
    if is_null(document):
        return None
    if not isinstance(document, dict):
        raise EvaluationSettingsError(
            f"{source}: must be a mapping such as 'nothingEvaluated: fail', found {kind_of(document)}"
        )
    for key in document:
        if key not in _KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), _KNOWN_KEYS, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(_KNOWN_KEYS)}"
            raise EvaluationSettingsError(f"{source}: {key}: unknown key ({hint})")
    kind = _text(document.get("kind"))
    if kind not in (None, _KIND):
        raise EvaluationSettingsError(f"{source}: kind: '{kind}' is not '{_KIND}' (or leave it out)")
    value = document.get(NOTHING_EVALUATED)
    if is_null(value):
        return None
    outcome = _text(value)
    if outcome not in OUTCOMES:
        shown = f"'{outcome}'" if outcome is not None else kind_of(value)
        raise EvaluationSettingsError(
            f"{source}: {NOTHING_EVALUATED}: {shown} is not one of {', '.join(OUTCOMES)} "
            "(pass is Keptn's default)"
        )
    return outcome


def _text(node: object) -> str | None:
    scalar = as_scalar(node)
    return None if scalar is None or scalar.is_null else scalar.text


def settled_outcome(levels: Sequence[tuple[str, str | None]]) -> tuple[str, str]:
    """``(outcome, source)`` of the most specific level that sets one (``levels``: ``(source, outcome)``
    from project to service), else Keptn's ``("pass", "")``."""
    return next(
        ((outcome, source) for source, outcome in reversed(levels) if outcome is not None), (OUTCOMES[0], "")
    )
