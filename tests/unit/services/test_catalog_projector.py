"""Which image each event leaves running, as the catalog projector notes it for ``deployedImage``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports import PendingEvent
from slogate.services.keptn.catalog_projector import CatalogProjector

T0 = datetime(2026, 12, 7, tzinfo=UTC)
SCOPE = {"project": "p", "stage": "production", "service": "s"}


def event(event_id: str, task_kind: str, context: str, triggered: str = "", **data: Any) -> KeptnEvent:
    return KeptnEvent(event_id, f"sh.keptn.event.{task_kind}", "x", T0, context, {**SCOPE, **data}, triggered)


def image_change(image: str) -> dict[str, Any]:
    return {"configurationChange": {"values": {"image": image}}}


class Store:
    """The two reads the projector makes of the event log."""

    def __init__(self, *events: KeptnEvent) -> None:
        self.events = list(events)

    def get(self, event_id: str) -> KeptnEvent | None:
        return next((e for e in self.events if e.id == event_id), None)

    def find(self, *, type: str, limit: int, **scope: str) -> list[KeptnEvent]:
        found = [e for e in reversed(self.events) if e.type == type]
        return [e for e in found if all(e.data.get(k) == v for k, v in scope.items())][:limit]


def noted(store: Store, *batch: KeptnEvent) -> list[str | None]:
    notes: list[tuple[KeptnEvent, str | None]] = []

    def note(events: Sequence[tuple[KeptnEvent, str | None]]) -> None:
        notes.extend(events)

    projector = CatalogProjector(note, store, lambda name, pending: None)  # type: ignore[arg-type]
    projector._note([PendingEvent(n, e) for n, e in enumerate(batch)])
    return [image for _, image in notes]


GOOD = [
    event("d1-t", "deployment.triggered", "c1", **image_change("app:1")),
    event("d1-f", "deployment.finished", "c1", "d1-t", status="succeeded", result="pass"),
]
BAD = [
    event("d3-t", "deployment.triggered", "c3", **image_change("app:3")),
    event("d3-f", "deployment.finished", "c3", "d3-t", status="succeeded", result="pass"),
    event("r3-t", "rollback.triggered", "c3", **image_change("app:3")),
]


def test_a_deployment_sets_its_image_and_a_reported_one_wins() -> None:
    store = Store(*GOOD)
    assert noted(store, GOOD[1]) == ["app:1"]
    reported = event("d1-f", "deployment.finished", "c1", "d1-t", deployment={"image": "app:1b"})
    assert noted(store, reported) == ["app:1b"]


def test_a_rollback_that_says_nothing_restores_the_last_good_image_of_another_delivery() -> None:
    store = Store(*GOOD, *BAD)
    rollback = event("r3-f", "rollback.finished", "c3", "r3-t", status="succeeded", result="pass")
    assert noted(store, rollback) == ["app:1"]
    failed_before = event("d2-f", "deployment.finished", "c2", "", status="errored", result="fail")
    store = Store(*GOOD, failed_before, *BAD)
    assert noted(store, rollback) == ["app:1"]  # an errored deployment restored nothing
    assert noted(Store(*BAD), rollback) == [None]  # nothing earlier: unknown, left as it was


@pytest.mark.parametrize(
    ("kind", "data", "image"),
    [
        (
            "rollback.finished",
            {"status": "succeeded", "result": "pass", "deployment": {"image": "app:0"}},
            "app:0",
        ),
        (
            "rollback.finished",
            {"status": "errored", "result": "fail", "deployment": {"image": "app:0"}},
            None,
        ),
        (
            "action.finished",
            {"status": "succeeded", "result": "pass", "deployment": {"image": "app:0"}},
            "app:0",
        ),
        ("action.finished", {"status": "succeeded", "result": "pass"}, None),
        ("test.finished", {"status": "succeeded", "result": "pass", "deployment": {"image": "app:0"}}, None),
        ("rollback.finished", {"result": "pass", "deployment": {"image": 7}}, "app:1"),
    ],
)
def test_which_finished_events_change_the_image(kind: str, data: dict[str, Any], image: str | None) -> None:
    store = Store(*GOOD, *BAD)
    assert noted(store, event("f", kind, "c3", "r3-t", **data)) == [image]
