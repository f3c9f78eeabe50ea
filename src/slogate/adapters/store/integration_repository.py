"""``SqlIntegrationStore``: the ``IntegrationStore`` port over the uniform registry tables."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from slogate.domain.protocol.subscriptions import Subscription, SubscriptionFilter
from slogate.errors import ConflictError
from slogate.ports import IntegrationMetadata, IntegrationRecord

from .database import Sessions
from .integration_tables import IntegrationRow, SubscriptionRow


class SqlIntegrationStore:
    """Registrations and their subscriptions in a SQL database; implements ``IntegrationStore``.

    Example::

        store = SqlIntegrationStore(engine)
        store.add(IntegrationRecord(id, "job-executor-service", metadata, now, subscriptions))
        store.integrations(live_since=now - timedelta(minutes=1), name="job-executor-service")
    """

    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, integration: IntegrationRecord) -> None:
        """Store a new registration; ``ConflictError`` when its id exists."""
        try:
            with self._sessions.begin() as session:
                session.add(_integration_row(integration))
                session.flush()  # the registration first: its subscriptions refer to it
                session.add_all(_subscription_rows(integration.id, integration.subscriptions))
        except IntegrityError:
            raise ConflictError(f"uniform integration '{integration.id}' already exists") from None

    def replace(self, integration: IntegrationRecord, live_since: datetime) -> bool:
        """Replace everything but the id of a live registration; whether there was one."""
        with self._sessions.begin() as session:
            row = session.scalar(
                select(IntegrationRow).where(*_live(integration.id, live_since)).with_for_update()
            )
            if row is None:
                return False
            _fill(row, integration)
            session.execute(delete(SubscriptionRow).where(SubscriptionRow.integration_id == integration.id))
            session.add_all(_subscription_rows(integration.id, integration.subscriptions))
            return True

    def integrations(
        self,
        live_since: datetime,
        integration_id: str | None = None,
        name: str | None = None,
        namespace: str | None = None,
    ) -> list[IntegrationRecord]:
        """The live registrations with the given id, name and namespace, sorted by name, then id."""
        conditions: list[ColumnElement[bool]] = [IntegrationRow.last_seen >= live_since]
        for column, value in (
            (IntegrationRow.id, integration_id),
            (IntegrationRow.name, name),
            (IntegrationRow.namespace, namespace),
        ):
            if value is not None:
                conditions.append(column == value)
        with self._sessions() as session:
            return _load(session, conditions)

    def touch(
        self, integration_id: str, last_seen: datetime, live_since: datetime
    ) -> IntegrationRecord | None:
        """Set the last-seen time of a live registration; the registration, or None."""
        with self._sessions.begin() as session:
            updated = session.execute(
                update(IntegrationRow).where(*_live(integration_id, live_since)).values(last_seen=last_seen)
            )
            if not getattr(updated, "rowcount", 0):
                return None
            found = _load(session, [IntegrationRow.id == integration_id])
            return found[0]

    def delete(self, integration_id: str, live_since: datetime) -> bool:
        """Delete a live registration (its subscriptions cascade); whether there was one."""
        with self._sessions.begin() as session:
            deleted = session.execute(delete(IntegrationRow).where(*_live(integration_id, live_since)))
            return bool(getattr(deleted, "rowcount", 0))

    def purge(self, before: datetime) -> int:
        """Delete every registration last seen before ``before``; how many."""
        with self._sessions.begin() as session:
            deleted = session.execute(delete(IntegrationRow).where(IntegrationRow.last_seen < before))
            return int(getattr(deleted, "rowcount", 0))

    def put_subscription(self, integration_id: str, subscription: Subscription, live_since: datetime) -> bool:
        """Replace the subscription with the same id, or append it; whether the registration is live."""
        with self._sessions.begin() as session:
            if not _lock_live(session, integration_id, live_since):
                return False
            row = session.get(SubscriptionRow, (integration_id, subscription.id))
            if row is None:
                position = session.scalar(
                    select(func.coalesce(func.max(SubscriptionRow.position) + 1, 0)).where(
                        SubscriptionRow.integration_id == integration_id
                    )
                )
                session.add(_subscription_row(integration_id, subscription, int(position or 0)))
            else:
                _fill_subscription(row, subscription)
            return True

    def delete_subscription(self, integration_id: str, subscription_id: str, live_since: datetime) -> bool:
        """Delete one subscription of a live registration; whether it existed."""
        with self._sessions.begin() as session:
            if not _lock_live(session, integration_id, live_since):
                return False
            deleted = session.execute(
                delete(SubscriptionRow).where(
                    SubscriptionRow.integration_id == integration_id, SubscriptionRow.id == subscription_id
                )
            )
            return bool(getattr(deleted, "rowcount", 0))

    def live_subscriptions(self, live_since: datetime) -> list[Subscription]:
        """Every subscription of every live registration, by registration, in order."""
        query = (
            select(SubscriptionRow)
            .join(IntegrationRow, IntegrationRow.id == SubscriptionRow.integration_id)
            .where(IntegrationRow.last_seen >= live_since)
            .order_by(SubscriptionRow.integration_id, SubscriptionRow.position)
        )
        with self._sessions() as session:
            return [to_subscription(row) for row in session.scalars(query)]


# --- rows and converters --------------------------------------------------------------------------


def _live(integration_id: str, live_since: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return IntegrationRow.id == integration_id, IntegrationRow.last_seen >= live_since


def _lock_live(session: Session, integration_id: str, live_since: datetime) -> bool:
    found = session.scalar(
        select(IntegrationRow.id).where(*_live(integration_id, live_since)).with_for_update()
    )
    return found is not None


def _load(session: Session, conditions: list[ColumnElement[bool]]) -> list[IntegrationRecord]:
    rows = list(
        session.scalars(
            select(IntegrationRow).where(*conditions).order_by(IntegrationRow.name, IntegrationRow.id)
        )
    )
    if not rows:
        return []
    subscriptions: dict[str, list[Subscription]] = {row.id: [] for row in rows}
    query = (
        select(SubscriptionRow)
        .where(SubscriptionRow.integration_id.in_(list(subscriptions)))
        .order_by(SubscriptionRow.integration_id, SubscriptionRow.position)
    )
    for row in session.scalars(query):
        subscriptions[row.integration_id].append(to_subscription(row))
    return [to_integration(row, subscriptions[row.id]) for row in rows]


def to_integration(row: IntegrationRow, subscriptions: Iterable[Subscription]) -> IntegrationRecord:
    """The record of a registration row and its subscriptions."""
    metadata = IntegrationMetadata(
        hostname=row.hostname,
        integration_version=row.integration_version,
        distributor_version=row.distributor_version,
        location=row.location,
        namespace=row.namespace,
        pod_name=row.pod_name,
        deployment_name=row.deployment_name,
    )
    return IntegrationRecord(row.id, row.name, metadata, row.last_seen, tuple(subscriptions))


def to_subscription(row: SubscriptionRow) -> Subscription:
    """The subscription of a row."""
    return Subscription(
        id=row.id,
        event=row.event,
        filter=SubscriptionFilter(tuple(row.projects), tuple(row.stages), tuple(row.services)),
    )


def _integration_row(integration: IntegrationRecord) -> IntegrationRow:
    row = IntegrationRow(id=integration.id)
    _fill(row, integration)
    return row


def _fill(row: IntegrationRow, integration: IntegrationRecord) -> None:
    metadata = integration.metadata
    row.name = integration.name
    row.hostname = metadata.hostname
    row.integration_version = metadata.integration_version
    row.distributor_version = metadata.distributor_version
    row.location = metadata.location
    row.namespace = metadata.namespace
    row.pod_name = metadata.pod_name
    row.deployment_name = metadata.deployment_name
    row.last_seen = integration.last_seen


def _subscription_rows(integration_id: str, subscriptions: Iterable[Subscription]) -> list[SubscriptionRow]:
    return [
        _subscription_row(integration_id, subscription, position)
        for position, subscription in enumerate(subscriptions)
    ]


def _subscription_row(integration_id: str, subscription: Subscription, position: int) -> SubscriptionRow:
    row = SubscriptionRow(integration_id=integration_id, id=subscription.id, position=position)
    _fill_subscription(row, subscription)
    return row


def _fill_subscription(row: SubscriptionRow, subscription: Subscription) -> None:
    row.event = subscription.event
    row.projects = list(subscription.filter.projects)
    row.stages = list(subscription.filter.stages)
    row.services = list(subscription.filter.services)
