"""The catalog store: projects with stages and services, paging, lifecycle, and open .triggered events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from slogate.adapters.store.catalog_repository import SqlCatalogStore
from slogate.adapters.store.catalog_tables import ServiceRow, StageRow
from slogate.adapters.store.repository import SqlEventStore
from slogate.errors import ConflictError, InputError
from slogate.ports import EventContextInfo, ProjectRecord, ServiceEvent, ServiceRecord, StageRecord

from .builders import T0, event

TRIGGERED = "sh.keptn.event.deployment.triggered"
FINISHED = "sh.keptn.event.deployment.finished"


@pytest.fixture
def catalog(engine: Engine) -> SqlCatalogStore:
    """The catalog over a freshly migrated database."""
    return SqlCatalogStore(engine)


def project(name: str = "sockshop", stages: tuple[str, ...] = ("qa", "production")) -> ProjectRecord:
    """A project record with stages; production's parent is qa."""
    return ProjectRecord(
        name=name,
        shipyard=f"apiVersion: spec.keptn.sh/0.2.2 # {name}\n",
        shipyard_version="spec.keptn.sh/0.2.2",
        created=T0,
        stages=tuple(StageRecord(stage, ("qa",) if stage == "production" else ()) for stage in stages),
    )


def count(engine: Engine, table: type[StageRow] | type[ServiceRow]) -> int:
    """How many rows ``table`` holds."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_project_round_trip(catalog: SqlCatalogStore) -> None:
    """A created project reads back with its shipyard, version, creation time and stages in order."""
    catalog.create_project(project(stages=("qa", "production", "canary")))

    stored = catalog.project("sockshop")

    assert stored == ProjectRecord(
        "sockshop",
        "apiVersion: spec.keptn.sh/0.2.2 # sockshop\n",
        "spec.keptn.sh/0.2.2",
        T0,
        (StageRecord("qa"), StageRecord("production", ("qa",)), StageRecord("canary")),
    )
    assert stored is not None
    assert stored.created.tzinfo is not None
    assert catalog.project("nowhere") is None


def test_duplicate_project_is_a_conflict_and_keeps_the_first(catalog: SqlCatalogStore) -> None:
    """A second project of the same name is refused; the first one is unchanged."""
    catalog.create_project(project())

    with pytest.raises(ConflictError, match="project already exists"):
        catalog.create_project(project(stages=("dev",)))

    assert catalog.stage_names("sockshop") == ("qa", "production")


def test_projects_are_sorted_by_name_and_paged(catalog: SqlCatalogStore) -> None:
    """Pages of projects in name order, each with its own stages and services, and the total."""
    for name in ("carts", "sockshop", "alpha"):
        catalog.create_project(project(name, stages=(f"{name}-qa",)))
    catalog.create_service("carts", "api", T0)

    first = catalog.projects(limit=2, offset=0)
    second = catalog.projects(limit=2, offset=2)

    assert [p.name for p in first.projects] == ["alpha", "carts"]
    assert first.total == 3
    assert first.projects[1].stages == (StageRecord("carts-qa", (), (ServiceRecord("api", T0),)),)
    assert [p.name for p in second.projects] == ["sockshop"]
    assert catalog.projects(limit=5, offset=9).projects == ()


def test_names_sort_by_their_bytes(catalog: SqlCatalogStore) -> None:
    """As Keptn's Go sort: hyphens before letters, upper case before lower case, on every backend."""
    for name in ("ab", "a-c"):
        catalog.create_project(project(name, stages=("qa",)))
    for name in ("alpha", "Zeta", "_x", "beta.v2", "beta-v2"):
        catalog.create_service("ab", name, T0)

    assert [p.name for p in catalog.projects(limit=5, offset=0).projects] == ["a-c", "ab"]
    services = catalog.services("ab", "qa", limit=9, offset=0).services
    assert [s.name for s in services] == ["Zeta", "_x", "alpha", "beta-v2", "beta.v2"]


def test_negative_paging_is_refused(catalog: SqlCatalogStore) -> None:
    """Negative limits or offsets are an input error, not a database error."""
    with pytest.raises(InputError):
        catalog.projects(limit=-1, offset=0)
    with pytest.raises(InputError):
        catalog.services("p", "s", limit=1, offset=-1)
    with pytest.raises(InputError):
        catalog.open_triggered(TRIGGERED, until=T0, limit=1, offset=-1)


