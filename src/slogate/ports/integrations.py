"""Ports of the uniform registry: integrations (remote executors) with their subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from slogate.domain.protocol.subscriptions import Subscription


@dataclass(frozen=True, slots=True)
class IntegrationMetadata:
    """Keptn's ``MetaData`` of a registration (``namespace``, ``pod_name`` and ``deployment_name`` are
    its ``kubernetesmetadata``), without ``lastseen``."""

    hostname: str = ""
    integration_version: str = ""
    distributor_version: str = ""
    location: str = ""
    namespace: str = ""
    pod_name: str = ""
    deployment_name: str = ""


@dataclass(frozen=True, slots=True)
class IntegrationRecord:
    """A registered integration: its id, name, metadata, last heartbeat and subscriptions (in order)."""

    id: str
    name: str
    metadata: IntegrationMetadata
    last_seen: datetime
    subscriptions: tuple[Subscription, ...] = ()


class IntegrationStore(Protocol):
    """Registrations and their subscriptions. Every read and change takes ``live_since``: registrations
    last seen before it have expired and are treated as absent (``purge`` deletes them)."""

    def add(self, integration: IntegrationRecord) -> None:
        """Store a new registration; ``ConflictError`` when its id exists (even expired: purge first)."""
        ...

    def replace(self, integration: IntegrationRecord, live_since: datetime) -> bool:
        """Replace the name, metadata, last-seen time and subscriptions of a live registration; whether
        there was one."""
        ...

    def integrations(
        self,
        live_since: datetime,
        integration_id: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
    ) -> list[IntegrationRecord]:
        """The live registrations with the given id, name and namespace (each when given), sorted by
        name, then id."""
        ...

    def touch(
        self, integration_id: str, last_seen: datetime, live_since: datetime
    ) -> IntegrationRecord | None:
        """Set the last-seen time of a live registration; the registration, or None."""
        ...

    def delete(self, integration_id: str, live_since: datetime) -> bool:
        """Delete a live registration with its subscriptions; whether there was one."""
        ...

    def purge(self, before: datetime) -> int:
        """Delete every registration last seen before ``before``; how many."""
        ...

    def put_subscription(self, integration_id: str, subscription: Subscription, live_since: datetime) -> bool:
        """Replace the subscription with the same id, or append it; whether the registration is live."""
        ...

    def delete_subscription(self, integration_id: str, subscription_id: str, live_since: datetime) -> bool:
        """Delete one subscription of a live registration; whether it existed."""
        ...

    def live_subscriptions(self, live_since: datetime) -> list[Subscription]:
        """Every subscription of every live registration."""
        ...
