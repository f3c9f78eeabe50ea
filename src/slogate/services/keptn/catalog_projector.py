"""Keeps each service's ``lastEventTypes`` and ``deployedImage`` up to date from the event log.

Keptn's controller updated them on every event it saw (keptn-v1-spec §5.3). Here a dispatcher
consumer does it in batches, off the sequences' critical path: the catalog is informational, and
noting an event again after a crash changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from slogate.domain.protocol.event_types import DEPLOYMENT_FINISHED
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.sequencing.engine_events import configured_image
from slogate.ports import EventStore, PendingEvent

Notes = Sequence[tuple[KeptnEvent, str | None]]


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
        """For a ``deployment.finished``: the image its sequence deploys (from the trigger's payload)."""
        if event.type != DEPLOYMENT_FINISHED or not event.triggeredid:
            return None
        trigger = self._events.get(event.triggeredid)
        image = configured_image(trigger.data) if trigger is not None else ""
        return image or None