def test_services_exist_in_every_stage(catalog: SqlCatalogStore) -> None:
    """A service is created in all stages at once; lookups and scope checks see it everywhere."""
    catalog.create_project(project())
    later = T0 + timedelta(minutes=1)

    catalog.create_service("sockshop", "carts", later)

    for stage in ("qa", "production"):
        assert catalog.service("sockshop", stage, "carts") == ServiceRecord("carts", later)
        assert catalog.service_exists("sockshop", stage, "carts")
    assert catalog.service("sockshop", "qa", "orders") is None
    assert (catalog.project_exists("sockshop"), catalog.project_exists("other")) == (True, False)
    assert (catalog.stage_exists("sockshop", "qa"), catalog.stage_exists("sockshop", "dev")) == (True, False)
    assert not catalog.service_exists("sockshop", "qa", "orders")


def test_duplicate_service_is_a_conflict(catalog: SqlCatalogStore, engine: Engine) -> None:
    """A service that any stage has already is refused, and nothing is added."""
    catalog.create_project(project())
    catalog.create_service("sockshop", "carts", T0)

    with pytest.raises(ConflictError, match="service already exists"):
        catalog.create_service("sockshop", "carts", T0 + timedelta(minutes=1))

    assert count(engine, ServiceRow) == 2


def test_services_page_by_name_and_stage_lists_by_creation(catalog: SqlCatalogStore) -> None:
    """The service list is sorted by name and paged; a stage shows its services in creation order."""
    catalog.create_project(project())
    for minute, name in enumerate(("orders", "carts", "user")):
        catalog.create_service("sockshop", name, T0 + timedelta(minutes=minute))

    page = catalog.services("sockshop", "qa", limit=2, offset=0)
    stage = catalog.stage("sockshop", "production")

    assert [s.name for s in page.services] == ["carts", "orders"]
    assert page.total == 3
    assert [s.name for s in catalog.services("sockshop", "qa", limit=2, offset=2).services] == ["user"]
    assert stage is not None
    assert (stage.name, stage.parent_stages) == ("production", ("qa",))
    assert [s.name for s in stage.services] == ["orders", "carts", "user"]
    assert catalog.stage("sockshop", "dev") is None
    assert catalog.services("sockshop", "dev", limit=5, offset=0).total == 0


def test_delete_service_from_every_stage(catalog: SqlCatalogStore) -> None:
    """Deleting a service removes it from all stages; deleting it again reports that it was not there."""
    catalog.create_project(project())
    catalog.create_service("sockshop", "carts", T0)
    catalog.create_service("sockshop", "orders", T0)

    assert catalog.delete_service("sockshop", "carts") is True
    assert catalog.delete_service("sockshop", "carts") is False

    assert [s.name for s in catalog.services("sockshop", "production", limit=5, offset=0).services] == [
        "orders"
    ]


def test_delete_project_removes_stages_and_services(catalog: SqlCatalogStore, engine: Engine) -> None:
    """A deleted project leaves no stage or service rows; other projects stay."""
    catalog.create_project(project())
    catalog.create_project(project("other", stages=("dev",)))
    catalog.create_service("sockshop", "carts", T0)
    catalog.create_service("other", "carts", T0)

    assert catalog.delete_project("sockshop") is True
    assert catalog.delete_project("sockshop") is False

    assert catalog.project("sockshop") is None
    assert catalog.stage_names("sockshop") is None
    assert (count(engine, StageRow), count(engine, ServiceRow)) == (1, 1)
    assert catalog.service_exists("other", "dev", "carts")


def test_update_shipyard(catalog: SqlCatalogStore) -> None:
    """The shipyard text, version and parent stages are replaced; the stage order stays."""
    catalog.create_project(project())

    updated = catalog.update_shipyard(
        "sockshop", "new text", "spec.keptn.sh/0.2.4", {"qa": ("production",), "production": ()}
    )

    stored = catalog.project("sockshop")
    assert updated is True
    assert stored is not None
    assert (stored.shipyard, stored.shipyard_version) == ("new text", "spec.keptn.sh/0.2.4")
    assert stored.stages == (StageRecord("qa", ("production",)), StageRecord("production"))
    assert catalog.update_shipyard("nowhere", "x", "0.2.0", {}) is False


