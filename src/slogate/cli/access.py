"""``slogate token``, ``slogate role`` and ``slogate audit``: scoped API tokens, role bindings of users and
groups, and the audit log, through the server's API (/api/slogate/v1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich.table import Table
from rich.text import Text

from slogate.cli.client import connect
from slogate.cli.help import App
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.errors import InputError

BASE = "/api/slogate/v1"

token_app = App(
    rich_markup_mode="markdown",
    no_args_is_help=True,
    help="Scoped API tokens: create (shown once), list, revoke (admins; a project's owners for it).\n\n"
    "Example: slogate token create --name ci-sockshop --project sockshop --role operator --expires 30d",
)
role_app = App(
    rich_markup_mode="markdown",
    no_args_is_help=True,
    help="Roles of users and groups (subjects user:NAME, group:NAME) on projects, or global.\n\n"
    "Example: slogate role grant group:team-a --project sockshop --role operator --stage staging",
)

Project = Annotated[
    str,
    typer.Option("--project", "-p", help="The project the role holds on (none: a global role)."),
]
Role = Annotated[
    str,
    typer.Option(
        "--role",
        "-r",
        help="viewer, operator, maintainer, owner or integration on a project; admin or auditor without "
        "--project.",
        show_default=False,
    ),
]
Stages = Annotated[
    list[str] | None,
    typer.Option("--stage", "-s", help="Narrow the role to this stage (repeat for more)."),
]


def _table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console().print(table)


def _grants(grants: Any) -> str:
    shown = []
    for grant in grants or []:
        where = f"@{grant.get('project')}" if grant.get("project") else ""
        stages = f"[{','.join(grant.get('stages') or [])}]" if grant.get("stages") else ""
        shown.append(f"{grant.get('role')}{where}{stages}")
    return " ".join(shown)


@token_app.command("create")
def create_token(
    name: Annotated[str, typer.Option("--name", "-n", help="The token's name (unique).", show_default=False)],
    role: Role,
    project: Project = "",
    stage: Stages = None,
    expires: Annotated[
        str, typer.Option("--expires", help="30d, 12h, 90m, 2w, a date (2027-01-31), or never.")
    ] = "never",
    output: Output = OutputFormat.TABLE,
) -> None:
    """Create a token and print it once on standard output (only its hash is kept: store it now).

    Example: slogate token create --name ci-sockshop --project sockshop --role operator --expires 30d
    """
    body = {"name": name, "role": role, "project": project, "stages": stage or [], "expires": expires}
    with user_errors(), connect() as api:
        answer = api.post(f"{BASE}/tokens", body) or {}
    if output != OutputFormat.TABLE:
        print_document(answer, output)
        return
    note = f"Token {name} created ({_grants(answer.get('grants'))}); it is shown only once, store it now:"
    typer.echo(note, err=True)  # standard output holds the token alone: TOKEN=$(slogate token create …)
    typer.echo(str(answer.get("token", "")))


@token_app.command("list")
def list_tokens(output: Output = OutputFormat.TABLE) -> None:
    """List tokens: name, roles, creator, expiry, last use (never the secret).

    Example: slogate token list -o json
    """
    with user_errors(), connect() as api:
        tokens = (api.get(f"{BASE}/tokens") or {}).get("tokens") or []
    if output != OutputFormat.TABLE:
        print_document(tokens, output)
        return
    rows = [
        (
            str(token.get("name", "")),
            _grants(token.get("grants")),
            str(token.get("createdBy", "")),
            str(token.get("expiresAt") or "never"),
            str(token.get("lastUsedAt") or "-"),
        )
        for token in tokens
    ]
    _table(("NAME", "ROLES", "CREATED BY", "EXPIRES", "LAST USED"), rows)


@token_app.command("revoke")
def revoke_token(
    name: Annotated[str, typer.Argument(help="The token's name.", show_default=False)],
) -> None:
    """Revoke a token: no request with it passes from now on, on every replica.

    Example: slogate token revoke ci-sockshop
    """
    with user_errors(), connect() as api:
        api.delete(f"{BASE}/tokens/{quote(name, safe='')}")
    console().print(Text(f"Token {name} revoked"))


Subject = Annotated[str, typer.Argument(help="user:NAME or group:NAME.", show_default=False)]


def _check_subject(subject: str) -> None:
    if not subject.startswith(("user:", "group:")) or len(subject.partition(":")[2].strip()) == 0:
        raise InputError(f"subject {subject!r} is not valid: write user:<name> or group:<name>")


@role_app.command("grant")
def grant_role(subject: Subject, role: Role, project: Project = "", stage: Stages = None) -> None:
    """Give a user or group a role (again: replaces its stages).

    Example: slogate role grant user:alice --project sockshop --role maintainer
    """
    body = {"subject": subject, "role": role, "project": project, "stages": stage or []}
    with user_errors(), connect() as api:
        _check_subject(subject)
        answer = api.post(f"{BASE}/roles", body) or {}
    console().print(Text(f"{subject} has role {_grants([answer])}"))


@role_app.command("list")
def list_roles(
    subject: Annotated[str | None, typer.Argument(help="One subject (default: all).")] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """List role bindings.

    Example: slogate role list group:team-a -o json
    """
    with user_errors(), connect() as api:
        params = {"subject": subject} if subject else None
        bindings = (api.get(f"{BASE}/roles", params) or {}).get("bindings") or []
    if output != OutputFormat.TABLE:
        print_document(bindings, output)
        return
    rows = [
        (
            str(b.get("subject", "")),
            str(b.get("role", "")),
            str(b.get("project", "")) or "(global)",
            ",".join(b.get("stages") or []) or "(all)",
        )
        for b in bindings
    ]
    _table(("SUBJECT", "ROLE", "PROJECT", "STAGES"), rows)


@role_app.command("revoke")
def revoke_role(subject: Subject, role: Role, project: Project = "") -> None:
    """Take a role from a user or group.

    Example: slogate role revoke user:alice --project sockshop --role maintainer
    """
    with user_errors(), connect() as api:
        api.delete(f"{BASE}/roles", {"subject": subject, "role": role, "project": project})
    console().print(Text(f"{subject} no longer has role {role}" + (f" on {project}" if project else "")))


def audit_command(
    project: Annotated[str, typer.Option("--project", "-p", help="Only this project's records.")] = "",
    actor: Annotated[str, typer.Option("--actor", help="Only this token's or user's records.")] = "",
    action: Annotated[str, typer.Option("--action", help="Only this action (e.g. approval.decide).")] = "",
    since: Annotated[
        str,
        typer.Option(
            "--since", help="Only records at or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)."
        ),
    ] = "",
    outcome: Annotated[str, typer.Option("--outcome", help="allowed or denied.")] = "",
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many records.", min=1, max=10_000)
    ] = 100,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show the audit log, newest first: who did what, where, from where (admins and auditors).

    Example: slogate audit --project sockshop --outcome denied -o json
    """
    params: dict[str, Any] = {"limit": limit}
    for key, value in (("project", project), ("actor", actor), ("action", action), ("since", since)):
        if value:
            params[key] = value
    if outcome:
        params["outcome"] = outcome
    with user_errors(), connect() as api:
        entries = (api.get(f"{BASE}/audit", params) or {}).get("entries") or []
    if output != OutputFormat.TABLE:
        print_document(entries, output)
        return
    rows = [
        (
            str(e.get("time", "")),
            str(e.get("actor", "")),
            str(e.get("action", "")),
            str(e.get("outcome", "")),
            "/".join(part for part in (e.get("project"), e.get("stage"), e.get("service")) if part),
            str(e.get("target", "")),
            str(e.get("sourceIP", "")),
        )
        for e in entries
    ]
    _table(("TIME", "ACTOR", "ACTION", "OUTCOME", "WHERE", "TARGET", "FROM"), rows)
