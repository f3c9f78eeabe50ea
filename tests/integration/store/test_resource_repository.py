"""Versioned resources in SQL: revisions per history, reads at any revision, listings, deletions."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import Engine, func, select

from slogate.adapters.store.resource_repository import SqlResourceStore
from slogate.adapters.store.resource_tables import ResourceVersionRow, RevisionRow
from slogate.ports import ResourceLevel

PROJECT = ResourceLevel("sockshop")
QA = ResourceLevel("sockshop", "qa")
CARTS = ResourceLevel("sockshop", "qa", "carts")
ORDERS = ResourceLevel("sockshop", "qa", "orders")
PRODUCTION_CARTS = ResourceLevel("sockshop", "production", "carts")


@pytest.fixture
def resources(engine: Engine) -> SqlResourceStore:
    """The resource store over a migrated database."""
    return SqlResourceStore(engine)


def test_write_returns_a_commit_like_id_that_becomes_the_head(resources: SqlResourceStore) -> None:
    """A write's id is 40 hex digits and is the head of its history afterwards."""
    assert resources.head(CARTS) is None

    commit = resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")

    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    assert resources.head(CARTS) == commit
    assert resources.read(CARTS, "slo.yaml", commit) == b"v1"


def test_read_at_an_old_revision_sees_the_old_content(resources: SqlResourceStore) -> None:
    """v1 then v2: reading at the first revision gives v1, at the second v2."""
    first = resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")
    second = resources.write(CARTS, {"slo.yaml": b"v2"}, "Updated resource")

    assert resources.read(CARTS, "slo.yaml", first) == b"v1"
    assert resources.read(CARTS, "slo.yaml", second) == b"v2"
    assert resources.head(CARTS) == second


def test_a_file_unchanged_by_later_writes_is_read_from_its_last_version(resources: SqlResourceStore) -> None:
    """A revision that touched other files still sees each file's latest earlier version."""
    first = resources.write(CARTS, {"slo.yaml": b"slo", "prometheus/sli.yaml": b"sli-1"}, "Added resources")
    later = resources.write(CARTS, {"prometheus/sli.yaml": b"sli-2"}, "Updated resource")

    assert resources.read(CARTS, "slo.yaml", later) == b"slo"
    assert resources.read(CARTS, "prometheus/sli.yaml", later) == b"sli-2"
    assert resources.read(CARTS, "prometheus/sli.yaml", first) == b"sli-1"


def test_a_file_written_later_does_not_exist_at_an_earlier_revision(resources: SqlResourceStore) -> None:
    """Reading at a revision before a file's first write gives None."""
    first = resources.write(CARTS, {"slo.yaml": b"slo"}, "Added resources")
    resources.write(CARTS, {"remediation.yaml": b"r"}, "Added resources")

    assert resources.read(CARTS, "remediation.yaml", first) is None


def test_a_stage_and_its_services_share_one_history(resources: SqlResourceStore) -> None:
    """As on Keptn's stage branch: the stage's head advances on service writes and reads any service."""
    carts = resources.write(CARTS, {"slo.yaml": b"carts"}, "Added resources")
    orders = resources.write(ORDERS, {"slo.yaml": b"orders"}, "Added resources")

    assert resources.head(QA) == orders
    assert resources.head(CARTS) == orders
    assert resources.read(CARTS, "slo.yaml", orders) == b"carts"
    assert resources.read(ORDERS, "slo.yaml", carts) is None
    assert resources.read(QA, "slo.yaml", orders) is None  # each level keeps its own files


def test_histories_of_other_stages_and_the_project_are_separate(resources: SqlResourceStore) -> None:
    """A revision of one stage is not one of another stage or of the project level."""
    qa = resources.write(CARTS, {"slo.yaml": b"qa"}, "Added resources")
    project = resources.write(PROJECT, {"shipyard.yaml": b"s"}, "Added resources")

    assert resources.has_revision(CARTS, qa)
    assert resources.has_revision(QA, qa)
    assert not resources.has_revision(PRODUCTION_CARTS, qa)
    assert not resources.has_revision(PROJECT, qa)
    assert resources.has_revision(PROJECT, project)
    assert resources.head(PRODUCTION_CARTS) is None
    assert resources.read(PRODUCTION_CARTS, "slo.yaml", qa) is None


def test_revisions_record_level_time_and_message(resources: SqlResourceStore, engine: Engine) -> None:
    """Each write is one revision row numbered in its history, with the service it touched."""
    resources.write(QA, {"a": b"1"}, "Added resources")
    resources.write(CARTS, {"b": b"2", "c": b"3"}, "Updated resource")
    resources.write(PROJECT, {"d": b"4"}, "Added resources")

    with engine.connect() as connection:
        rows = connection.execute(
            select(RevisionRow.stage, RevisionRow.service, RevisionRow.number, RevisionRow.message).order_by(
                RevisionRow.stage, RevisionRow.number
            )
        ).all()
        versions = connection.scalar(select(func.count()).select_from(ResourceVersionRow))

    assert [tuple(row) for row in rows] == [
        ("", "", 1, "Added resources"),
        ("qa", "", 1, "Added resources"),
        ("qa", "carts", 2, "Updated resource"),
    ]
    assert versions == 4


