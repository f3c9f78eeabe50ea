"""The values of a task event that executors substitute into commands, URLs and environments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slogate.adapters.executors.action_fields import action_fields
from slogate.domain.protocol.gate_events import KeptnEvent


def image_of(event: KeptnEvent) -> str:
    """The artifact a delivery carries: ``data.configurationChange.values.image`` (Keptn's place), or ""."""
    change = event.data.get("configurationChange")
    values = change.get("values") if isinstance(change, Mapping) else None
    image = values.get("image") if isinstance(values, Mapping) else None
    return image if isinstance(image, str) else ""


def version_of(image: str) -> str:
    """The tag of ``image`` (``ghcr.io/x/app:v0.1.1`` → ``v0.1.1``), or "" when it has none."""
    name = image.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[1] if ":" in name else ""


def task_fields(event: KeptnEvent) -> dict[str, str]:
    """``project``, ``stage``, ``service``, ``image``, ``version``, ``keptnContext``, ``triggeredId``,
    ``task``, the remediation's ``action.*`` and ``problem.*`` (see ``action_fields``) and each label
    as ``labels.<name>``: the names executors' templates may use."""
    image = image_of(event)
    fields = {
        "project": event.project,
        "stage": event.stage,
        "service": event.service,
        "image": image,
        "version": version_of(image),
        "keptnContext": event.shkeptncontext,
        "triggeredId": event.id,
        "task": _task(event.type),
    }
    fields |= action_fields(event)
    labels: Any = event.data.get("labels")
    if isinstance(labels, Mapping):
        fields.update({f"labels.{key}": str(value) for key, value in labels.items()})
    return fields


def _task(event_type: str) -> str:
    parts = event_type.split(".")
    return parts[3] if len(parts) == 5 else ""
