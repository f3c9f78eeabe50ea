"""``slogate create|update|delete|get secret``: secrets for webhooks and executors (values never shown)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import ApiClient, connect
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.errors import InputError, NotFoundError

SECRETS = "/api/secrets/v1/secret"
DEFAULT_SCOPE = "keptn-default"

Name = Annotated[str, typer.Argument(help="The secret's name.", show_default=False)]
Literals = Annotated[
    list[str],
    typer.Option(
        "--from-literal", help="A key=value pair of the secret (repeat for more keys).", show_default=False
    ),
]
Scope = Annotated[
    str | None,
    typer.Option("--scope", "-s", help=f"The secret's scope (default {DEFAULT_SCOPE}).", show_default=False),
]

SecretProject = Annotated[
    str | None,
    typer.Option(
        "--project",
        "-p",
        help="The project whose executors and providers alone may read it (default: a global secret).",
        show_default=False,
    ),
]


def parse_literals(literals: list[str]) -> dict[str, str]:
    """``["user=admin", "token=…"]`` as a mapping; a pair without '=' or key is an ``InputError``."""
    data: dict[str, str] = {}
    for literal in literals:
        key, separator, value = literal.partition("=")
        if not separator or not key.strip():
            raise InputError(
                f"--from-literal: '{key}' is not key=value (write e.g. --from-literal token=abc)"
            )
        data[key.strip()] = value
    if not data:
        raise InputError("--from-literal is missing: give the secret's data as --from-literal key=value")
    return data


def _keys(answer: Any) -> str:
    keys = answer.get("keys") if isinstance(answer, dict) else None
    return ", ".join(str(key) for key in keys or [])


@verbs.create.command("secret")
def create_secret(
    name: Name, from_literal: Literals, scope: Scope = None, project: SecretProject = None
) -> None:
    """Create a secret from key=value pairs; executors and webhooks read it by name.

    Example: slogate create secret webhook-token --from-literal token=abc123 --scope keptn-webhook-service
    """
    with user_errors():
        body = {"name": name, "scope": scope or DEFAULT_SCOPE, "data": parse_literals(from_literal)}
        if project:
            body["project"] = project
        with connect() as api:
            answer = api.post(SECRETS, body)
    console().print(Text(f"Secret {name} created (scope {body['scope']}, keys {_keys(answer)})"))


@verbs.update.command("secret")
def update_secret(name: Name, from_literal: Literals, scope: Scope = None) -> None:
    """Replace a secret's key=value pairs (and its scope, when --scope is given).

    Example: slogate update secret webhook-token --from-literal token=def456
    """
    with user_errors():
        body: dict[str, Any] = {"name": name, "data": parse_literals(from_literal)}
        if scope:
            body["scope"] = scope
        with connect() as api:
            answer = api.put(SECRETS, body) or {}
    console().print(Text(f"Secret {name} updated (scope {answer.get('scope', scope)}, keys {_keys(answer)})"))


def _secrets(api: ApiClient) -> list[dict[str, Any]]:
    answer = api.get(SECRETS) or {}
    return [secret for secret in answer.get("Secrets") or [] if isinstance(secret, dict)]


def _scope_of(api: ApiClient, name: str) -> str:
    """The scope of the one secret called ``name``; several scopes need ``--scope``."""
    scopes = [str(secret.get("scope")) for secret in _secrets(api) if secret.get("name") == name]
    if not scopes:
        raise NotFoundError(f"no secret {name}: see `slogate get secrets`")
    if len(scopes) > 1:
        raise InputError(f"secret {name} exists in scopes {', '.join(scopes)}: choose one with --scope")
    return scopes[0]


@verbs.delete.command("secret")
def delete_secret(
    name: Name,
    scope: Scope = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Accepted as Keptn accepts it; nothing is asked.")
    ] = False,
) -> None:
    """Delete a secret at once, as Keptn does (its scope is looked up when --scope is not given).

    Example: slogate delete secret webhook-token --scope keptn-webhook-service
    """
    with user_errors(), connect() as api:
        chosen = scope or _scope_of(api, name)
        api.delete(SECRETS, {"name": name, "scope": chosen})
    console().print(Text(f"Secret {name} deleted (scope {chosen})"))


def get_secret(
    name: Annotated[str | None, typer.Argument(help="One secret (default: all).")] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Show secrets: name, scope and keys (values are never shown).

    Example: slogate get secrets -o json
    """
    with user_errors():
        with connect() as api:
            secrets = [secret for secret in _secrets(api) if not name or secret.get("name") == name]
        if name and not secrets:
            raise NotFoundError(f"no secret {name}: see `slogate get secrets`")
    if output != OutputFormat.TABLE:
        print_document(secrets, output)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "SCOPE", "KEYS"):
        table.add_column(column)
    for secret in secrets:
        table.add_row(
            Text(str(secret.get("name", ""))), Text(str(secret.get("scope", ""))), Text(_keys(secret))
        )
    console().print(table)


verbs.get.command("secret")(get_secret)
verbs.get.command("secrets", hidden=True)(get_secret)
