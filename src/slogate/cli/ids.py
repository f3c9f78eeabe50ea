"""Ids typed on the command line: a Keptn context or an open approval named by its first characters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slogate.cli import projects
from slogate.cli.client import ApiClient
from slogate.errors import NotFoundError
from slogate.services.usecases.id_prefix import unique_match

DATASTORE = "/api/mongodb-datastore/event"


def root_contexts(api: ApiClient, project: str) -> list[str]:
    """The Keptn context of every event chain of ``project`` (the datastore's first event of each)."""
    roots = projects.all_pages(api, DATASTORE, "events", {"project": project, "root": "true"})
    return [str(event.get("shkeptncontext", "")) for event in roots]


def resolve_context(api: ApiClient, typed: str, project: str | None) -> str:
    """The Keptn context ``typed`` names: itself when events carry it, else the one context of the
    project (or of every project) starting with it, else ``typed`` unchanged (nothing is found, as
    for any unknown context); an ``InputError`` lists the candidates when several start with it."""
    exact = {"keptnContext": typed, "project": project, "pageSize": 1}
    if (api.get(DATASTORE, {key: value for key, value in exact.items() if value}) or {}).get("events"):
        return typed
    names = [project] if project else [str(p.get("projectName", "")) for p in _all_projects(api)]
    contexts = [context for name in names for context in root_contexts(api, name)]
    try:
        return unique_match(typed, contexts, "Keptn context", "")
    except NotFoundError:
        return typed


def _all_projects(api: ApiClient) -> list[dict[str, Any]]:
    return projects.all_pages(api, projects.PROJECTS, "projects")


def pick(typed: str, events: Iterable[Mapping[str, Any]], what: str, not_found: str) -> Mapping[str, Any]:
    """The event whose id is ``typed`` or the only one starting with it (see ``unique_match``)."""
    chosen = list(events)
    full_id = unique_match(typed, [str(event.get("id", "")) for event in chosen], what, not_found)
    return next(event for event in chosen if str(event.get("id", "")) == full_id)
