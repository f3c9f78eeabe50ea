"""A scripted delivery history with known DORA figures (tests/integration/store/test_dora_figures.py)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, EVALUATION_INVALIDATED, KeptnEvent

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = 3600.0
# the project "shop" of the history: a dev stage, then production (the last stage, the default of the report)
SHIPYARD = """apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata: {name: shop}
spec:
  stages:
    - name: dev
      sequences: [{name: delivery, tasks: [{name: deployment}]}]
    - name: production
      sequences: [{name: delivery, tasks: [{name: deployment}, {name: evaluation}]}]
"""
_ids = itertools.count()


def event(
    type_: str,
    hours: float,
    context: str,
    stage: str,
    service: str = "carts",
    project: str = "shop",
    triggeredid: str = "",
    **data: Any,
) -> KeptnEvent:
    """An event ``hours`` after T0 with project, stage and service in its data."""
    return KeptnEvent(
        id=f"e{next(_ids)}",
        type=type_,
        source="test",
        time=T0 + timedelta(hours=hours),
        shkeptncontext=context,
        data={"project": project, "stage": stage, "service": service, **data},
        triggeredid=triggeredid,
    )


def delivery(
    context: str,
    trigger: float,
    deploy: float,
    *,
    service: str = "carts",
    stage: str = "production",
    project: str = "shop",
    deployed: str = "pass",
    evaluation: tuple[float, str] | None = None,
) -> list[KeptnEvent]:
    """A delivery triggered in dev at ``trigger`` hours, deployed to ``stage`` at ``deploy`` hours."""
    scope = {"service": service, "project": project}
    events = [
        event("sh.keptn.event.dev.delivery.triggered", trigger, context, "dev", **scope),
        event("sh.keptn.event.deployment.finished", deploy, context, stage, result=deployed, **scope),
    ]
    if evaluation is not None:
        hours, result = evaluation
        events.append(event(EVALUATION_FINISHED, hours, context, stage, result=result, score=1.0, **scope))
    return events


def rollback(context: str, hours: float) -> list[KeptnEvent]:
    """A rollback sequence and its rollback task (one rollback, counted once)."""
    return [
        event("sh.keptn.event.production.rollback.triggered", hours, context, "production"),
        event("sh.keptn.event.rollback.triggered", hours + 0.01, context, "production"),
    ]


def history() -> list[KeptnEvent]:
    """Eight production deliveries in ten days; c2 fails its evaluation, c4 is rolled back, c7's
    deployment fails (never restored), c8's failed evaluation was invalidated; plus noise."""
    invalidated_fail = event(EVALUATION_FINISHED, 142, "c8", "production", triggeredid="t8", result="fail")
    return [
        *delivery("c0", -10, -5, evaluation=(-4, "fail")),  # before the window
        *delivery("c1", 0, 2, evaluation=(3, "pass")),
        *delivery("c2", 24, 28, evaluation=(29, "fail")),
        event(EVALUATION_FINISHED, 30, "c2", "production", result="pass"),  # same build again: no restore
        *delivery("c3", 48, 49, evaluation=(50, "pass")),  # restores c2 after 21 h
        *delivery("c4", 72, 80, evaluation=(81, "pass")),
        *rollback("c4", 82),
        *delivery("c5", 96, 97, evaluation=(98, "warning")),  # a warning restores nothing
        *delivery("c6", 120, 126, evaluation=(127, "pass")),  # restores c4 after 45 h
        *delivery("c7", 130, 132, service="orders", deployed="fail"),
        *delivery("c8", 140, 141),
        invalidated_fail,
        event(EVALUATION_INVALIDATED, 143, "c8", "production", triggeredid="t8"),
        *delivery("q1", 150, 151, stage="dev", evaluation=(152, "fail")),  # another stage
        *delivery("o1", 150, 151, project="other", evaluation=(152, "fail")),  # another project
        *delivery("late", 300, 301),  # after the window
    ]
