"""``slogate create|update|delete project``, ``create|delete service``, ``get project|stage|service``."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import ApiClient, connect
from slogate.cli.files import read_text
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.errors import InputError, NotFoundError

PROJECTS = "/api/controlPlane/v1/project"
PAGE_SIZE = 100

ProjectName = Annotated[str, typer.Argument(help="The project's name.", show_default=False)]
ServiceName = Annotated[str, typer.Argument(help="The service's name.", show_default=False)]
ProjectOption = Annotated[str, typer.Option("--project", "-p", help="The project.", show_default=False)]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
_IGNORED = "ignored: slogate keeps no git upstream"
GitRemote = Annotated[str | None, typer.Option("--git-remote-url", "-r", help=_IGNORED)]
GitUser = Annotated[str | None, typer.Option("--git-user", "-u", help=_IGNORED)]
GitToken = Annotated[str | None, typer.Option("--git-token", "-t", help=_IGNORED)]
GitKey = Annotated[str | None, typer.Option("--git-private-key", "-k", help=_IGNORED)]
GitKeyPass = Annotated[str | None, typer.Option("--git-private-key-pass", "-l", help=_IGNORED)]
GitProxy = Annotated[str | None, typer.Option("--git-proxy-url", "-p", help=_IGNORED)]
GitProxyScheme = Annotated[str | None, typer.Option("--git-proxy-scheme", "-j", help=_IGNORED)]
GitProxyUser = Annotated[str | None, typer.Option("--git-proxy-user", "-w", help=_IGNORED)]
GitProxyPassword = Annotated[str | None, typer.Option("--git-proxy-password", "-e", help=_IGNORED)]
GitInsecure = Annotated[bool, typer.Option("--insecure-skip-tls", "-x", help=_IGNORED)]
GitCertificate = Annotated[str | None, typer.Option("--git-pem-certificate", "-g", help=_IGNORED)]


# --- helpers shared with the other command modules ------------------------------------------------


def interactive() -> bool:
    """Whether someone can answer a question (standard input is a terminal)."""
    return sys.stdin.isatty()


def confirm(action: str, yes: bool) -> None:
    """Ask whether to ``action`` unless ``--yes``; ``InputError`` when no one can answer, or on a no."""
    if yes:
        return
    if not interactive():
        raise InputError(
            f"cannot ask whether to {action} (no terminal): pass --yes (-y) to do it without asking"
        )
    try:
        confirmed = typer.confirm(f"{action[0].upper()}{action[1:]}?", default=False)
    except typer.Abort:
        confirmed = False
    if not confirmed:
        raise InputError("not confirmed: nothing was deleted")


def note(message: str) -> None:
    """One informational line on standard error (so that standard output stays a document)."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(Text(f"note: {message}"))