def test_delete_records_a_deletion_and_keeps_history(resources: SqlResourceStore) -> None:
    """After a delete the file is gone at the new revision but readable at the old one."""
    before = resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")

    deleted = resources.delete(CARTS, "slo.yaml", "Deleted resources")

    assert deleted is not None
    assert resources.head(CARTS) == deleted
    assert resources.read(CARTS, "slo.yaml", deleted) is None
    assert resources.read(CARTS, "slo.yaml", before) == b"v1"


def test_deleting_a_missing_file_writes_nothing(resources: SqlResourceStore) -> None:
    """Deleting a file that is not current returns None and creates no revision."""
    head = resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")
    resources.delete(CARTS, "slo.yaml", "Deleted resources")
    after_delete = resources.head(CARTS)

    assert resources.delete(CARTS, "slo.yaml", "Deleted resources") is None
    assert resources.delete(CARTS, "never.yaml", "Deleted resources") is None
    assert resources.head(CARTS) == after_delete != head


def test_a_deleted_file_can_be_written_again(resources: SqlResourceStore) -> None:
    """Writing after a deletion makes the file current again."""
    resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")
    resources.delete(CARTS, "slo.yaml", "Deleted resources")

    again = resources.write(CARTS, {"slo.yaml": b"v3"}, "Added resources")

    assert resources.read(CARTS, "slo.yaml", again) == b"v3"
    assert resources.list_files(CARTS, again, limit=10, offset=0).uris == ("slo.yaml",)


def test_listing_shows_the_files_current_at_a_revision_sorted(resources: SqlResourceStore) -> None:
    """The listing at each revision has exactly that revision's files, sorted by URI."""
    first = resources.write(CARTS, {"slo.yaml": b"1", "b/x.yaml": b"2"}, "Added resources")
    second = resources.write(CARTS, {"a.yaml": b"3"}, "Added resources")
    third = resources.delete(CARTS, "slo.yaml", "Deleted resources")
    assert third is not None

    def listed(revision: str) -> tuple[str, ...]:
        return resources.list_files(CARTS, revision, limit=100, offset=0).uris

    assert listed(first) == ("b/x.yaml", "slo.yaml")
    assert listed(second) == ("a.yaml", "b/x.yaml", "slo.yaml")
    assert listed(third) == ("a.yaml", "b/x.yaml")


def test_listing_pages_with_a_total(resources: SqlResourceStore) -> None:
    """limit/offset select a window of the sorted URIs; the total counts them all."""
    commit = resources.write(CARTS, {f"file-{index:02}": b"x" for index in range(25)}, "Added resources")

    first = resources.list_files(CARTS, commit, limit=10, offset=0)
    last = resources.list_files(CARTS, commit, limit=10, offset=20)

    assert first.total == last.total == 25
    assert first.uris == tuple(f"file-{index:02}" for index in range(10))
    assert last.uris == tuple(f"file-{index:02}" for index in range(20, 25))
    with pytest.raises(ValueError, match="invalid page"):
        resources.list_files(CARTS, commit, limit=0, offset=0)


def test_listing_keeps_levels_apart(resources: SqlResourceStore) -> None:
    """A stage listing does not include its services' files, nor a service another service's."""
    resources.write(QA, {"stage.yaml": b"s"}, "Added resources")
    resources.write(ORDERS, {"orders.yaml": b"o"}, "Added resources")
    head = resources.write(CARTS, {"carts.yaml": b"c"}, "Added resources")

    assert resources.list_files(QA, head, limit=10, offset=0).uris == ("stage.yaml",)
    assert resources.list_files(CARTS, head, limit=10, offset=0).uris == ("carts.yaml",)
    assert resources.list_files(ORDERS, head, limit=10, offset=0).uris == ("orders.yaml",)


def test_unknown_revision_reads_and_lists_nothing(resources: SqlResourceStore) -> None:
    """A revision id that is not in the history has no files."""
    resources.write(CARTS, {"slo.yaml": b"v1"}, "Added resources")
    unknown = "0" * 40

    assert not resources.has_revision(CARTS, unknown)
    assert resources.read(CARTS, "slo.yaml", unknown) is None
    assert resources.list_files(CARTS, unknown, limit=10, offset=0).total == 0


