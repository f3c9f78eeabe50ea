"""The built-in approval service (Keptn's approval-service): approval.triggered → started [→ finished]."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slogate.domain.protocol.evaluation_flow import scope
from slogate.domain.protocol.event_types import APPROVAL_FINISHED, APPROVAL_STARTED, APPROVAL_TRIGGERED
from slogate.domain.protocol.gate_events import SUCCEEDED, KeptnEvent
from slogate.domain.sequencing.approval_rule import decide
from slogate.services.keptn.emit import answer

APPROVAL_SERVICE = "approval-service"


class ApprovalService:
    """Always answers ``approval.started``; also ``approval.finished`` when the shipyard approves
    automatically (result pass) or the previous task failed (result fail). Otherwise a person
    decides by sending ``approval.finished`` (the sequence waits, as in Keptn)."""

    name = APPROVAL_SERVICE
    types: tuple[str, ...] = (APPROVAL_TRIGGERED,)

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    async def handle(self, event: KeptnEvent) -> Sequence[KeptnEvent]:
        """The events the approval service emits for ``event``."""
        approval = decide(event.data)
        common = scope(event.data)
        answers = [
            self._answer(
                event, APPROVAL_STARTED, {**common, "status": SUCCEEDED, "message": approval.message}
            )
        ]
        result = approval.finished_result
        if result is not None:
            answers.append(
                self._answer(event, APPROVAL_FINISHED, {**common, "status": SUCCEEDED, "result": result})
            )
        return answers

    def _answer(self, to: KeptnEvent, type_: str, data: Mapping[str, Any]) -> KeptnEvent:
        return answer(to, type_, APPROVAL_SERVICE, data, self._now(), to.id)
