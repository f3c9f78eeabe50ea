"""``slogate server``: run the API server; ``slogate server token``: rotate its API token."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slogate.cli.entry import collect_as_python_does
from slogate.cli.help import App
from slogate.cli.output import console, user_errors
from slogate.errors import ConfigError

if TYPE_CHECKING:  # the server's modules (FastAPI, uvicorn, the store) load only when a server command runs
    import logging

    import uvicorn
    from starlette.types import ASGIApp

    from slogate.settings import Settings

app = App(
    rich_markup_mode="markdown",
    help="Run the slogate API server (Keptn-compatible REST API under /api).\n\n"
    "Example: slogate server --port 8080 --data-dir /var/lib/slogate",
)

MIN_TOKEN_LENGTH = 32
TOKEN_TOO_SHORT = (
    f"Warning: SLOGATE_API_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters. The server never refuses "
    "the right token and only slows failed attempts, so a short token can be guessed: use a long random "
    "one (e.g. from `slogate server token`, or `openssl rand -hex 24`)."
)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the database, the token hash and keys live (SLOGATE_DATA_DIR)."),
]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    from slogate.settings import load_settings, replica_name_problem

    settings = load_settings()
    problem = replica_name_problem(str(overrides.get("replica_name") or ""))
    if problem:
        raise ConfigError(f"--replica-name: {problem}")
    changes = {key: value for key, value in overrides.items() if value is not None}
    if data_dir is not None:
        changes["data_dir"] = data_dir.expanduser().resolve()
    port = changes.pop("port", None)
    if isinstance(port, int):
        settings = settings.with_port(port)  # a default replica name follows the port
    return settings.model_copy(update=changes)


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (default 8080).")] = None,
    data_dir: DataDir = None,
    replica_name: Annotated[
        str | None,
        typer.Option(
            "--replica-name",
            help="This replica's name in logs, events and `slogate get replicas` "
            "(SLOGATE_REPLICA_NAME; default <hostname>:<port>).",
        ),
    ] = None,
    key_dir: Annotated[
        Path | None,
        typer.Option(
            "--key-dir",
            help="A directory with the keys every replica shares: secrets.key and bridge-session.key "
            "(SLOGATE_KEY_DIR; default: the data dir). See docs/deployment.md.",
        ),
    ] = None,
) -> None:
    """Run the API server until interrupted; at first start it prints a new API token once.

    Example: slogate server --host 127.0.0.1 --port 8080
    """
    if ctx.invoked_subcommand is not None:
        return
    collect_as_python_does()  # a server runs for long: Python's collector, not the short command's
    import uvicorn
    from rich.text import Text

    from slogate import bootstrap

    with user_errors():
        settings = _settings(
            data_dir, host=host, port=port, replica_name=replica_name, key_dir=_resolved(key_dir)
        )
        listening = bind(settings.host, settings.port)  # before a token is created or anything printed
        try:
            context = bootstrap.server_context(settings)
            created = context.tokens.ensure()
        except BaseException:
            listening.close()
            raise
    log_as_replica(settings.replica_name)
    out = console()
    if created:
        out.print(
            Text(f"API token (shown once; rotate with `slogate server token`): {created}", style="bold")
        )
    elif not settings.api_token.get_secret_value():
        out.print(Text(f"Using the API token whose hash is in {context.tokens.path}"))
    if short_token_warning(settings):
        out.print(Text(TOKEN_TOO_SHORT, style="yellow"))
    out.print(
        Text(
            f"slogate {settings.host}:{settings.port} (replica {settings.replica_name}) — API under /api, "
            "docs at /api/docs, web UI at /bridge"
        )
    )
    try:
        uvicorn.Server(uvicorn_config(bootstrap.server_app(context), settings)).run(sockets=[listening])
    finally:
        listening.close()
        context.close()


def log_as_replica(name: str) -> logging.Handler:
    """slogate's log lines (warnings and worse, on stderr) name the time, level and this replica; the
    handler added to the ``slogate`` logger."""
    import logging

    handler = logging.StreamHandler()
    label = name.replace("%", "%%")  # the name is text, not a format
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s [{label}] %(name)s: %(message)s"))
    logger = logging.getLogger("slogate")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    return handler


def _resolved(path: Path | None) -> Path | None:
    return None if path is None else path.expanduser().resolve()


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (uvicorn listens on it); a ``ConfigError`` naming the address
    and the fix when it cannot be bound, e.g. because another program uses the port."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigError(f"cannot listen on {where}: {error}: check --host (SLOGATE_HOST)") from None
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        listening.bind(address)
    except OSError as error:
        listening.close()
        fix = _BIND_FIXES.get(error.errno or 0, _IN_USE)
        raise ConfigError(
            f"cannot listen on {where}: {error.strerror or error}: {fix}; nothing was created"
        ) from None
    return listening


_IN_USE = "stop the program that uses the port, or choose another with --port (SLOGATE_PORT)"
_BIND_FIXES = {
    errno.EADDRNOTAVAIL: "the host is not an address of this machine: check --host (SLOGATE_HOST)",
    errno.EACCES: "ports below 1024 need privileges: choose another with --port (SLOGATE_PORT)",
}


def short_token_warning(settings: Settings) -> bool:
    """Whether SLOGATE_API_TOKEN is set but shorter than ``MIN_TOKEN_LENGTH`` (guessable)."""
    configured = settings.api_token.get_secret_value()
    return bool(configured) and len(configured) < MIN_TOKEN_LENGTH


def uvicorn_config(application: ASGIApp, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves ``application``: quietly, and without its own X-Forwarded-* handling (which
    believes any loopback peer); the app believes those headers only from SLOGATE_TRUSTED_PROXIES."""
    import uvicorn

    return uvicorn.Config(
        application,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


@app.command("token")
def token_command(data_dir: DataDir = None) -> None:
    """Replace the API token with a new one and print it; a running server accepts it at once, and
    every Bridge session logged in before ends.

    Example: slogate server token --data-dir /var/lib/slogate
    """
    from rich.text import Text

    from slogate.adapters.api_token import ApiTokens

    with user_errors():
        settings = _settings(data_dir)
        token = ApiTokens(settings.data_dir).rotate()
    console().print(Text(token), soft_wrap=True)
    if settings.api_token.get_secret_value():
        console().print(
            Text("Note: SLOGATE_API_TOKEN is set and takes precedence over this token.", style="yellow")
        )


@app.command("keys")
def keys_command(
    key_dir: Annotated[
        Path, typer.Option("--key-dir", help="The directory to create the keys in (mode 0700).")
    ],
) -> None:
    """Create the keys several replicas share (secrets.key, bridge-session.key) in a directory; keys
    already there are kept. Copy the directory to every replica and set SLOGATE_KEY_DIR.

    Example: slogate server keys --key-dir /etc/slogate/keys
    """
    from rich.text import Text

    from slogate.adapters.shared_keys import create_keys

    with user_errors():
        directory = key_dir.expanduser().resolve()
        created = create_keys(directory)
    for path in created:
        console().print(Text(f"created {path}"), soft_wrap=True)
    if not created:
        console().print(Text(f"{directory} has both keys already; nothing was changed"), soft_wrap=True)
