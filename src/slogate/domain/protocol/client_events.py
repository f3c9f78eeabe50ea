"""The CloudEvents clients send (the CLI, the Bridge): a sequence trigger and an approval's answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slogate.domain.protocol.event_types import APPROVAL_FINISHED

__all__ = ["APPROVAL_FINISHED", "approval_answer", "sequence_trigger"]


def _envelope(event_type: str, source: str, data: Mapping[str, Any], **fields: str) -> dict[str, Any]:
    return {
        "type": event_type,
        "specversion": "1.0",
        "source": source,
        "datacontenttype": "application/json",
        **fields,
        "data": dict(data),
    }


def sequence_trigger(
    source: str,
    scope: tuple[str, str, str],
    sequence: str,
    labels: Mapping[str, str],
    data: Mapping[str, Any],
) -> dict[str, Any]:
    """``sh.keptn.event.<stage>.<sequence>.triggered`` for ``scope`` (project, stage, service), with
    ``data`` merged in and the labels when there are any."""
    project, stage, service = scope
    payload: dict[str, Any] = {**data, "project": project, "stage": stage, "service": service}
    if labels:
        payload["labels"] = dict(labels)
    return _envelope(f"sh.keptn.event.{stage}.{sequence}.triggered", source, payload)


def approval_answer(
    source: str,
    scope: tuple[str, str, str],
    keptn_context: str,
    triggered_id: str,
    labels: Mapping[str, Any],
    result: str,
) -> dict[str, Any]:
    """``approval.finished`` (result ``pass`` to approve, ``fail`` to decline) for the open
    ``approval.triggered`` ``triggered_id`` of ``keptn_context``."""
    project, stage, service = scope
    data: dict[str, Any] = {"project": project, "stage": stage, "service": service}
    if labels:
        data["labels"] = dict(labels)
    data.update(status="succeeded", result=result)
    return _envelope(APPROVAL_FINISHED, source, data, shkeptncontext=keptn_context, triggeredid=triggered_id)


def parse_labels(text: str) -> tuple[tuple[str, str], ...]:
    """``k1=v1,k2=v2`` (pairs split by commas or line breaks, blanks around them ignored), as Keptn's
    CLI takes ``--labels`` and the Bridge's form; a later key replaces an earlier one.
    ``ValueError`` ("'<pair>' is not key=value") for a pair without ``=`` or without a key."""
    labels: dict[str, str] = {}
    for pair in (part.strip() for part in text.replace("\n", ",").split(",")):
        if not pair:
            continue
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"'{pair}' is not key=value")
        labels[key.strip()] = value.strip()
    return tuple(labels.items())
