"""The Bridge's trigger dialogs: start a delivery, an evaluation or a custom sequence from a form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import anyio.from_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from slogate.domain.access import Action
from slogate.domain.protocol.client_events import sequence_trigger
from slogate.errors import InputError, NotFoundError
from slogate.server_context import ServerContext
from slogate.services.usecases.catalog_requests import EvaluationRequest
from slogate.web.access import record, require
from slogate.web.environment import environment_page
from slogate.web.pages import checked_session, context_of
from slogate.web.project_scope import missing_project, parse_labels
from slogate.web.session import Session

router = APIRouter(prefix="/bridge", include_in_schema=False)
SOURCE = "bridge"
FormText = Annotated[str, Form()]


@router.post("/project/{project}/trigger/delivery", response_model=None)
def trigger_delivery(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    service: FormText = "",
    stage: FormText = "",
    image: FormText = "",
    labels: FormText = "",
    helm_values: Annotated[str, Form(alias="values")] = "",
) -> Response:
    """Store ``sh.keptn.event.<stage>.delivery.triggered`` for the image, with the Helm values given
    (``configurationChange.values``, the image field winning); to the new sequence's view."""
    require(request, session, Action.SEQUENCE_TRIGGER, project, stage, service=service)
    values = {
        "service": service,
        "stage": stage,
        "image": image.strip(),
        "labels": labels,
        "values": helm_values,
    }
    problems = (
        [] if values["image"] else ["image is missing: give the artifact to deliver, e.g. repo/name:1.2.3"]
    )
    parsed, problem = parse_values(helm_values)
    problems += [problem] if problem else []
    extra = {"configurationChange": {"values": {**parsed, "image": values["image"]}}}
    return _start_sequence(request, session, project, "delivery", "delivery", values, problems, extra)


def parse_values(text: str) -> tuple[dict[str, Any], str]:
    """The delivery's Helm values: a JSON object, as Keptn's dialog takes them (empty: none); and what is
    wrong with them, or ``""``."""
    if not text.strip():
        return {}, ""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        return {}, f"values must be valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    if not isinstance(parsed, dict):
        return {}, 'values must be a JSON object of Helm values, e.g. {"replicaCount": 2}'
    return parsed, ""


@router.post("/project/{project}/trigger/custom", response_model=None)
def trigger_custom(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    service: FormText = "",
    stage: FormText = "",
    sequence: FormText = "",
    labels: FormText = "",
) -> Response:
    """Store ``sh.keptn.event.<stage>.<sequence>.triggered``; to the new sequence's view."""
    require(request, session, Action.SEQUENCE_TRIGGER, project, stage, service=service)
    values = {"service": service, "stage": stage, "sequence": sequence, "labels": labels}
    problems = [] if sequence else ["sequence is missing: choose one of the stage's shipyard sequences"]
    return _start_sequence(request, session, project, "custom", sequence, values, problems, {})


@router.post("/project/{project}/trigger/evaluation", response_model=None)
def trigger_evaluation(
    request: Request,
    project: str,
    session: Annotated[Session, Depends(checked_session)],
    service: FormText = "",
    stage: FormText = "",
    mode: FormText = "timeframe",
    timeframe: FormText = "",
    start: FormText = "",
    end: FormText = "",
    labels: FormText = "",
) -> Response:
    """Trigger an evaluation as ``POST …/evaluation`` does; to the new sequence's view."""
    require(request, session, Action.SEQUENCE_TRIGGER, project, stage, service=service)
    values = {
        "service": service, "stage": stage, "mode": mode, "timeframe": timeframe,
        "start": start, "end": end, "labels": labels,
    }  # fmt: skip
    context = context_of(request)
    try:
        parsed = parse_labels(labels)
        if mode == "range":
            if not start or not end:
                raise InputError("start and end are both needed for a start / end window")
            window = EvaluationRequest(start=start, end=end, labels=parsed)
        else:
            window = EvaluationRequest(timeframe=timeframe.strip() or "5m", start=start, labels=parsed)
        keptn_context = context.catalog.trigger_evaluation(project, stage, service, window)
    except NotFoundError:
        return missing_project(request, session, project)
    except (InputError, ValueError) as error:
        return _form_errors(request, session, project, "evaluation", values, [explain(error, project)])
    record(request, session, "sequence.trigger", project, stage, f"{stage}.evaluation")
    return _to_sequence(project, keptn_context)


def _start_sequence(
    request: Request,
    session: Session,
    project: str,
    kind: str,
    sequence: str,
    values: dict[str, str],
    problems: list[str],
    extra: dict[str, Any],
) -> Response:
    """Check the scope and store the sequence's ``.triggered`` event, or show the form's errors."""
    context = context_of(request)
    try:
        context.catalog.project(project)
    except NotFoundError:
        return missing_project(request, session, project)
    problems = [*scope_problems(context, project, values["stage"], values["service"], sequence), *problems]
    try:
        labels = parse_labels(values["labels"])
    except ValueError as error:
        problems.append(str(error))
        labels = {}
    if problems:
        return _form_errors(request, session, project, kind, values, problems)
    raw = sequence_trigger(SOURCE, (project, values["stage"], values["service"]), sequence, labels, extra)
    try:
        event = anyio.from_thread.run(context.intake.ingest, raw, datetime.now(UTC))
    except InputError as error:
        return _form_errors(request, session, project, kind, values, [str(error)])
    record(request, session, "sequence.trigger", project, values["stage"], raw["type"])
    return _to_sequence(project, event.shkeptncontext)


def scope_problems(
    context: ServerContext, project: str, stage: str, service: str, sequence: str
) -> list[str]:
    """What is wrong with the chosen stage, service and sequence (empty when they exist)."""
    shipyard = context.catalog.shipyard(project)
    stage_entry = shipyard.stage(stage) if shipyard is not None and stage else None
    if stage_entry is None:
        known = ", ".join(shipyard.stage_names) if shipyard is not None else "none"
        return [f"stage '{stage}' is not a stage of project '{project}' (its stages: {known})"]
    problems = []
    try:
        context.catalog.service(project, stage, service)
    except (NotFoundError, InputError):
        problems.append(
            f"service '{service}' is not in stage '{stage}': choose another, or create it with "
            f"`slogate create service {service or 'NAME'} --project {project}`"
        )
    if sequence and stage_entry.sequence(sequence) is None:
        names = ", ".join(s.name for s in stage_entry.sequences) or "none"
        problems.append(
            f"stage '{stage}' has no sequence '{sequence}' in the shipyard (its sequences: {names})"
        )
    return problems


def explain(error: Exception, project: str) -> str:
    """Keptn's terse messages, with what to do about them."""
    text = str(error)
    if text == "stage not found":
        return f"stage not found: choose one of the stages of project '{project}'"
    if text == "service not found":
        return (
            "service not found in that stage: "
            f"create it with `slogate create service NAME --project {project}`"
        )
    return text


def _form_errors(
    request: Request, session: Session, project: str, kind: str, values: dict[str, str], problems: list[str]
) -> Response:
    trigger = {"kind": kind, "values": values, "errors": problems}
    return environment_page(request, session, project, trigger=trigger, status_code=422)


def _to_sequence(project: str, keptn_context: str) -> RedirectResponse:
    target = f"/bridge/project/{quote(project, safe='')}/sequence/{quote(keptn_context, safe='')}"
    return RedirectResponse(target, status_code=303)
