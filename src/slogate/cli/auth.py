"""``slogate auth`` (store and check the server's endpoint and token) and ``slogate status``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from slogate.cli.client import ApiClient, connect
from slogate.cli.connection import Connection, normalize_endpoint, save
from slogate.cli.output import console, debug_enabled, user_errors

AUTH = "/api/v1/auth"


def auth_command(
    endpoint: Annotated[
        str, typer.Option("--endpoint", "-e", help="The server's URL, e.g. http://127.0.0.1:8080 (or …/api).")
    ],
    api_token: Annotated[
        str,
        typer.Option("--api-token", "-a", help="The API token `slogate server` printed at its first start."),
    ],
) -> None:
    """Check the token against the server and keep endpoint and token for later commands (mode 0600).

    Example: slogate auth --endpoint http://127.0.0.1:8080 --api-token "$SLOGATE_API_TOKEN"
    """
    from slogate.settings import load_settings

    with user_errors():
        settings = load_settings()
        connection = Connection(normalize_endpoint(endpoint), api_token.strip())
        with ApiClient(connection, debug=debug_enabled()) as api:
            api.post(AUTH)
        path = save(settings, connection)
    console().print(Text(f"Authenticated at {connection.endpoint}; kept in {path}"))


def status_command() -> None:
    """Show which server the CLI talks to and whether it accepts the token.

    Example: slogate status
    """
    with user_errors(), connect() as api:
        api.post(AUTH)
        metadata = api.get("/api/v1/metadata")
    version = metadata.get("slogateversion") or metadata.get("keptnversion") or "unknown"
    console().print(Text(f"Authenticated at {api.endpoint} (slogate {version})"))
