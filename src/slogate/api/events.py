"""``POST /api/v1/event``: Keptn's public event ingestion (validate, stamp, store, answer the context)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.applications import Starlette

from slogate.api.auth import audit, require
from slogate.api.context import ServerContext, server_context
from slogate.api.errors import ApiError
from slogate.api.idempotency import HEADER, KEY_LIFETIME, Answer, accept_keyed, key_of
from slogate.api.limits import EVENT_PATH
from slogate.domain.access import Action, event_action
from slogate.errors import InputError
from slogate.services.usecases import event_log as events

router = APIRouter(tags=["event"])

_BODY_SCHEMA = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["type", "data"],
                "properties": {
                    "type": {"type": "string", "example": "sh.keptn.event.dev.delivery.triggered"},
                    "source": {"type": "string", "default": "https://github.com/keptn/keptn/api"},
                    "data": {"type": "object"},
                    "shkeptncontext": {"type": "string"},
                    "triggeredid": {"type": "string"},
                    "gitcommitid": {"type": "string"},
                },
            }
        }
    },
}


_KEY_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "An slogate extension: a retry with the same key (within "
        f"{int(KEY_LIFETIME.total_seconds() // 3600)} hours, same token) is answered with the first "
        "event's keptnContext and id (and `Idempotency-Replayed: true`) instead of being stored again."
    ),
    "schema": {"type": "string", "maxLength": 255},
}


@router.post(
    EVENT_PATH,
    summary="Send a Keptn CloudEvent",
    response_description="The Keptn context of the accepted event",
    openapi_extra={"requestBody": _BODY_SCHEMA, "parameters": [_KEY_PARAMETER]},
)
async def post_event(
    request: Request,
    response: Response,
    context: ServerContext = Depends(server_context),  # noqa: B008
) -> dict[str, str]:
    """Keptn's ``POST /v1/event``: 200 ``{"keptnContext": …}`` once the event is stored; 400 with
    Keptn's message when it breaks the ingestion rules (nothing is stored then)."""
    answer = await accept_posted(
        request.app, context, await request.body(), request.headers, partial(check_event, request)
    )
    response.headers.update(answer.headers())
    return answer.body()


async def accept_posted(
    app: Starlette,
    context: ServerContext,
    body: bytes,
    headers: Mapping[str, str],
    check: Callable[[dict[str, Any]], None],
) -> Answer:
    """Ingest the posted ``body`` through the context's ``EventIntake`` (stored by group commit and
    counted, as the Bridge's events are) once ``check`` lets the caller send it; answer once the
    event is committed, or at once with the first event of a repeated ``Idempotency-Key``. Serves
    this route and the lean path of ``event_path``, so that both behave alike."""
    key = key_of(headers)
    raw = context.problems.prepare(parse_body(body))  # a problem event: routed, its context derived
    check(raw)  # the caller may send this type of event to its project and stage (403 otherwise)
    now = datetime.now(UTC)
    event = events.accepted(raw, now)
    if key is None:
        await context.problems.store(event)  # a problem event starts or stops a remediation
        return Answer(event.shkeptncontext, event.id)
    return await accept_keyed(context, key, raw, event, now, context.problems.store)


def check_event(request: Request, raw: dict[str, Any]) -> None:
    """403 unless the caller may send an event of this type to its project and stage (``event_action``);
    what changes something (a trigger, an approval, an invalidation) is audited, task answers are not."""
    data = raw.get("data")
    fields = data if isinstance(data, dict) else {}
    project, stage = _text(fields.get("project")), _text(fields.get("stage"))
    event_type = _text(raw.get("type"))
    action = event_action(event_type)
    require(request, action, project, stage)
    if action is not Action.TASK_ANSWER:
        service = _text(fields.get("service"))
        audit(request, action.value, project=project, stage=stage, service=service, target=event_type)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of the request body, or 400 naming what is wrong with it.

    Invalid UTF-8 becomes U+FFFD as in Go's decoder; ``NaN`` and ``Infinity`` are not JSON; a number
    beyond a float64's range (Go's decoder reads numbers as float64) is refused, as Keptn refuses it.
    """
    if not body.strip():
        raise ApiError(400, "the request body is empty: send a CloudEvent as a JSON object")
    try:
        parsed = json.loads(
            body.decode("utf-8", "replace"),
            parse_constant=_not_json,
            parse_int=_integer,
            parse_float=_float,
        )
    except json.JSONDecodeError as error:
        raise ApiError(400, f"the request body is not valid JSON: {error}") from None
    except NumberOutOfRangeError as error:
        raise ApiError(400, str(error)) from None
    except RecursionError:
        raise ApiError(400, "the request body nests JSON too deeply") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "the request body must be a JSON object (a CloudEvent)")
    return parsed


def _not_json(constant: str) -> None:
    raise json.JSONDecodeError(f"{constant} is not a JSON value", constant, 0)


class NumberOutOfRangeError(InputError, ValueError):
    """A JSON number no float64 can hold (a ``ValueError`` inside the JSON decoder's hooks)."""

    code = "number_out_of_range"

    def __init__(self, text: str) -> None:
        shown = text if len(text) <= 24 else f"{text[:12]}…({len(text)} characters)"
        super().__init__(
            f"the request body holds the number {shown}, which is out of range: numbers must fit a float64"
        )


def _integer(text: str) -> int:
    if math.isinf(float(text)):  # float() of a long digit string is inf, never an error
        raise NumberOutOfRangeError(text)
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NumberOutOfRangeError(text)
    return value
