"""Whether anything takes a task: a built-in service, a built-in executor or a live registered integration."""

from __future__ import annotations

from typing import Protocol

from slogate.domain.sequencing.execution import Scope


class BuiltInExecutors(Protocol):
    """The built-in executors (``ExecutorRunner``): its subscriber name, and what it answers where."""

    name: str

    def takes(self, task_type: str, scope: Scope) -> bool: ...


class InProcessSubscribers(Protocol):
    """The dispatcher: whether an in-process subscriber other than ``ignoring`` takes a type."""

    def handles(self, event_type: str, ignoring: str = "") -> bool: ...


class Integrations(Protocol):
    """The uniform registry: whether a live integration subscribed to a type in a scope."""

    def subscribed(self, event_type: str, project: str, stage: str, service: str) -> bool: ...


class ExecutorCoverage:
    """The rule the sequence engine follows before sending a task: without a taker, the task errors
    at once instead of waiting for its timeout."""

    def __init__(
        self, executors: BuiltInExecutors, dispatcher: InProcessSubscribers, integrations: Integrations
    ) -> None:
        self._executors = executors
        self._dispatcher = dispatcher
        self._integrations = integrations

    def takes(self, event_type: str, project: str, stage: str, service: str) -> bool:
        """Whether a task trigger of ``event_type`` in project, stage and service has a taker: a built-in
        executor configured there, another in-process subscriber (approval, lighthouse, get-sli), or a
        live integration subscribed to it (asked last: it reads the store)."""
        scope = Scope(project, stage, service, keptn_context="", triggered_id="", event_type=event_type)
        if self._executors.takes(event_type, scope):
            return True
        if self._dispatcher.handles(event_type, ignoring=self._executors.name):
            return True
        return self._integrations.subscribed(event_type, project, stage, service)
