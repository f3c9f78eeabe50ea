"""``slogate version``: the CLI's version and, when a server is configured, the server's (Keptn's
``keptn version``), as lines or as a document."""

from __future__ import annotations

from typing import Any

import typer

from slogate import __version__
from slogate.cli.output import Output, OutputFormat, print_document

METADATA = "/api/v1/metadata"
TIMEOUT_SECONDS = 5.0


def version_command(output: Output = OutputFormat.TABLE) -> None:
    """Print slogate's version and, when a server is configured (`slogate auth` or SLOGATE_ENDPOINT),
    the server's; -o json|yaml prints a document.

    Example: slogate version -o json
    """
    server = server_version()
    if output != OutputFormat.TABLE:
        print_document({"version": __version__, **({"server": server} if server else {})}, output)
        return
    typer.echo(f"slogate {__version__}")
    if server and "error" in server:
        typer.echo(f"server {server['endpoint']}: version unknown ({server['error']})", err=True)
    elif server:
        typer.echo(
            f"server {server['endpoint']}: slogate {server['version']} (Keptn API {server['keptnVersion']})"
        )


def server_version() -> dict[str, Any] | None:
    """``{endpoint, version, keptnVersion}`` of the configured server (``{endpoint, error}`` when it
    cannot be asked), or None without one; the settings and httpx load only when one may be set."""
    from slogate.cli.connection import may_be_configured

    if not may_be_configured():
        return None
    from slogate.cli.client import ApiClient
    from slogate.cli.connection import load
    from slogate.cli.output import debug_enabled
    from slogate.errors import ConfigError, SlogateError
    from slogate.settings import load_settings

    try:
        connection = load(load_settings())
    except ConfigError:
        return None  # no endpoint or no token: as if no server were configured
    try:
        with ApiClient(connection, timeout=TIMEOUT_SECONDS, debug=debug_enabled()) as api:
            answer = api.get(METADATA)
    except SlogateError as error:
        return {"endpoint": connection.endpoint, "error": error.message}
    metadata = answer if isinstance(answer, dict) else {}
    version = metadata.get("slogateversion") or metadata.get("bridgeversion") or "unknown"
    return {
        "endpoint": connection.endpoint,
        "version": str(version),
        "keptnVersion": str(metadata.get("keptnversion") or "unknown"),
    }
