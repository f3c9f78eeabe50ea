"""``slogate add-resource``: upload a local file to a project, a stage or a service (Keptn's flag rules)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.text import Text

from slogate.cli.client import ApiClient, connect
from slogate.cli.output import console, user_errors
from slogate.cli.projects import project_path, stage_names
from slogate.errors import InputError

RESOURCES = "/api/resource-service/v1/project"


def read_bytes(path: Path) -> bytes:
    """The bytes of the local file ``path`` (text or binary); errors name the file."""
    try:
        return path.expanduser().read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (the --resource to add)") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; --resource takes one file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror}") from None


def level_path(project: str, stage: str | None = None, service: str | None = None) -> str:
    """The resource collection of a project, a stage or a service."""
    path = f"{RESOURCES}/{quote(project, safe='')}"
    if stage:
        path += f"/stage/{quote(stage, safe='')}"
        if service:
            path += f"/service/{quote(service, safe='')}"
    return path + "/resource"


def _check_flags(stage: str | None, all_stages: bool, service: str | None) -> None:
    """Keptn's rules: not --stage with --all-stages; --service needs one of them."""
    if stage and all_stages:
        raise InputError("--stage and --all-stages cannot be used together: choose one")
    if service and not stage and not all_stages:
        raise InputError("--service needs --stage STAGE or --all-stages (a service's files live in a stage)")


def _where(project: str, stage: str | None, service: str | None) -> str:
    if service:
        return f"service {service} in stage {stage} of project {project}"
    if stage:
        return f"stage {stage} of project {project}"
    return f"project {project}"


def upload(
    api: ApiClient, uri: str, content: str, project: str, stage: str | None = None, service: str | None = None
) -> dict[str, Any]:
    """Store base64 ``content`` as ``uri`` at one level; the server's answer (with ``commitID``)."""
    body = {"resources": [{"resourceURI": uri, "resourceContent": content}]}
    return dict(api.post(level_path(project, stage, service), body) or {})


def _upload(
    api: ApiClient, uri: str, content: str, project: str, stage: str | None, service: str | None
) -> list[Text]:
    """Store the file at one level; the line that says so, then one line per problem the server found."""
    answer = upload(api, uri, content, project, stage, service)
    revision = str(answer.get("commitID", ""))[:12]
    lines = [
        Text(
            f"Added {uri} to {_where(project, stage, service)}"
            + (f" (revision {revision})" if revision else "")
        )
    ]
    return lines + [problem_line(item) for item in answer.get("warnings") or () if isinstance(item, dict)]


def problem_line(item: dict[str, Any]) -> Text:
    """One problem of an uploaded file as the server reported it: file, severity, path, message."""
    severity = str(item.get("severity", "warning"))
    line = Text(f"{item.get('resourceURI', '')}: ")
    line.append(f"{severity}: ", style="red" if severity == "error" else "yellow")
    path = str(item.get("path", ""))
    line.append(f"{path}: {item.get('message', '')}" if path else str(item.get("message", "")))
    return line


def add_resource_command(
    project: Annotated[str, typer.Option("--project", "-p", help="The project.", show_default=False)],
    resource: Annotated[
        Path, typer.Option("--resource", "-r", help="The local file to upload (text or binary).")
    ],
    stage: Annotated[
        str | None,
        typer.Option("--stage", "-s", help="The stage (not with --all-stages).", show_default=False),
    ] = None,
    all_stages: Annotated[bool, typer.Option("--all-stages", help="Add the file to every stage.")] = False,
    service: Annotated[
        str | None, typer.Option("--service", help="The service (needs --stage or --all-stages).")
    ] = None,
    resource_uri: Annotated[
        str | None,
        typer.Option(
            "--resourceUri",
            "--resource-uri",
            help="Where to store it, e.g. prometheus/sli.yaml (default: the path).",
        ),
    ] = None,
) -> None:
    """Add a local file to a project, a stage (or all stages) or a service, as Keptn's add-resource does.

    No --stage and no --service: project level; --stage: stage level; --stage and --service: service
    level; --all-stages: each stage of the project (with --service: that service in each stage).

    The server checks slo.yaml, <provider>/sli.yaml, webhook/webhook.yaml and slogate's executors.yaml
    and deployment.yaml on upload; their problems are printed one per line after the file is added
    (or the upload is refused when the server's uploads are strict).

    Example: slogate add-resource --project fulltour --stage qa --service helloservice --resource slo.yaml
    """
    with user_errors():
        _check_flags(stage, all_stages, service)
        content = base64.b64encode(read_bytes(resource)).decode("ascii")
        uri = resource_uri or str(resource)
        with connect() as api:
            stages = stage_names(api.get(project_path(project))) if all_stages else [stage]
            for each in stages:  # printed one by one: with --all-stages a later stage may fail
                for line in _upload(api, uri, content, project, each, service):
                    console().print(line, soft_wrap=True)