def all_pages(api: ApiClient, path: str, key: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Every item of a paged Keptn list (``nextPageKey`` absent, empty or "0" on the last page)."""
    items: list[Any] = []
    query: dict[str, Any] = {**(params or {}), "pageSize": PAGE_SIZE}
    while True:
        answer = api.get(path, query) or {}
        items.extend(answer.get(key) or [])
        page_key = answer.get("nextPageKey")
        if page_key in (None, "", "0") or not answer.get(key):
            return items
        query["nextPageKey"] = page_key


def project_path(project: str) -> str:
    """The controlPlane path of one project."""
    return f"{PROJECTS}/{quote(project, safe='')}"


def stage_names(project: dict[str, Any]) -> list[str]:
    """The stages of an ``ExpandedProject`` in shipyard order."""
    return [str(stage.get("stageName", "")) for stage in project.get("stages") or []]


def date_of(nanos: Any) -> str:
    """Keptn's ``creationDate`` (Unix nanoseconds as text) as an ISO 8601 UTC time."""
    try:
        moment = datetime.fromtimestamp(int(str(nanos)) / 1e9, UTC)
    except (ValueError, OverflowError, OSError):
        return str(nanos or "")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def shipyard_base64(path: Path) -> str:
    """The shipyard file's text, base64-encoded as ``POST /project`` wants it."""
    if str(path).startswith(("http:/", "https:/")):
        raise InputError(f"--shipyard takes a local file, not the URL {path}: download it first")
    return base64.b64encode(read_text(path, "shipyard").encode("utf-8")).decode("ascii")


def git_flags(ctx: typer.Context) -> list[str]:
    """Which of Keptn's git flags were given (their names only, never their values)."""
    given = {name: value for name, value in ctx.params.items() if value}
    return [
        f"--{name.replace('_', '-')}"
        for name in given
        if name.startswith("git_") or name == "insecure_skip_tls"
    ]


def _note_git(flags: list[str]) -> None:
    if flags:
        note(f"{', '.join(flags)} ignored: slogate keeps every revision in its database, no git upstream")


# --- projects -------------------------------------------------------------------------------------


def post_project(api: ApiClient, name: str, shipyard_b64: str) -> None:
    """``POST /project``: a project from its base64 shipyard."""
    api.post(PROJECTS, {"name": name, "shipyard": shipyard_b64})


def post_service(api: ApiClient, project: str, name: str) -> None:
    """``POST /project/{p}/service``: a service in every stage."""
    api.post(f"{project_path(project)}/service", {"serviceName": name})


@verbs.create.command("project")
def create_project(
    ctx: typer.Context,
    name: ProjectName,
    shipyard: Annotated[Path, typer.Option("--shipyard", "-s", help="The shipyard.yaml file.")],
    git_remote_url: GitRemote = None,
    git_user: GitUser = None,
    git_token: GitToken = None,
    git_private_key: GitKey = None,
    git_private_key_pass: GitKeyPass = None,
    git_proxy_url: GitProxy = None,
    git_proxy_scheme: GitProxyScheme = None,
    git_proxy_user: GitProxyUser = None,
    git_proxy_password: GitProxyPassword = None,
    insecure_skip_tls: GitInsecure = False,
    git_pem_certificate: GitCertificate = None,
) -> None:
    """Create a project with the stages of its shipyard (Keptn's git flags are accepted and ignored).

    Example: slogate create project fulltour --shipyard shipyard.yaml
    """
    with user_errors():
        shipyard_b64 = shipyard_base64(shipyard)
        with connect() as api:
            post_project(api, name, shipyard_b64)
            created = api.get(project_path(name))
    _note_git(git_flags(ctx))
    console().print(Text(f"Project {name} created with stages {', '.join(stage_names(created))}"))


@verbs.update.command("project")
def update_project(
    ctx: typer.Context,
    name: ProjectName,
    shipyard: Annotated[
        Path | None, typer.Option("--shipyard", "-s", help="A new shipyard.yaml (same stages).")
    ] = None,
    git_remote_url: GitRemote = None,
    git_user: GitUser = None,
    git_token: GitToken = None,
    git_private_key: GitKey = None,
    git_private_key_pass: GitKeyPass = None,
    git_proxy_url: GitProxy = None,
    git_proxy_scheme: GitProxyScheme = None,
    git_proxy_user: GitProxyUser = None,
    git_proxy_password: GitProxyPassword = None,
    insecure_skip_tls: GitInsecure = False,
    git_pem_certificate: GitCertificate = None,
) -> None:
    """Replace a project's shipyard (its stages must stay); Keptn's git flags are accepted and ignored.

    Example: slogate update project fulltour --shipyard shipyard.yaml
    """
    git = git_flags(ctx)
    with user_errors():
        if shipyard is None and not any(git):
            raise InputError("nothing to update: pass --shipyard FILE to replace the project's shipyard")
        body = {"name": name}
        if shipyard is not None:
            body["shipyard"] = shipyard_base64(shipyard)
        with connect() as api:
            api.put(PROJECTS, body)
    _note_git(git)
    if shipyard is None:
        console().print(Text(f"Project {name} exists; nothing to update (slogate keeps no git upstream)"))
    else:
        console().print(Text(f"Project {name} updated with the shipyard {shipyard}"))


@verbs.delete.command("project")
def delete_project(name: ProjectName, yes: Yes = False) -> None:
    """Delete a project with its stages, services and files (asks first unless --yes).

    Example: slogate delete project fulltour --yes
    """
    with user_errors():
        confirm(f"delete project {name} with its stages, services and files", yes)
        with connect() as api:
            answer = api.delete(project_path(name)) or {}
    console().print(Text(str(answer.get("message") or f"Project {name} deleted")))


# --- services -------------------------------------------------------------------------------------


@verbs.create.command("service")
def create_service(name: ServiceName, project: ProjectOption) -> None:
    """Create a service in every stage of a project.

    Example: slogate create service helloservice --project fulltour
    """
    with user_errors(), connect() as api:
        post_service(api, project, name)
        stages = stage_names(api.get(project_path(project)))
    console().print(Text(f"Service {name} created in project {project} (stages {', '.join(stages)})"))


@verbs.delete.command("service")
def delete_service(name: ServiceName, project: ProjectOption, yes: Yes = False) -> None:
    """Delete a service from every stage of a project (asks first unless --yes).

    Example: slogate delete service helloservice --project fulltour --yes
    """
    with user_errors():
        confirm(f"delete service {name} from every stage of project {project}", yes)
        with connect() as api:
            api.delete(f"{project_path(project)}/service/{quote(name, safe='')}")
    console().print(Text(f"Service {name} deleted from project {project}"))


# --- reading --------------------------------------------------------------------------------------


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    return table


def _projects(api: ApiClient, name: str | None) -> list[dict[str, Any]]:
    return [api.get(project_path(name))] if name else all_pages(api, PROJECTS, "projects")


def get_project(
    name: Annotated[str | None, typer.Argument(help="One project (default: all).")] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show projects: name, creation date, shipyard version and stages.

    Example: slogate get project fulltour -o yaml
    """
    with user_errors(), connect() as api:
        projects = _projects(api, name)
    if output != OutputFormat.TABLE:
        print_document(projects[0] if name else projects, output)
        return
    table = _table("NAME", "CREATION DATE", "SHIPYARD VERSION", "STAGES")
    for project in projects:
        table.add_row(
            Text(str(project.get("projectName", ""))),
            Text(date_of(project.get("creationDate"))),
            Text(str(project.get("shipyardVersion", ""))),
            Text(", ".join(stage_names(project))),
        )
    console().print(table)


def get_stage(
    project: Annotated[str, typer.Option("--project", help="The project.", show_default=False)],
    name: Annotated[str | None, typer.Argument(help="One stage (default: all).")] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show a project's stages in shipyard order: parent stages and services.

    Example: slogate get stages --project fulltour
    """
    with user_errors():
        with connect() as api:
            stages = api.get(project_path(project)).get("stages") or []
        if name:
            stages = [stage for stage in stages if stage.get("stageName") == name]
            if not stages:
                raise NotFoundError(f"project {project} has no stage {name}")
    if output != OutputFormat.TABLE:
        print_document(stages[0] if name else stages, output)
        return
    table = _table("NAME", "PARENT STAGES", "SERVICES")
    for stage in stages:
        services = [str(service.get("serviceName", "")) for service in stage.get("services") or []]
        table.add_row(
            Text(str(stage.get("stageName", ""))),
            Text(", ".join(stage.get("parentStages") or [])),
            Text(", ".join(services)),
        )
    console().print(table)


def _services(
    projects: list[dict[str, Any]], name: str | None, stage: str | None
) -> Iterator[dict[str, Any]]:
    """Each service as the server shows it, with ``projectName`` and ``stageName`` added."""
    for project in projects:
        for each in project.get("stages") or []:
            if stage and each.get("stageName") != stage:
                continue
            for service in each.get("services") or []:
                if not name or service.get("serviceName") == name:
                    where = {"projectName": project.get("projectName"), "stageName": each.get("stageName")}
                    yield where | service


def _last_event(service: dict[str, Any]) -> str:
    events = service.get("lastEventTypes") or {}
    if not events:
        return ""
    newest = max(events.items(), key=lambda item: int(str(item[1].get("time") or 0)))
    return f"{newest[0].removeprefix('sh.keptn.event.')} ({date_of(newest[1].get('time'))})"


def get_service(
    name: Annotated[str | None, typer.Argument(help="One service (default: all).")] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="The project (default: all).", show_default=False)
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.", show_default=False)] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show services per stage: deployed image, last event and creation date.

    Example: slogate get service helloservice --project fulltour --stage qa
    """
    with user_errors():
        with connect() as api:
            services = list(_services(_projects(api, project), name, stage))
        if (name or stage) and not services:
            what = f"service {name}" if name else "services"
            where = (f" in stage {stage}" if stage else "") + (f" of project {project}" if project else "")
            raise NotFoundError(f"no {what}{where}: see `slogate get services --project PROJECT`")
    if output != OutputFormat.TABLE:
        print_document(services, output)
        return
    table = _table("NAME", "PROJECT", "STAGE", "DEPLOYED IMAGE", "LAST EVENT", "CREATION DATE")
    for service in services:
        table.add_row(
            Text(str(service.get("serviceName", ""))),
            Text(str(service.get("projectName", ""))),
            Text(str(service.get("stageName", ""))),
            Text(str(service.get("deployedImage") or "–")),
            Text(_last_event(service)),
            Text(date_of(service.get("creationDate"))),
        )
    console().print(table)


for _name, _command in (("project", get_project), ("stage", get_stage), ("service", get_service)):
    verbs.get.command(_name)(_command)
    verbs.get.command(f"{_name}s", hidden=True)(_command)
