"""Uniform subscriptions: which events an integration receives (NATS subjects and Keptn's filters)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

MISSING_EVENT = "the event must be specified when setting up a subscription"
SERVICE_WITHOUT_STAGE = (
    "at least one stage must be specified when setting up a subscription filter for a service"
)


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    """Keptn's ``EventSubscriptionFilter``: an empty list admits every project, stage or service."""

    projects: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Subscription:
    """Keptn's ``EventSubscription``: an event subject (NATS wildcards allowed) and a filter."""

    id: str
    event: str
    filter: SubscriptionFilter = SubscriptionFilter()


def integration_id(name: str, namespace: str, hostname: str) -> str:
    """The id Keptn gives a registration: SHA-1 hex of ``name-namespace-hostname``
    (keptn/go-utils ``IntegrationID.Hash``)."""
    return hashlib.sha1(f"{name}-{namespace}-{hostname}".encode(), usedforsecurity=False).hexdigest()


def subject_matches(pattern: str, subject: str) -> bool:
    """Whether the NATS subject ``pattern`` covers ``subject``: tokens are separated by dots, ``*``
    stands for exactly one token and a final ``>`` for one or more; any other token must be equal."""
    wanted, given = pattern.split("."), subject.split(".")
    for position, token in enumerate(wanted):
        if token == ">" and position == len(wanted) - 1:
            return len(given) > position
        if position >= len(given) or (token != "*" and token != given[position]):
            return False
    return len(wanted) == len(given)


def admits(values: Sequence[str], value: str) -> bool:
    """Whether a filter list admits ``value``. As Keptn's event matcher, the list is joined with
    commas and split again: an empty list (or one of empty strings) admits everything."""
    joined = ",".join(values)
    return joined == "" or value in joined.split(",")


def filter_admits(
    subscription_filter: SubscriptionFilter,
    project: str | None = None,
    stage: str | None = None,
    service: str | None = None,
) -> bool:
    """Whether the filter admits each of ``project``, ``stage`` and ``service`` that is given."""
    checks = (
        (subscription_filter.projects, project),
        (subscription_filter.stages, stage),
        (subscription_filter.services, service),
    )
    return all(value is None or admits(values, value) for values, value in checks)


def subscription_matches(
    subscription: Subscription, event_type: str, project: str, stage: str, service: str
) -> bool:
    """Whether an event of ``event_type`` for project/stage/service goes to ``subscription``."""
    return subject_matches(subscription.event, event_type) and filter_admits(
        subscription.filter, project, stage, service
    )


def subscription_problem(event: str, stages_given: bool, services_given: bool) -> str | None:
    """Keptn's check of a new or changed subscription: its message, or None when it is valid.

    ``*_given`` say whether the list was sent at all (Go's nil), as an empty list counts as given.
    """
    if not event:
        return MISSING_EVENT
    if services_given and not stages_given:
        return SERVICE_WITHOUT_STAGE
    return None
