"""Keeps each service's ``lastEventTypes`` and ``deployedImage`` up to date from the event log.

Keptn's controller updated them on every event it saw (keptn-v1-spec §5.3). Here a dispatcher
consumer does it in batches, off the sequences' critical path: the catalog is informational, and
noting an event again after a crash changes nothing.

``deployedImage`` is what the last successful deployment *or rollback* left running: an executor
that reports ``deployment.image`` in its ``.finished`` event (the local executor does, for
``deployment``, ``rollback`` and the ``rollback``/``restart`` actions) is taken at its word; a
``rollback.finished`` without it (Keptn's rollback events carry common fields only) restores the
image of the stage's newest successful deployment from another delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slogate.domain.protocol.event_types import (
    ACTION_FINISHED,
    DEPLOYMENT_FINISHED,
    ROLLBACK_FINISHED,
)
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_events import configured_image
from slogate.ports import EventStore, PendingEvent

Notes = Sequence[tuple[KeptnEvent, str | None]]
LOOK_BACK = 50  # deployments of the stage searched for the image a rollback restored


def reported_image(data: Mapping[str, Any]) -> str:
    """``deployment.image`` of a ``.finished`` event's data: the image its executor left running, or ""."""
    block = data.get("deployment")
    image = block.get("image") if isinstance(block, Mapping) else None
    return image if isinstance(image, str) else ""


def succeeded(data: Mapping[str, Any]) -> bool:
    """Whether a ``.finished`` event says its task ran and passed (``status`` absent counts as ran)."""
    return data.get("status", "succeeded") == "succeeded" and data.get("result") != "fail"


class CatalogProjector:
    """A dispatcher consumer noting every Keptn event of a service in the catalog."""

    name = "catalog"
    types: tuple[str, ...] = ("sh.keptn.event.*",)
    # the dispatcher serves it at most this often, so that a batch gathers what busy services sent
    # meanwhile instead of competing with them for every commit; the catalog lags the log that much
    pace_seconds = 0.25

    def __init__(
        self,
        note_events: Callable[[Notes], object],
        events: EventStore,
        complete: Callable[[str, PendingEvent], None],
    ) -> None:
        self._note_events = note_events
        self._events = events
        self._complete = complete

    async def consume(self, batch: Sequence[PendingEvent]) -> Sequence[str]:
        """Note the batch's events, then move this consumer's cursor past them; it emits nothing."""
        await asyncio.to_thread(self._note, batch)
        return ()

    def _note(self, batch: Sequence[PendingEvent]) -> None:
        notes = [
            (pending.event, self._deployed_image(pending.event))
            for pending in batch
            if pending.event.project and pending.event.stage and pending.event.service
        ]
        if notes:
            self._note_events(notes)
        self._complete(self.name, batch[-1])

    def _deployed_image(self, event: KeptnEvent) -> str | None:
        """The image ``event`` leaves running in its stage, or None when it changes nothing."""
        if event.type == DEPLOYMENT_FINISHED:
            return reported_image(event.data) or self._configured(event) or None
        if event.type not in (ROLLBACK_FINISHED, ACTION_FINISHED) or not succeeded(event.data):
            return None
        reported = reported_image(event.data)
        if reported or event.type == ACTION_FINISHED:  # an action that reports nothing: unknown
            return reported or None
        return self._image_before(event) or None

    def _configured(self, finished: KeptnEvent) -> str:
        """The image the sequence deploys, from the payload of the trigger ``finished`` answers."""
        trigger = self._events.get(finished.triggeredid) if finished.triggeredid else None
        return configured_image(trigger.data) if trigger is not None else ""

    def _image_before(self, rollback: KeptnEvent) -> str:
        """For a rollback that does not say what it restored: the newest successfully deployed image of
        its stage from another delivery that is not the image rolled back."""
        rolled_back = self._configured(rollback)
        deployments = self._events.find(
            type=DEPLOYMENT_FINISHED,
            project=rollback.project,
            stage=rollback.stage,
            service=rollback.service,
            limit=LOOK_BACK,
        )
        for deployment in deployments:
            if deployment.shkeptncontext == rollback.shkeptncontext or not succeeded(deployment.data):
                continue
            image = reported_image(deployment.data) or self._configured(deployment)
            if image and image != rolled_back:
                return image
        return ""
