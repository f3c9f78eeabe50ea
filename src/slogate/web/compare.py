"""Two evaluations side by side: per SLI both values, the delta, both verdicts and the criteria that flipped.

Reached from the heatmap by ticking two columns; the URL (``/bridge/compare?e=ID&e=ID``) is the
whole state, so that a CI job can link to exactly this comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, IndicatorResult, KeptnEvent, Target
from slogate.web.access import require_visible
from slogate.web.evaluation import decode_all
from slogate.web.heatmap import (
    Evaluated,
    column_labels,
    evaluation_href,
    named_results,
    number,
    result_of,
    score_text,
    sli_names,
)
from slogate.web.pages import context_of, render, session_of
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
PICK_TWO = (
    "Choose two evaluations to compare: tick two columns of an evaluation's heatmap and select "
    "“Compare”, or link /bridge/compare?e=EVENT_ID&e=EVENT_ID."
)


@dataclass(frozen=True, slots=True)
class Side:
    """One of the two evaluations: what the page's header shows of it."""

    label: str
    score: str
    result: str
    href: str
    stage: str
    service: str
    time: str
    invalidated: bool


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One SLI (or the score) of both evaluations; a verdict is "" where the SLI is absent."""

    name: str
    value_a: str
    value_b: str
    delta: str
    status_a: str
    status_b: str
    flipped: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether the verdict differs between the two."""
        return self.status_a != self.status_b


def _value(result: IndicatorResult | None) -> float | None:
    value = result.value if result is not None else None
    return value.value if value is not None and value.success else None


def _shown(result: IndicatorResult | None) -> str:
    if result is None:
        return "absent"
    amount = _value(result)
    return number(amount) if amount is not None else "no value"


def delta_text(before: float | None, after: float | None, shown: Callable[[float], str] = number) -> str:
    """``+0.406 (+10150.0%)``: the change from ``before`` to ``after`` written by ``shown``; "" when
    either is missing."""
    if before is None or after is None:
        return ""
    change = after - before
    sign = "+" if change > 0 else ""
    percent = f" ({change / abs(before) * 100:+.1f}%)" if before else ""
    return f"{sign}{shown(change)}{percent}"


def _verdicts(targets: tuple[Target, ...] | None) -> dict[str, bool]:
    return {target.criteria.strip(): target.violated for target in targets or ()}


def flipped_criteria(a: IndicatorResult | None, b: IndicatorResult | None) -> tuple[str, ...]:
    """Each pass or warning criterion whose verdict differs between the two (``met → violated``)."""
    if a is None or b is None:
        return ()
    flips: list[str] = []
    for kind, before, after in (
        ("pass", _verdicts(a.pass_targets), _verdicts(b.pass_targets)),
        ("warning", _verdicts(a.warning_targets), _verdicts(b.warning_targets)),
    ):
        for criteria in dict.fromkeys([*before, *after]):
            old, new = before.get(criteria), after.get(criteria)
            if old != new:
                flips.append(f"{kind} {criteria}: {_word(old)} → {_word(new)}")
    return tuple(flips)


def _word(violated: bool | None) -> str:
    return "absent" if violated is None else "violated" if violated else "met"


def compare_rows(a: Evaluated, b: Evaluated) -> list[CompareRow]:
    """The Score row, then one row per SLI of either evaluation in the SLO's order (``b``'s first)."""
    score_a = a.finished.evaluation.score if a.finished is not None else None
    score_b = b.finished.evaluation.score if b.finished is not None else None
    rows = [
        CompareRow(
            "Score",
            score_text(score_a) if score_a is not None else "unreadable",
            score_text(score_b) if score_b is not None else "unreadable",
            delta_text(score_a, score_b, score_text),
            result_of(a),
            result_of(b),
            (),
        )
    ]
    named_a, named_b = named_results(a.finished), named_results(b.finished)
    for name in sli_names([named_a, named_b]):
        first, second = named_a.get(name), named_b.get(name)
        rows.append(
            CompareRow(
                name,
                _shown(first),
                _shown(second),
                delta_text(_value(first), _value(second)),
                first.status if first is not None else "",
                second.status if second is not None else "",
                flipped_criteria(first, second),
            )
        )
    return rows


def _side(item: Evaluated, label: str) -> Side:
    score = item.finished.evaluation.score if item.finished is not None else 0.0
    return Side(
        label=label,
        score=score_text(score),
        result=result_of(item),
        href=evaluation_href(item.event),
        stage=item.event.stage,
        service=item.event.service,
        time=item.event.time.strftime("%Y-%m-%d %H:%M:%S UTC"),
        invalidated=item.invalidated,
    )


def compare_values(a: Evaluated, b: Evaluated) -> dict[str, Any]:
    """The compare page's values; ``a`` is the older evaluation."""
    labels = column_labels([a, b])
    rows = compare_rows(a, b)
    return {
        "a": _side(a, labels[0]),
        "b": _side(b, labels[1]),
        "rows": rows,
        "changed": sum(1 for row in rows[1:] if row.changed),
        "project": a.event.project,
        "same_scope": (a.event.stage, a.event.service) == (b.event.stage, b.event.service),
    }


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    session: Annotated[Session, Depends(session_of)],
    e: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """Two evaluations (``e``, twice: event ids of ``evaluation.finished``) side by side, older first."""
    ids = list(dict.fromkeys(e or []))
    if len(ids) != 2:
        return _problem(request, session, PICK_TWO, 400)
    store = context_of(request).store
    events: list[KeptnEvent] = []
    for event_id in ids:
        event = store.get(event_id)
        if event is None or event.type != EVALUATION_FINISHED:
            message = f"No evaluation has the event id {event_id!r}: check the link. {PICK_TWO}"
            return _problem(request, session, message, 404)
        require_visible(request, session, event.project)  # another project's evaluation: 404
        events.append(event)
    events.sort(key=lambda event: event.time)
    ignored = store.invalidated_triggered_ids([event.triggeredid for event in events])
    a, b = decode_all(events, ignored, context_of(request).documents)
    return render(request, "compare.html", compare_values(a, b), session)


def _problem(request: Request, session: Session, message: str, status: int) -> HTMLResponse:
    values: Mapping[str, Any] = {"message": message, "title": "Cannot compare"}
    return render(request, "_eval_missing.html", values, session, status)
