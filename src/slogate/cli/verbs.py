"""The Keptn CLI's verb groups (``create``, ``get``, ``trigger`` …); command modules add their nouns."""

from __future__ import annotations

import typer

from slogate.cli.help import App


def _group(help_text: str) -> typer.Typer:
    return App(no_args_is_help=True, rich_markup_mode="markdown", help=help_text)


create = _group("Create a project, a service or a secret on the server.")
update = _group("Update a project or a secret on the server.")
delete = _group("Delete a project, a service or a secret on the server.")
get = _group(
    "Show events, projects, stages, services, sequences, secrets or replicas (tables, or -o json|yaml)."
)
trigger = _group("Start a delivery, a sequence or an evaluation.")
send = _group("Send a CloudEvent, or approve/decline an open approval.")
pause = _group("Pause a running sequence.")
resume = _group("Resume a paused sequence.")
abort = _group("Abort a sequence.")
configure = _group("Configure monitoring for a project's service.")

GROUPS = {
    "create": create,
    "update": update,
    "delete": delete,
    "get": get,
    "trigger": trigger,
    "send": send,
    "pause": pause,
    "resume": resume,
    "abort": abort,
    "configure": configure,
}
