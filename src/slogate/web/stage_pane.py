"""The environment's stage details pane: a stage's services, filtered by problems, failed gates, approvals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FILTERS = {
    "problem": "Problems open",
    "evaluation": "Quality gates failed",
    "approval": "Services out-of-sync",
}
FIELDS = {"problem": "problem", "evaluation": "failed", "approval": "approvals"}  # what each filter keeps


def stage_pane(values: Mapping[str, Any], stage: str, chosen: str) -> dict[str, Any] | None:
    """What the pane shows of ``stage`` (None when no stage, or an unknown one, is selected): the filter
    buttons with their counts, the filter in use (an unknown one is ignored) and the services it keeps
    (the caller adds what each draws)."""
    found = next((entry for entry in values["stages"] if entry["name"] == stage), None)
    if found is None:
        return None
    open_problems = {
        problem["service"]: problem
        for problem in values.get("incidents", [])
        if problem.get("stage") == stage and problem.get("state") == "open"
    }
    services = [service_entry(service, open_problems.get(service["name"])) for service in found["services"]]
    counts = {key: sum(1 for s in services if s[field]) for key, field in FIELDS.items()}
    active = chosen if chosen in FILTERS else ""
    shown = [s for s in services if not active or s[FIELDS[active]]]
    return {
        "stage": stage,
        "filter": active,
        "filters": [{"key": key, "label": label, "count": counts[key]} for key, label in FILTERS.items()],
        "services": shown,
        "total": len(services),
    }


def service_entry(service: Mapping[str, Any], problem: Mapping[str, Any] | None) -> dict[str, Any]:
    """One service of the pane: its values in the stage and its open problem."""
    return {**service, "problem": dict(problem) if problem else None}
