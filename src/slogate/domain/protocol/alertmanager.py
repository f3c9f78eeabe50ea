"""Prometheus Alertmanager's webhook payload (version 4) read into routed alerts, and the events they become.

Keptn's prometheus-service used only ``alerts[0]`` and ignored resolved alerts; here every alert of the
group counts, each routed by its ``project``/``stage``/``service`` labels, in a context derived from its
fingerprint and ``startsAt`` so that repeated notifications of one alert land in one problem.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slogate.domain.protocol.event_types import PROBLEM, sequence_type
from slogate.domain.protocol.gate_json import json_kind
from slogate.domain.sequencing.entity_names import is_directory_name, is_entity_name
from slogate.errors import InputError

SOURCE = "prometheus"
VERSION = "4"
FIRING = "firing"
RESOLVED = "resolved"
OPEN = "OPEN"
CLOSED = "CLOSED"
MAX_NAME = 200
# slogate's namespace for the contexts of alerts (any fixed UUID; it must never change)
CONTEXT_NAMESPACE = uuid.UUID("5b1f6a3e-1c4d-5e0a-9d7b-3f2a8c6e4d10")


class AlertPayloadError(InputError, ValueError):
    """The body is not an Alertmanager webhook payload; ``str()`` says what is wrong."""

    code = "invalid_alertmanager_payload"


@dataclass(frozen=True, slots=True)
class Alert:
    """One routed alert of a notification."""

    status: str
    project: str
    stage: str
    service: str
    title: str
    fingerprint: str
    starts_at: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    generator_url: str

    @property
    def keptn_context(self) -> str:
        """The context of this alert's problem: the same for every notification of the same alert."""
        return alert_context(self.fingerprint, self.starts_at)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An alert that cannot be routed, and why."""

    index: int
    fingerprint: str
    reason: str


def alert_context(fingerprint: str, starts_at: str) -> str:
    """A UUID (version 5) of the alert's fingerprint and start time."""
    return str(uuid.uuid5(CONTEXT_NAMESPACE, f"{fingerprint}|{starts_at}"))


def read_payload(body: Any) -> list[Alert | Skipped]:
    """Every alert of the webhook ``body``, routed or skipped (in order); ``AlertPayloadError`` when the
    body itself is unusable (not an object, an unknown version, ``alerts`` not a list)."""
    if not isinstance(body, Mapping):
        raise AlertPayloadError(
            f"the body must be a JSON object (Alertmanager's webhook), not {json_kind(body)}"
        )
    version = body.get("version", VERSION)
    if version != VERSION:
        raise AlertPayloadError(
            f"unsupported Alertmanager webhook version {version!r}: slogate reads version {VERSION!r} "
            "(Alertmanager 0.x sends it)"
        )
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise AlertPayloadError(f"'alerts' must be a list of alerts, not {json_kind(alerts)}")
    return [_read_alert(index, alert) for index, alert in enumerate(alerts)]


def _read_alert(index: int, alert: Any) -> Alert | Skipped:
    if not isinstance(alert, Mapping):
        return Skipped(index, "", f"alerts[{index}] is {json_kind(alert)}, not an object")
    labels, annotations = _strings(alert.get("labels")), _strings(alert.get("annotations"))
    fingerprint = _text(alert.get("fingerprint")) or labels_fingerprint(labels)
    status = alert.get("status")
    if status not in (FIRING, RESOLVED):
        return Skipped(index, fingerprint, f"status {status!r} is neither 'firing' nor 'resolved'")
    missing = [name for name in ("project", "stage", "service") if not labels.get(name)]
    if missing:
        return Skipped(
            index,
            fingerprint,
            f"the label(s) {', '.join(missing)} missing: add them to the alert rule's labels",
        )
    bad = _bad_name(labels["project"], labels["stage"], labels["service"])
    if bad:
        return Skipped(index, fingerprint, bad)
    return Alert(
        status=status,
        project=labels["project"],
        stage=labels["stage"],
        service=labels["service"],
        title=annotations.get("summary") or labels.get("alertname", ""),
        fingerprint=fingerprint,
        starts_at=_text(alert.get("startsAt")),
        labels=labels,
        annotations=annotations,
        generator_url=_text(alert.get("generatorURL")),
    )


def _bad_name(project: str, stage: str, service: str) -> str:
    for kind, name in (("project", project), ("stage", stage)):
        if len(name) > MAX_NAME or not is_entity_name(name):
            return f"the {kind} label {_shown(name)} is not a Keptn name (lower case letters, digits, '-')"
    if len(service) > MAX_NAME or not is_directory_name(service):
        return f"the service label {_shown(service)} is not a service name"
    return ""


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else f"{text[:40]}…")


def _strings(value: Any) -> dict[str, str]:
    """Alertmanager's label and annotation maps hold strings; anything else is dropped."""
    if not isinstance(value, Mapping):
        return {}
    return {str(key): item for key, item in value.items() if isinstance(item, str)}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def labels_fingerprint(labels: Mapping[str, str]) -> str:
    """A stand-in fingerprint (hex) of the label set, for a sender that leaves ``fingerprint`` out."""
    text = "\x00".join(f"{key}\x01{labels[key]}" for key in sorted(labels))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def problem_data(alert: Alert, state: str) -> dict[str, Any]:
    """The problem object of ``alert`` as prometheus-service sent it (remediation.md §4.1), with the
    fingerprint as ``ProblemID`` and the routing fields."""
    return {
        "State": state,
        "ProblemID": alert.fingerprint,
        "ProblemTitle": alert.title,
        "ProblemDetails": {"problemDetails": alert.annotations.get("description", "")},
        "ProblemURL": alert.generator_url,
        "ImpactedEntity": alert.labels.get("pod_name", ""),
        "project": alert.project,
        "stage": alert.stage,
        "service": alert.service,
        "labels": {"deployment": alert.labels.get("deployment", "")},
    }


def remediation_trigger(alert: Alert) -> dict[str, Any]:
    """The CloudEvent that starts the remediation of a firing ``alert`` (posted to the event intake)."""
    deployment = alert.labels.get("deployment", "")
    return {
        "type": sequence_type(alert.stage, "remediation", "triggered"),
        "source": SOURCE,
        "shkeptncontext": alert.keptn_context,
        "data": {
            "project": alert.project,
            "stage": alert.stage,
            "service": alert.service,
            "labels": {"Problem URL": alert.generator_url},
            "problem": problem_data(alert, OPEN),
            "deployment": {"deploymentNames": [deployment] if deployment else []},
        },
    }


def problem_event(alert: Alert, state: str) -> dict[str, Any]:
    """The ``sh.keptn.events.problem`` CloudEvent recording that ``alert``'s problem opened or closed."""
    return {
        "type": PROBLEM,
        "source": SOURCE,
        "shkeptncontext": alert.keptn_context,
        "data": problem_data(alert, state),
    }
