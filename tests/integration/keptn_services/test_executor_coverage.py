"""Whether a task has a taker: built-in executors, then other in-process services, then integrations."""

from __future__ import annotations

from dataclasses import dataclass, field

from slogate.domain.sequencing.execution import Scope
from slogate.services.keptn.executor_coverage import ExecutorCoverage

DEPLOYMENT = "sh.keptn.event.deployment.triggered"


@dataclass
class Fakes:
    """Each source answers from a set, and records what it was asked."""

    built_in: set[str] = field(default_factory=set)
    in_process: set[str] = field(default_factory=set)
    subscribed: set[tuple[str, str, str, str]] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)
    name: str = "executors"

    def takes(self, task_type: str, scope: Scope) -> bool:
        self.asked.append(f"executors {task_type} {scope.project}/{scope.stage}/{scope.service}")
        return task_type in self.built_in

    def handles(self, event_type: str, ignoring: str = "") -> bool:
        self.asked.append(f"dispatcher {event_type} ignoring {ignoring}")
        return event_type in self.in_process

    def subscribed_to(self, event_type: str, project: str, stage: str, service: str) -> bool:
        self.asked.append(f"integrations {event_type} {project}/{stage}/{service}")
        return (event_type, project, stage, service) in self.subscribed


class Registry:
    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes

    def subscribed(self, event_type: str, project: str, stage: str, service: str) -> bool:
        return self.fakes.subscribed_to(event_type, project, stage, service)


def coverage(fakes: Fakes) -> ExecutorCoverage:
    return ExecutorCoverage(fakes, fakes, Registry(fakes))


def test_a_built_in_executor_answers_without_asking_the_store() -> None:
    fakes = Fakes(built_in={DEPLOYMENT})
    assert coverage(fakes).takes(DEPLOYMENT, "p", "qa", "svc")
    assert fakes.asked == [f"executors {DEPLOYMENT} p/qa/svc"]


def test_an_in_process_service_other_than_the_executors_counts() -> None:
    fakes = Fakes(in_process={DEPLOYMENT})
    assert coverage(fakes).takes(DEPLOYMENT, "p", "qa", "svc")
    assert fakes.asked[-1] == f"dispatcher {DEPLOYMENT} ignoring executors"


def test_a_live_integration_must_be_subscribed_in_that_scope() -> None:
    fakes = Fakes(subscribed={(DEPLOYMENT, "p", "qa", "svc")})
    assert coverage(fakes).takes(DEPLOYMENT, "p", "qa", "svc")
    assert not coverage(fakes).takes(DEPLOYMENT, "p", "production", "svc")
    assert not coverage(fakes).takes("sh.keptn.event.test.triggered", "p", "qa", "svc")
    assert fakes.asked[-1] == "integrations sh.keptn.event.test.triggered p/qa/svc"