def test_record_events_keeps_the_latest_per_type(catalog: SqlCatalogStore) -> None:
    """Each event type keeps its latest event; a deployed image is set only when given."""
    catalog.create_project(project())
    catalog.create_service("sockshop", "carts", T0)
    first = EventContextInfo("e1", "ctx-1", T0)
    second = EventContextInfo("e2", "ctx-2", T0 + timedelta(seconds=1.5))
    third = EventContextInfo("e3", "ctx-2", T0 + timedelta(minutes=2))

    assert catalog.record_events([ServiceEvent("sockshop", "qa", "carts", TRIGGERED, first)]) == 1
    assert (
        catalog.record_events([ServiceEvent("sockshop", "qa", "carts", TRIGGERED, second, "carts:0.1.2")])
        == 1
    )
    assert catalog.record_events([ServiceEvent("sockshop", "qa", "carts", FINISHED, third)]) == 1
    assert catalog.record_events([ServiceEvent("sockshop", "qa", "orders", FINISHED, third)]) == 0

    assert catalog.service("sockshop", "qa", "carts") == ServiceRecord(
        "carts", T0, "carts:0.1.2", ((FINISHED, third), (TRIGGERED, second))
    )
    assert catalog.service("sockshop", "production", "carts") == ServiceRecord("carts", T0)


# --- open .triggered events -------------------------------------------------------------------------


@pytest.fixture
def events(engine: Engine) -> SqlEventStore:
    """The event store on the same database."""
    return SqlEventStore(engine)


def test_open_triggered_events(catalog: SqlCatalogStore, events: SqlEventStore) -> None:
    """Due events of the type that no .finished answers, in existing projects only, oldest first."""
    catalog.create_project(project())
    events.add(
        [
            event(TRIGGERED, minute=2, id="open-late", result=None),
            event(TRIGGERED, minute=1, id="open-early", result=None),
            event(TRIGGERED, minute=3, id="answered", result=None),
            event(FINISHED, minute=4, triggeredid="answered"),
            event("sh.keptn.event.deployment.started", minute=4, triggeredid="open-early", result=None),
            event(TRIGGERED, minute=30, id="not-due", result=None),
            event(TRIGGERED, minute=1, id="gone", scope=("deleted", "qa", "carts"), result=None),
            event("sh.keptn.event.test.triggered", minute=1, id="other-type", result=None),
            event("sh.keptn.event.test.finished", minute=5, triggeredid="open-late"),
        ]
    )

    page = catalog.open_triggered(TRIGGERED, until=T0 + timedelta(minutes=10), limit=10, offset=0)

    assert [e.id for e in page.events] == ["open-early", "open-late"]
    assert page.total == 2
    assert page.events[0].time == T0 + timedelta(minutes=1)


def test_open_triggered_filters_and_paging(catalog: SqlCatalogStore, events: SqlEventStore) -> None:
    """Project, stage, service and event id narrow the result; pages keep the total."""
    catalog.create_project(project())
    catalog.create_project(project("other"))
    events.add(
        [
            event(TRIGGERED, minute=1, id="a", scope=("sockshop", "qa", "carts"), result=None),
            event(TRIGGERED, minute=2, id="b", scope=("sockshop", "production", "carts"), result=None),
            event(TRIGGERED, minute=3, id="c", scope=("sockshop", "qa", "orders"), result=None),
            event(TRIGGERED, minute=4, id="d", scope=("other", "qa", "carts"), result=None),
        ]
    )
    until = T0 + timedelta(hours=1)

    def ids(**filters: str) -> list[str]:
        page = catalog.open_triggered(TRIGGERED, until=until, limit=10, offset=0, **filters)
        return [e.id for e in page.events]

    assert ids(project="sockshop") == ["a", "b", "c"]
    assert ids(stage="qa") == ["a", "c", "d"]
    assert ids(service="carts") == ["a", "b", "d"]
    assert ids(project="sockshop", stage="qa", service="orders") == ["c"]
    assert ids(event_id="b") == ["b"]
    second = catalog.open_triggered(TRIGGERED, until=until, limit=3, offset=3)
    assert ([e.id for e in second.events], second.total) == (["d"], 4)


def test_only_triggered_types_have_open_events(catalog: SqlCatalogStore, events: SqlEventStore) -> None:
    """Asking for a .finished or .started type answers nothing."""
    catalog.create_project(project())
    events.add([event(FINISHED, minute=1, triggeredid="x")])

    page = catalog.open_triggered(FINISHED, until=datetime(2100, 1, 1, tzinfo=UTC), limit=5, offset=0)

    assert (page.events, page.total) == ((), 0)
