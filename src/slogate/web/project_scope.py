"""What the Bridge's project pages share: the readable 404 page, label parsing and evaluation badges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse

from slogate.domain.protocol import client_events
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.web.pages import render
from slogate.web.session import Session

RESULT_BADGES = {"pass": "pass", "warning": "warning", "fail": "fail"}


def missing_project(request: Request, session: Session, project: str) -> HTMLResponse:
    """A readable 404 page for a project that does not exist."""
    return render(request, "_env_missing.html", {"project": project}, session, status_code=404)


def parse_labels(text: str) -> dict[str, str]:
    """``k1=v1,k2=v2`` (also one per line) as a mapping (the grammar of ``client_events.parse_labels``);
    ``ValueError`` naming a pair without ``=``, with how to write them."""
    try:
        return dict(client_events.parse_labels(text))
    except ValueError as error:
        raise ValueError(f"label {error}: write labels as k1=v1,k2=v2") from None


def evaluation_badge(event: KeptnEvent | None) -> dict[str, Any] | None:
    """The badge of an ``evaluation.finished``: its class, truncated score, result and where it links."""
    if event is None:
        return None
    details = event.data.get("evaluation")
    score = details.get("score", 0) if isinstance(details, Mapping) else 0
    result = str(event.data.get("result", ""))
    try:
        shown = str(int(float(score)))
    except (TypeError, ValueError):
        shown = "-"
    return {
        "css": RESULT_BADGES.get(result, "errored"),
        "score": shown,
        "result": result or "unknown",
        "href": f"/bridge/evaluation/{quote(event.shkeptncontext, safe='')}/{quote(event.stage, safe='')}",
        "context": event.shkeptncontext,
    }
