"""A project's SLI provider, event-sourced: its latest ``monitoring.configure`` since it was last deleted.

Keptn's lighthouse kept it in the ConfigMap ``lighthouse-config-<project>``."""

from __future__ import annotations

from slogate.domain.protocol.event_types import MONITORING_CONFIGURE, PROJECT_DELETE_FINISHED
from slogate.ports import EventCriteria, EventQueries, FieldMatch

# The latest of these events of a project decides: a deleted project forgets its provider (slogate keeps
# a deleted project's events; Keptn's ConfigMap outlived the project).
_DECIDING = (MONITORING_CONFIGURE, PROJECT_DELETE_FINISHED)


def chosen_provider(events: EventQueries, project: str) -> str | None:
    """The SLI provider ``slogate configure monitoring <type> --project <project>`` chose last, or None
    when none was chosen since the project was (re)created: one query on the indexed columns ``type``
    and ``project`` (lighthouse asks it for every evaluation)."""
    criteria = EventCriteria(
        fields=(FieldMatch(("type",), _DECIDING), FieldMatch(("data", "project"), (project,))),
        limit=1,
        count=False,
    )
    latest, _ = events.query(criteria)
    if not latest or latest[0].type != MONITORING_CONFIGURE:
        return None
    chosen = latest[0].data.get("type")
    if not isinstance(chosen, str):
        return None
    return chosen.strip() or None
