"""The dispatch store's type matching: exact types and ``*`` patterns, case-sensitive on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_INVALIDATED
from slogate.ports import EventCriteria, FieldMatch

from .builders import event

TYPES = [
    "sh.keptn.event.qa.evaluation.triggered",
    "sh.keptn.event.qa.EVALUATION.triggered",
    "SH.KEPTN.EVENT.qa.evaluation.triggered",
    "sh.keptn.event.qa.evaluation.Triggered",
    "sh.keptn.event.production.evaluation.triggered",
    "sh.keptn.event.evaluation.triggered",
    "sh.keptn.event.qa_1.evaluation.triggered",
    "sh.keptn.event.[qa]?.evaluation.triggered",
]


def pending_types(engine: Engine, *patterns: str) -> list[str]:
    """The types of the pending events a new subscriber of ``patterns`` would get, in log order."""
    return [pending.event.type for pending in SqlDispatchStore(engine).pending("probe", patterns, 100)]


@pytest.fixture
def logged(engine: Engine, store: SqlEventStore) -> Engine:
    """The engine, with one event of each of TYPES in the log, in that order."""
    store.add([event(kind, minute=n, id=f"e{n}") for n, kind in enumerate(TYPES)])
    return engine


def test_a_pattern_does_not_match_a_differently_cased_type(logged: Engine) -> None:
    """``*`` matches any text, but the rest must match exactly: Keptn's types are case-sensitive."""
    assert pending_types(logged, "sh.keptn.event.*.evaluation.triggered") == [
        "sh.keptn.event.qa.evaluation.triggered",
        "sh.keptn.event.production.evaluation.triggered",
        "sh.keptn.event.qa_1.evaluation.triggered",
        "sh.keptn.event.[qa]?.evaluation.triggered",
    ]
    assert pending_types(logged, "sh.keptn.event.qa.*.Triggered") == [
        "sh.keptn.event.qa.evaluation.Triggered"
    ]
    assert pending_types(logged, "SH.*") == ["SH.KEPTN.EVENT.qa.evaluation.triggered"]


def test_exact_types_are_case_sensitive(logged: Engine) -> None:
    """A type without ``*`` matches only itself."""
    assert pending_types(logged, "sh.keptn.event.qa.evaluation.triggered") == [
        "sh.keptn.event.qa.evaluation.triggered"
    ]


def test_only_the_star_is_special(logged: Engine) -> None:
    """``_``, ``?`` and ``[`` in a pattern stand for themselves (no LIKE or GLOB wildcards)."""
    assert pending_types(logged, "sh.keptn.event.qa_*") == ["sh.keptn.event.qa_1.evaluation.triggered"]
    assert pending_types(logged, "sh.keptn.event.q?.*") == []
    assert pending_types(logged, "sh.keptn.event.[qa]?.*") == ["sh.keptn.event.[qa]?.evaluation.triggered"]
    assert pending_types(logged, "sh.keptn.event.[q]*") == []


def test_invalidation_is_matched_case_sensitively(store: SqlEventStore) -> None:
    """Only an event whose type ends in ``.invalidated`` exactly hides the events it names."""
    store.add(
        [
            event(id="hidden", triggeredid="t1"),
            event(id="kept", triggeredid="t2", minute=1),
            event(id="short", triggeredid="t3", minute=2),
            event(EVALUATION_INVALIDATED, id="inv-t1", triggeredid="t1", result=None),
            event("sh.keptn.event.evaluation.INVALIDATED", id="inv-t2", triggeredid="t2", result=None),
            event("invalidated", id="inv-t3", triggeredid="t3", result=None),
        ]
    )
    finished = (FieldMatch(("type",), (EVALUATION_FINISHED,)),)

    events, _ = store.query(EventCriteria(fields=finished, exclude_invalidated=True, limit=None))

    assert [e.id for e in events] == ["short", "kept"]


def test_pending_reads_after_a_given_position_instead_of_the_cursor(logged: Engine) -> None:
    store = SqlDispatchStore(logged)
    everything = store.pending("probe", ["sh.keptn.event.*"], 100)
    later = store.pending("probe", ["sh.keptn.event.*"], 100, after=everything[2].seq)
    assert [pending.seq for pending in later] == [pending.seq for pending in everything[3:]]
    assert store.pending("probe", ["sh.keptn.event.*"], 100, after=everything[-1].seq) == []
