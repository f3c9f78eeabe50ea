"""Keptn's uniform registry: integrations register, send heartbeats, subscribe; who handles an event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from slogate.domain.protocol.subscriptions import (
    Subscription,
    SubscriptionFilter,
    filter_admits,
    integration_id,
    subscription_matches,
    subscription_problem,
)
from slogate.errors import ConflictError, InputError, NotFoundError
from slogate.ports import IntegrationMetadata, IntegrationRecord, IntegrationStore
from slogate.ports.replicas import ReplicaRecord
from slogate.services.usecases.replicas import ReplicaService

INTEGRATION_NOT_FOUND = "uniform integration not found"
SUBSCRIPTION_NOT_FOUND = "subscription not found"
INCOMPLETE_ID = "incomplete integration ID. At least 'name' must be set"


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A subscription as a client sent it; a filter list is None when it was not sent (Go's nil)."""

    event: str = ""
    projects: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    services: tuple[str, ...] | None = None

    def problem(self) -> str | None:
        """Keptn's message when the subscription is invalid, else None."""
        return subscription_problem(self.event, self.stages is not None, self.services is not None)

    def subscription(self, subscription_id: str) -> Subscription:
        """The subscription with id ``subscription_id``; lists not sent are empty (everything)."""
        return Subscription(
            subscription_id,
            self.event,
            SubscriptionFilter(self.projects or (), self.stages or (), self.services or ()),
        )


@dataclass(frozen=True, slots=True)
class Registration:
    """The body of a registration: Keptn's ``Integration`` without id and last-seen time."""

    name: str
    metadata: IntegrationMetadata = field(default_factory=IntegrationMetadata)
    subscriptions: tuple[SubscriptionRequest, ...] = ()


@dataclass(frozen=True, slots=True)
class Registered:
    """The outcome of a registration: the id, and whether it is new (else it replaced one)."""

    id: str
    created: bool


def _new_uuid() -> str:
    return str(uuid.uuid4())