def test_binary_and_empty_content_round_trip(resources: SqlResourceStore) -> None:
    """Any bytes are kept as given, including an empty file (which still exists)."""
    payload = bytes(range(256))
    commit = resources.write(CARTS, {"helm/carts.tgz": payload, "empty": b""}, "Added resources")

    assert resources.read(CARTS, "helm/carts.tgz", commit) == payload
    assert resources.read(CARTS, "empty", commit) == b""
    assert resources.list_files(CARTS, commit, limit=10, offset=0).uris == ("empty", "helm/carts.tgz")


def test_empty_write_is_refused(resources: SqlResourceStore) -> None:
    """A write without files is a programming error and records nothing."""
    with pytest.raises(ValueError, match="nothing to write"):
        resources.write(CARTS, {}, "Added resources")
    assert resources.head(CARTS) is None


def test_purge_project_forgets_everything_of_that_project_only(resources: SqlResourceStore) -> None:
    """After a purge the project has no head and no files; another project is untouched."""
    resources.write(PROJECT, {"shipyard.yaml": b"s"}, "Added resources")
    resources.write(CARTS, {"slo.yaml": b"1"}, "Added resources")
    other = ResourceLevel("podtato")
    kept = resources.write(other, {"shipyard.yaml": b"p"}, "Added resources")

    resources.purge_project("sockshop")

    assert resources.head(PROJECT) is None
    assert resources.head(CARTS) is None
    assert resources.read(other, "shipyard.yaml", kept) == b"p"


def test_concurrent_writers_get_distinct_ordered_revisions(resources: SqlResourceStore) -> None:
    """Writers racing on one history all succeed; every revision is readable and numbered once."""
    commits: list[str] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        commit = resources.write(CARTS, {f"file-{index}": str(index).encode()}, "Added resources")
        with lock:
            commits.append(commit)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(commits)) == 8
    head = resources.head(CARTS)
    assert head in commits
    assert resources.list_files(CARTS, head or "", limit=100, offset=0).total == 8


def test_mentions_tells_whether_any_level_of_a_project_ever_had_a_file(resources: SqlResourceStore) -> None:
    assert not resources.mentions("p", "slogate/executors.yaml")
    resources.write(ResourceLevel("p", "qa", "svc"), {"slogate/executors.yaml": b"tasks: {}"}, "added")
    resources.write(ResourceLevel("q"), {"other.yaml": b"x"}, "added")
    assert resources.mentions("p", "slogate/executors.yaml")
    assert not resources.mentions("q", "slogate/executors.yaml")
    resources.delete(ResourceLevel("p", "qa", "svc"), "slogate/executors.yaml", "deleted")
    assert resources.mentions("p", "slogate/executors.yaml")  # its history still has it


def test_a_stages_tree_holds_its_services_files_as_of_the_revision(resources: SqlResourceStore) -> None:
    """``list_tree`` of a stage: its own files and ``<service>/<uri>`` of each service, current at the
    revision (a later write or deletion is not seen at an earlier one); other stages stay apart."""
    resources.write(QA, {"metadata.yaml": b"qa"}, "Added stage: qa")
    resources.write(CARTS, {"metadata.yaml": b"carts", "slo.yaml": b"v1"}, "Added service: carts")
    resources.write(PRODUCTION_CARTS, {"slo.yaml": b"prod"}, "Added resources")
    before = resources.write(ORDERS, {"metadata.yaml": b"orders"}, "Added service: orders")
    resources.delete(CARTS, "slo.yaml", "Deleted resources")
    after = resources.write(ORDERS, {"helm/x.yaml": b"x"}, "Added resources")

    assert sorted(resources.list_tree(QA, before)) == [
        "carts/metadata.yaml",
        "carts/slo.yaml",
        "metadata.yaml",
        "orders/metadata.yaml",
    ]
    assert sorted(resources.list_tree(QA, after)) == [
        "carts/metadata.yaml",
        "metadata.yaml",
        "orders/helm/x.yaml",
        "orders/metadata.yaml",
    ]
    assert sorted(resources.list_tree(ORDERS, after)) == ["helm/x.yaml", "metadata.yaml"]
    assert resources.list_tree(QA, "0" * 40) == ()


def test_deleting_a_level_removes_its_files_in_one_revision(resources: SqlResourceStore) -> None:
    """A service's files all go in one revision; its stage's other files stay; nothing to delete
    writes nothing."""
    resources.write(QA, {"metadata.yaml": b"qa"}, "Added stage: qa")
    kept = resources.write(CARTS, {"metadata.yaml": b"carts", "slo.yaml": b"v1"}, "Added service: carts")

    removed = resources.delete_level(CARTS, "Removed service: carts")

    assert removed is not None
    assert resources.head(QA) == removed
    assert resources.list_tree(QA, removed) == ("metadata.yaml",)
    assert resources.read(CARTS, "slo.yaml", kept) == b"v1"  # history stays readable
    assert resources.delete_level(CARTS, "Removed service: carts") is None
    assert resources.head(QA) == removed
