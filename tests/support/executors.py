"""Scripted in-process executors: answer task triggers with ``.started`` and a scripted ``.finished``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slogate.domain.protocol.gate_events import KeptnEvent

Script = Callable[[KeptnEvent], Mapping[str, Any] | None]


def passing(event: KeptnEvent) -> Mapping[str, Any]:
    """Every task passes; a deployment reports where it runs, as the local executor will."""
    task = event.type.split(".")[3]
    data: dict[str, Any] = {"result": "pass", "status": "succeeded"}
    if task == "deployment":
        data["deployment"] = {
            "deploymentURIsLocal": [f"http://127.0.0.1:9/{event.stage}"],
            "deploymentNames": ["direct"],
        }
    return data


class ScriptedExecutor:
    """A dispatcher subscriber for ``tasks``; ``script`` gives the ``.finished`` data (None: only
    ``.started``, the task then hangs as with an executor that died)."""

    def __init__(
        self,
        tasks: Sequence[str] = ("deployment", "test", "release", "rollback"),
        script: Script = passing,
        name: str = "scripted-executor",
    ) -> None:
        self.name = name
        self.types = tuple(f"sh.keptn.event.{task}.triggered" for task in tasks)
        self.script = script
        self.seen: list[KeptnEvent] = []

    async def handle(self, event: KeptnEvent) -> list[KeptnEvent]:
        """``.started``, then ``.finished`` with the script's data."""
        self.seen.append(event)
        answers = [self._answer(event, "started", {})]
        finished = self.script(event)
        if finished is not None:
            answers.append(self._answer(event, "finished", finished))
        return answers

    def _answer(self, to: KeptnEvent, kind: str, data: Mapping[str, Any]) -> KeptnEvent:
        labels = to.data.get("labels")
        body: dict[str, Any] = {"project": to.project, "stage": to.stage, "service": to.service}
        if isinstance(labels, Mapping):
            body["labels"] = dict(labels)
        body.update(data)
        return KeptnEvent(
            id=str(uuid.uuid4()),
            type=to.type.removesuffix("triggered") + kind,
            source=self.name,
            time=datetime.now(UTC),
            shkeptncontext=to.shkeptncontext,
            data=body,
            triggeredid=to.id,
            gitcommitid=to.gitcommitid,
        )