class IntegrationService:
    """The uniform registry over an ``IntegrationStore``. A registration expires ``ttl_seconds`` after its
    last heartbeat (registration or ping); expired ones are absent everywhere and purged on registration.

    Example::

        integrations = IntegrationService(SqlIntegrationStore(engine), 60.0, utc_now)
        integrations.register(Registration("job-executor-service", metadata, (SubscriptionRequest(event),)))
        integrations.subscribed("sh.keptn.event.test.triggered", "sockshop", "qa", "carts")
    """

    def __init__(
        self,
        store: IntegrationStore,
        ttl_seconds: float,
        now: Callable[[], datetime],
        new_id: Callable[[], str] = _new_uuid,
        *,
        replicas: ReplicaService | None = None,
    ) -> None:
        self._store = store
        self._replicas = replicas
        self._ttl = timedelta(seconds=ttl_seconds)
        self._now = now
        self._new_id = new_id

    # --- registrations ------------------------------------------------------------------------------

    def register(self, registration: Registration) -> Registered:
        """Register an integration, or re-register the live one with the same name and namespace (as
        Keptn finds it). A re-registration keeps the stored id, metadata and subscriptions (which may
        have been edited since) and takes only the new versions and last-seen time, as Keptn's
        controller does, so an integration that upgrades keeps its work; the subscriptions sent are
        used only when none are stored."""
        _check_registration(registration)
        now = self._now()
        live_since = now - self._ttl
        self._store.purge(live_since)
        metadata = registration.metadata
        subscriptions = tuple(request.subscription(self._new_id()) for request in registration.subscriptions)
        existing = self._store.integrations(live_since, name=registration.name, namespace=metadata.namespace)
        if existing:
            record = _kept(existing, metadata, now, subscriptions)
            if self._store.replace(record, live_since):
                return Registered(record.id, created=False)
        new_id = integration_id(registration.name, metadata.namespace, metadata.hostname)
        record = IntegrationRecord(new_id, registration.name, metadata, now, subscriptions)
        try:
            self._store.add(record)
        except ConflictError:  # registered concurrently under the same id
            stored = self._store.integrations(live_since, new_id)
            kept = _kept(stored, metadata, now, subscriptions) if stored else record
            self._store.replace(kept, live_since)
            return Registered(new_id, created=False)
        return Registered(new_id, created=True)

    def integrations(
        self,
        integration_id: str | None = None,
        name: str | None = None,
        project: str | None = None,
        stage: str | None = None,
        service: str | None = None,
    ) -> list[IntegrationRecord]:
        """The live registrations, sorted by name. Each filter given (non-empty) must hold: the id or
        name is equal; some subscription's filter admits the project, stage and service given."""
        found = self._store.integrations(self._live_since(), integration_id or None, name or None)
        scope = (project or None, stage or None, service or None)
        if scope == (None, None, None):
            return found
        return [
            integration
            for integration in found
            if any(filter_admits(subscription.filter, *scope) for subscription in integration.subscriptions)
        ]

    def integration(self, integration_id: str) -> IntegrationRecord:
        """One live registration; ``NotFoundError`` when there is none."""
        found = self._store.integrations(self._live_since(), integration_id)
        if not found:
            raise NotFoundError(INTEGRATION_NOT_FOUND)
        return found[0]

    def ping(self, integration_id: str) -> IntegrationRecord:
        """A heartbeat: refresh the last-seen time; the registration, ``NotFoundError`` when unknown."""
        now = self._now()
        touched = self._store.touch(integration_id, now, now - self._ttl)
        if touched is None:
            raise NotFoundError(INTEGRATION_NOT_FOUND)
        return touched

    def unregister(self, integration_id: str) -> None:
        """Delete a registration and its subscriptions; ``NotFoundError`` when unknown."""
        if not self._store.delete(integration_id, self._live_since()):
            raise NotFoundError(INTEGRATION_NOT_FOUND)

    def replicas(self) -> list[ReplicaRecord]:
        """The slogate replicas alive on this database (the control plane's own members), by name."""
        return self._replicas.replicas() if self._replicas is not None else []

    # --- subscriptions ------------------------------------------------------------------------------

    def subscriptions(self, integration_id: str) -> tuple[Subscription, ...]:
        """The subscriptions of a live registration, in order."""
        return self.integration(integration_id).subscriptions

    def subscription(self, integration_id: str, subscription_id: str) -> Subscription:
        """One subscription; ``NotFoundError`` when the registration or the subscription is unknown."""
        for subscription in self.subscriptions(integration_id):
            if subscription.id == subscription_id:
                return subscription
        raise NotFoundError(SUBSCRIPTION_NOT_FOUND)

    def create_subscription(self, integration_id: str, request: SubscriptionRequest) -> str:
        """Append a subscription with a new id; that id."""
        return self._put(integration_id, request, self._new_id())

    def update_subscription(
        self, integration_id: str, subscription_id: str, request: SubscriptionRequest
    ) -> str:
        """Replace the subscription ``subscription_id``, or append it under that id (as Keptn does)."""
        return self._put(integration_id, request, subscription_id)

    def delete_subscription(self, integration_id: str, subscription_id: str) -> None:
        """Delete one subscription; ``NotFoundError`` when the registration or the subscription is unknown."""
        if not self._store.delete_subscription(integration_id, subscription_id, self._live_since()):
            self.integration(integration_id)  # the registration's own 404 first
            raise NotFoundError(SUBSCRIPTION_NOT_FOUND)

    def subscribed(self, event_type: str, project: str, stage: str, service: str) -> bool:
        """Whether a live registration has a subscription to ``event_type`` (NATS wildcards) whose
        filter admits the project, stage and service: whether a remote executor will handle it."""
        return any(
            subscription_matches(subscription, event_type, project, stage, service)
            for subscription in self._store.live_subscriptions(self._live_since())
        )

    def _put(self, integration_id: str, request: SubscriptionRequest, subscription_id: str) -> str:
        _check_subscription(request)
        subscription = request.subscription(subscription_id)
        if not self._store.put_subscription(integration_id, subscription, self._live_since()):
            raise NotFoundError(INTEGRATION_NOT_FOUND)
        return subscription_id

    def _live_since(self) -> datetime:
        return self._now() - self._ttl


def _kept(
    existing: list[IntegrationRecord],
    metadata: IntegrationMetadata,
    now: datetime,
    sent: tuple[Subscription, ...],
) -> IntegrationRecord:
    """What a re-registration leaves, as Keptn's controller: the most recently seen registration with
    the subscriptions of the others added (by id), its metadata with the new integration and
    distributor versions, seen ``now``; the subscriptions ``sent`` only when none are stored."""
    target = max(existing, key=lambda found: found.last_seen)
    kept = list(target.subscriptions)
    known = {subscription.id for subscription in kept}
    for other in existing:
        for subscription in other.subscriptions if other.id != target.id else ():
            if subscription.id not in known:
                kept.append(subscription)
                known.add(subscription.id)
    versions = replace(
        target.metadata,
        integration_version=metadata.integration_version,
        distributor_version=metadata.distributor_version,
    )
    return IntegrationRecord(target.id, target.name, versions, now, tuple(kept) or sent)


def _check_registration(registration: Registration) -> None:
    if not registration.name:
        raise InputError(INCOMPLETE_ID)
    for request in registration.subscriptions:
        _check_subscription(request)


def _check_subscription(request: SubscriptionRequest) -> None:
    problem = request.problem()
    if problem is not None:
        raise InputError(problem)
