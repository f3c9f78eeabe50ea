"""The uniform registry in SQL: registrations with ordered subscriptions, expiry by last-seen time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError

from slogate.adapters.store.integration_repository import SqlIntegrationStore
from slogate.domain.protocol.subscriptions import Subscription, SubscriptionFilter
from slogate.errors import ConflictError
from slogate.ports import IntegrationMetadata, IntegrationRecord

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
LIVE = T0 - timedelta(minutes=1)  # everything seen at T0 or later is live
METADATA = IntegrationMetadata(
    hostname="node-1",
    integration_version="1.2.0",
    distributor_version="1.4.5",
    location="remote-execution-plane",
    namespace="keptn-exec",
    pod_name="job-executor-7c9",
    deployment_name="job-executor-service",
)
TEST = Subscription(
    "sub-test", "sh.keptn.event.test.triggered", SubscriptionFilter(("sockshop",), ("qa", "prod"), ())
)
DEPLOY = Subscription("sub-deploy", "sh.keptn.event.deployment.triggered")


def record(
    integration_id: str = "a" * 40,
    name: str = "job-executor-service",
    last_seen: datetime = T0,
    subscriptions: tuple[Subscription, ...] = (TEST, DEPLOY),
    metadata: IntegrationMetadata = METADATA,
) -> IntegrationRecord:
    """A registration with two subscriptions."""
    return IntegrationRecord(integration_id, name, metadata, last_seen, subscriptions)


@pytest.fixture
def registry(engine: Engine) -> SqlIntegrationStore:
    """The registry over a migrated database."""
    return SqlIntegrationStore(engine)


def test_add_then_read_back_everything(registry: SqlIntegrationStore) -> None:
    """Metadata, the exact last-seen instant and the subscriptions in order come back unchanged."""
    registry.add(record())

    assert registry.integrations(LIVE) == [record()]
    assert registry.integrations(LIVE, integration_id="a" * 40) == [record()]


def test_add_twice_is_a_conflict(registry: SqlIntegrationStore) -> None:
    """An id is registered once; the first registration is unchanged."""
    registry.add(record())

    with pytest.raises(ConflictError, match="already exists"):
        registry.add(record(name="other", subscriptions=()))
    assert registry.integrations(LIVE) == [record()]


def test_filters_by_id_name_and_namespace_and_sorts_by_name(registry: SqlIntegrationStore) -> None:
    """Each given filter narrows the list; the list is sorted by name, then id."""
    other_namespace = IntegrationMetadata(namespace="elsewhere")
    registry.add(record("c" * 40, name="webhook-service"))
    registry.add(record("b" * 40, name="approval-service", metadata=other_namespace))
    registry.add(record("a" * 40, name="webhook-service"))

    assert [i.id for i in registry.integrations(LIVE)] == ["b" * 40, "a" * 40, "c" * 40]
    assert [i.id for i in registry.integrations(LIVE, name="webhook-service")] == ["a" * 40, "c" * 40]
    assert [i.id for i in registry.integrations(LIVE, namespace="elsewhere")] == ["b" * 40]
    assert registry.integrations(LIVE, integration_id="c" * 40, name="approval-service") == []


def test_expired_registrations_are_absent_everywhere(registry: SqlIntegrationStore) -> None:
    """A registration last seen before ``live_since`` is neither listed, touched, changed nor deleted."""
    registry.add(record(last_seen=T0))
    later = T0 + timedelta(seconds=1)

    assert registry.integrations(later) == []
    assert registry.touch("a" * 40, later, later) is None
    assert not registry.replace(record(last_seen=later), later)
    assert not registry.put_subscription("a" * 40, DEPLOY, later)
    assert not registry.delete_subscription("a" * 40, "sub-test", later)
    assert registry.live_subscriptions(later) == []
    assert not registry.delete("a" * 40, later)
    assert registry.integrations(T0) == [record()]  # still stored until purged


def test_purge_deletes_only_expired_ones_with_their_subscriptions(
    registry: SqlIntegrationStore, engine: Engine
) -> None:
    """Registrations last seen before the cutoff go, with their subscription rows; later ones stay."""
    registry.add(record("a" * 40, last_seen=T0))
    registry.add(record("b" * 40, last_seen=T0 + timedelta(seconds=30)))

    assert registry.purge(T0 + timedelta(seconds=1)) == 1

    assert [i.id for i in registry.integrations(LIVE)] == ["b" * 40]
    with engine.connect() as connection:
        owners = connection.execute(
            text("SELECT DISTINCT integration_id FROM uniform_subscriptions")
        ).scalars()
        assert list(owners) == ["b" * 40]
    assert registry.purge(T0 + timedelta(seconds=1)) == 0


def test_touch_refreshes_last_seen(registry: SqlIntegrationStore) -> None:
    """A heartbeat moves last-seen and returns the whole registration; unknown ids give None."""
    registry.add(record())
    later = T0 + timedelta(seconds=45)

    touched = registry.touch("a" * 40, later, LIVE)

    assert touched == record(last_seen=later)
    assert registry.integrations(T0 + timedelta(seconds=30)) == [touched]
    assert registry.touch("f" * 40, later, LIVE) is None


def test_replace_swaps_metadata_and_subscriptions(registry: SqlIntegrationStore) -> None:
    """Replace keeps the id and replaces everything else, subscriptions included."""
    registry.add(record())
    new = record(
        name="job-executor-service",
        last_seen=T0 + timedelta(seconds=5),
        subscriptions=(Subscription("sub-new", "sh.keptn.>"),),
        metadata=IntegrationMetadata(hostname="node-2", integration_version="1.3.0"),
    )

    assert registry.replace(new, LIVE)

    assert registry.integrations(LIVE) == [new]
    assert not registry.replace(record("f" * 40), LIVE)


def test_delete_removes_the_registration_and_its_subscriptions(
    registry: SqlIntegrationStore, engine: Engine
) -> None:
    """Delete says whether it found the registration; its subscription rows cascade."""
    registry.add(record())

    assert registry.delete("a" * 40, LIVE)
    assert not registry.delete("a" * 40, LIVE)

    assert registry.integrations(LIVE) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM uniform_subscriptions")).scalar() == 0


def test_put_subscription_appends_or_replaces_in_place(registry: SqlIntegrationStore) -> None:
    """A new id is appended at the end; an existing id is replaced where it stands."""
    registry.add(record())
    appended = Subscription("sub-new", "sh.keptn.event.release.triggered", SubscriptionFilter(stages=("qa",)))
    changed = Subscription("sub-test", "sh.keptn.event.test.started")

    assert registry.put_subscription("a" * 40, appended, LIVE)
    assert registry.put_subscription("a" * 40, changed, LIVE)

    [stored] = registry.integrations(LIVE)
    assert stored.subscriptions == (changed, DEPLOY, appended)
    assert not registry.put_subscription("f" * 40, appended, LIVE)


def test_put_subscription_into_an_empty_registration(registry: SqlIntegrationStore) -> None:
    """The first subscription of a registration without any takes the first place."""
    registry.add(record(subscriptions=()))

    assert registry.put_subscription("a" * 40, DEPLOY, LIVE)

    assert registry.integrations(LIVE)[0].subscriptions == (DEPLOY,)


def test_delete_subscription(registry: SqlIntegrationStore) -> None:
    """Only the named subscription goes; unknown subscription or registration ids delete nothing."""
    registry.add(record())

    assert registry.delete_subscription("a" * 40, "sub-test", LIVE)
    assert not registry.delete_subscription("a" * 40, "sub-test", LIVE)
    assert not registry.delete_subscription("f" * 40, "sub-deploy", LIVE)

    assert registry.integrations(LIVE)[0].subscriptions == (DEPLOY,)


def test_live_subscriptions_span_live_registrations(registry: SqlIntegrationStore) -> None:
    """Every subscription of every live registration, none of the expired ones."""
    fresh = Subscription("sub-fresh", "sh.keptn.event.approval.triggered")
    registry.add(record("a" * 40, last_seen=T0))
    registry.add(record("b" * 40, last_seen=T0 + timedelta(seconds=30), subscriptions=(fresh,)))

    assert registry.live_subscriptions(LIVE) == [TEST, DEPLOY, fresh]
    assert registry.live_subscriptions(T0 + timedelta(seconds=1)) == [fresh]


def test_naive_times_are_refused(registry: SqlIntegrationStore) -> None:
    """A last-seen time without a timezone is a defect, not silently stored."""
    with pytest.raises(StatementError, match="naive datetime"):
        registry.add(record(last_seen=datetime(2024, 5, 1, 12, 0)))
