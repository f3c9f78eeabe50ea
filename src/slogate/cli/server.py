"""``slogate server``: run the API server; ``slogate server token``: rotate its API token."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.text import Text

from slogate import bootstrap
from slogate.adapters.api_token import ApiTokens
from slogate.cli.output import console, user_errors
from slogate.settings import Settings, load_settings

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Run the slogate API server (Keptn-compatible REST API under /api).\n\n"
    "Example: slogate server --port 8080 --data-dir /var/lib/slogate",
)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the database, the token hash and keys live (SLOGATE_DATA_DIR)."),
]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    settings = load_settings()
    changes = {key: value for key, value in overrides.items() if value is not None}
    if data_dir is not None:
        changes["data_dir"] = data_dir.expanduser().resolve()
    return settings.model_copy(update=changes)


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (default 8080).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Run the API server until interrupted; at first start it prints a new API token once.

    Example: slogate server --host 127.0.0.1 --port 8080
    """
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        settings = _settings(data_dir, host=host, port=port)
        context = bootstrap.server_context(settings)
        created = context.tokens.ensure()
    out = console()
    if created:
        out.print(
            Text(f"API token (shown once; rotate with `slogate server token`): {created}", style="bold")
        )
    elif not settings.api_token.get_secret_value():
        out.print(Text(f"Using the API token whose hash is in {context.tokens.path}"))
    out.print(
        Text(
            f"slogate {settings.host}:{settings.port} — API under /api, docs at /api/docs, web UI at /bridge"
        )
    )
    try:
        uvicorn.run(
            bootstrap.server_app(context),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            access_log=False,
        )
    finally:
        context.close()


@app.command("token")
def token_command(data_dir: DataDir = None) -> None:
    """Replace the API token with a new one and print it; a running server accepts it at once.

    Example: slogate server token --data-dir /var/lib/slogate
    """
    with user_errors():
        settings = _settings(data_dir)
        token = ApiTokens(settings.data_dir).rotate()
    console().print(Text(token), soft_wrap=True)
    if settings.api_token.get_secret_value():
        console().print(
            Text("Note: SLOGATE_API_TOKEN is set and takes precedence over this token.", style="yellow")
        )
