"""Keptn's resource-service API: every route and level, revisions, escaped URIs, refusals and paging."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slogate.adapters.store.resource_repository import SqlResourceStore
from slogate.api import resources
from slogate.ports import ResourceLevel, ResourceReader
from slogate.server_context import ServerContext
from slogate.services.usecases.resources import ResourceService
from tests.support.engines import engine_of

BASE = "/api/resource-service/v1/project/sockshop"
PROJECT = BASE
STAGE = f"{BASE}/stage/qa"
SERVICE = f"{BASE}/stage/qa/service/carts"
LEVELS = [
    pytest.param(PROJECT, id="project"),
    pytest.param(STAGE, id="stage"),
    pytest.param(SERVICE, id="service"),
]
SLI = "spec_version: '1.0'\nindicators:\n  response_time_p95: histogram_quantile(0.95, rate(x[$DURATION]))\n"


@dataclass
class Catalog:
    """An in-test ScopeChecker: the projects, stages and services that exist."""

    projects: set[str] = field(default_factory=lambda: {"sockshop"})
    stages: set[tuple[str, str]] = field(
        default_factory=lambda: {("sockshop", "qa"), ("sockshop", "production")}
    )
    services: set[tuple[str, str, str]] = field(
        default_factory=lambda: {("sockshop", "qa", "carts"), ("sockshop", "production", "carts")}
    )

    def project_exists(self, project: str) -> bool:
        """Whether the project exists."""
        return project in self.projects

    def stage_exists(self, project: str, stage: str) -> bool:
        """Whether the stage exists."""
        return (project, stage) in self.stages

    def service_exists(self, project: str, stage: str, service: str) -> bool:
        """Whether the service exists."""
        return (project, stage, service) in self.services


def b64(text: str | bytes) -> str:
    """Base64 of ``text`` (UTF-8 when a string)."""
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def wire(client: TestClient, context: ServerContext, max_kb: int | None = None) -> ResourceService:
    """Give the client's app a resource service over the context's database and the test catalog."""
    limit = (max_kb or context.settings.max_resource_size_kb) * 1024
    service = ResourceService(SqlResourceStore(engine_of(context)), Catalog(), limit)
    app = cast(FastAPI, client.app)
    app.state.resources = service  # for tests that call the service directly
    app.dependency_overrides[resources.resource_service] = lambda: service
    return service


@pytest.fixture
def api(make_client: Callable[..., TestClient], context: ServerContext) -> TestClient:
    """A client of an app with the resource routes, wired to a fresh database, sending the token."""
    client = make_client(routers=[resources.router])
    wire(client, context)
    return client


def post(api: TestClient, level: str, files: dict[str, str]) -> str:
    """POST the files to a level; the commitID of the 201 answer."""
    answer = api.post(
        f"{level}/resource",
        json={"resources": [{"resourceURI": u, "resourceContent": b64(c)} for u, c in files.items()]},
    )
    assert answer.status_code == 201, answer.text
    commit: str = answer.json()["commitID"]
    return commit


def content(answer: Any) -> str:
    """The decoded resourceContent of a GET answer."""
    return base64.b64decode(answer.json()["resourceContent"]).decode()


@pytest.mark.parametrize("level", LEVELS)
def test_post_then_get_at_every_level(api: TestClient, level: str) -> None:
    """POST answers 201 with commitID and metadata; GET returns the content with the version."""
    answer = api.post(
        f"{level}/resource",
        json={"resources": [{"resourceURI": "slo.yaml", "resourceContent": b64("objectives: []")}]},
    )

    assert answer.status_code == 201
    body = answer.json()
    assert len(body["commitID"]) == 40
    assert body["metadata"] == {"upstreamURL": "", "version": body["commitID"]}
    got = api.get(f"{level}/resource/slo.yaml")
    assert got.status_code == 200
    assert got.json() == {
        "resourceURI": "slo.yaml",
        "resourceContent": b64("objectives: []"),
        "metadata": {"upstreamURL": "", "version": body["commitID"]},
    }


def test_url_escaped_uri_round_trips(api: TestClient) -> None:
    """prometheus%2Fsli.yaml in the path names the file prometheus/sli.yaml, in both directions."""
    commit = post(api, SERVICE, {"prometheus/sli.yaml": SLI})

    escaped = api.get(f"{SERVICE}/resource/prometheus%2Fsli.yaml")
    plain = api.get(f"{SERVICE}/resource/prometheus/sli.yaml")

    assert escaped.status_code == 200
    assert escaped.json()["resourceURI"] == "prometheus/sli.yaml"
    assert content(escaped) == SLI
    assert escaped.json()["metadata"]["version"] == commit
    assert plain.json() == escaped.json()
    listed = api.get(f"{SERVICE}/resource").json()
    assert [item["resourceURI"] for item in listed["resources"]] == ["prometheus/sli.yaml"]


def test_put_with_escaped_uri_writes_the_unescaped_file(api: TestClient) -> None:
    """PUT .../resource/webhook%2Fwebhook.yaml stores webhook/webhook.yaml (Keptn stored the escaped name)."""
    answer = api.put(f"{STAGE}/resource/webhook%2Fwebhook.yaml", json={"resourceContent": b64("hooks")})

    assert answer.status_code == 200
    assert answer.json()["metadata"]["version"] == answer.json()["commitID"]
    assert content(api.get(f"{STAGE}/resource/webhook/webhook.yaml")) == "hooks"


def test_query_escaping_rules_apply_to_the_uri(api: TestClient) -> None:
    """As Go's QueryUnescape: '+' is a space, %2B a plus, and %-escapes of UTF-8 are decoded."""
    post(api, PROJECT, {"my file.yaml": "space", "c++.yaml": "plus", "día.yaml": "utf8"})

    assert content(api.get(f"{PROJECT}/resource/my+file.yaml")) == "space"
    assert content(api.get(f"{PROJECT}/resource/c%2B%2B.yaml")) == "plus"
    assert content(api.get(f"{PROJECT}/resource/d%C3%ADa.yaml")) == "utf8"


def test_malformed_escape_is_refused(api: TestClient) -> None:
    """A '%' not followed by two hex digits is an invalid resource uri (400)."""
    answer = api.get(f"{PROJECT}/resource/bad%zzname")

    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": "invalid resource uri 'bad%zzname': malformed %-escape"}


def test_revisions_read_old_content_by_git_commit_id(api: TestClient) -> None:
    """Write v1, write v2: reading at v1's commit gives v1, reading now gives v2 with v2's version."""
    first = post(api, SERVICE, {"slo.yaml": "v1"})
    second = api.put(f"{SERVICE}/resource/slo.yaml", json={"resourceContent": b64("v2")}).json()["commitID"]

    at_first = api.get(f"{SERVICE}/resource/slo.yaml", params={"gitCommitID": first})
    latest = api.get(f"{SERVICE}/resource/slo.yaml")

    assert first != second
    assert content(at_first) == "v1"
    assert at_first.json()["metadata"]["version"] == first
    assert content(latest) == "v2"
    assert latest.json()["metadata"]["version"] == second


def test_version_is_the_current_revision_of_the_stage(api: TestClient) -> None:
    """As in Keptn, metadata.version is the branch's revision, not the last commit of the file."""
    post(api, SERVICE, {"slo.yaml": "v1"})
    stage_commit = post(api, STAGE, {"metadata.yaml": "stage"})

    answer = api.get(f"{SERVICE}/resource/slo.yaml")

    assert answer.json()["metadata"]["version"] == stage_commit
    assert api.get(f"{SERVICE}/resource/slo.yaml", params={"gitCommitID": stage_commit}).status_code == 200


def test_unknown_git_commit_id_is_not_found(api: TestClient) -> None:
    """A commit id that is no revision of the level's history is 404 with a clear message."""
    project_commit = post(api, PROJECT, {"shipyard.yaml": "s"})
    post(api, SERVICE, {"slo.yaml": "v1"})

    answer = api.get(f"{SERVICE}/resource/slo.yaml", params={"gitCommitID": project_commit})
    listing = api.get(f"{STAGE}/resource", params={"gitCommitID": "f" * 40})

    assert answer.status_code == 404
    assert answer.json() == {
        "code": 404,
        "message": f"Revision not found: {project_commit} is no revision of stage 'qa' of project 'sockshop'",
    }
    assert listing.status_code == 404
    assert listing.json()["message"].startswith("Revision not found: ffff")


def test_file_written_after_a_revision_is_not_found_at_it(api: TestClient) -> None:
    """Reading at a revision before the file existed is 404 Resource not found."""
    first = post(api, SERVICE, {"slo.yaml": "v1"})
    post(api, SERVICE, {"remediation.yaml": "r"})

    answer = api.get(f"{SERVICE}/resource/remediation.yaml", params={"gitCommitID": first})

    assert answer.status_code == 404
    assert answer.json()["message"].startswith("Resource not found: remediation.yaml in service 'carts'")


def test_post_several_files_is_one_revision(api: TestClient) -> None:
    """All files of one POST share its commitID, and PUT of several files answers 200."""
    commit = post(api, STAGE, {"a.yaml": "a", "b/c.yaml": "c"})
    put = api.put(
        f"{STAGE}/resource", json={"resources": [{"resourceURI": "a.yaml", "resourceContent": b64("a2")}]}
    )

    assert put.status_code == 200
    assert content(api.get(f"{STAGE}/resource/b%2Fc.yaml", params={"gitCommitID": commit})) == "c"
    assert content(api.get(f"{STAGE}/resource/a.yaml", params={"gitCommitID": commit})) == "a"
    assert content(api.get(f"{STAGE}/resource/a.yaml")) == "a2"


def test_levels_keep_their_own_files(api: TestClient) -> None:
    """A file of the stage is not a file of its service or of the project, and vice versa."""
    post(api, STAGE, {"slo.yaml": "stage"})

    assert api.get(f"{SERVICE}/resource/slo.yaml").status_code == 404
    assert api.get(f"{PROJECT}/resource/slo.yaml").status_code == 404
    assert content(api.get(f"{STAGE}/resource/slo.yaml")) == "stage"


def test_delete_then_get_is_not_found_and_history_stays(api: TestClient) -> None:
    """DELETE answers 200 with a new commitID; the file is 404 now but readable at the old commit."""
    first = post(api, SERVICE, {"slo.yaml": "v1"})

    deleted = api.delete(f"{SERVICE}/resource/slo.yaml")

    assert deleted.status_code == 200
    assert deleted.json()["commitID"] != first
    gone = api.get(f"{SERVICE}/resource/slo.yaml")
    assert gone.status_code == 404
    assert gone.json() == {
        "code": 404,
        "message": "Resource not found: slo.yaml in service 'carts' in stage 'qa' of project 'sockshop'",
    }
    assert content(api.get(f"{SERVICE}/resource/slo.yaml", params={"gitCommitID": first})) == "v1"


def test_delete_of_a_missing_file_is_not_found(api: TestClient) -> None:
    """Deleting a file that does not exist is 404 and writes no revision."""
    commit = post(api, PROJECT, {"shipyard.yaml": "s"})

    answer = api.delete(f"{PROJECT}/resource/nothing.yaml")

    assert answer.status_code == 404
    assert answer.json()["message"] == "Resource not found: nothing.yaml in project 'sockshop'"
    assert api.get(f"{PROJECT}/resource/shipyard.yaml").json()["metadata"]["version"] == commit


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/resource-service/v1/project/nope/resource", "Project not found: nope"),
        (f"{BASE}/stage/dev/resource", "Stage not found: dev in project sockshop"),
        (
            f"{BASE}/stage/qa/service/orders/resource",
            "Service not found: orders in stage qa of project sockshop",
        ),
        (
            f"{BASE}/stage/production/service/nope/resource/slo.yaml",
            "Service not found: nope in stage production of project sockshop",
        ),
    ],
)
def test_unknown_levels_are_not_found(api: TestClient, path: str, message: str) -> None:
    """Keptn's "<Project|Stage|Service> not found" (404), for reads and writes alike."""
    read = api.get(path)
    write = api.put(
        path,
        json={"resources": [{"resourceURI": "x", "resourceContent": b64("x")}]}
        if path.endswith("resource")
        else {"resourceContent": b64("x")},
    )

    assert read.status_code == write.status_code == 404
    assert read.json() == write.json() == {"code": 404, "message": message}


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("..%2Fsecrets.yaml", "invalid resource uri '../secrets.yaml': it must not contain '~' or '..'"),
        ("a/..%2F..%2Fb", "invalid resource uri 'a/../../b': it must not contain '~' or '..'"),
        ("~root", "invalid resource uri '~root': it must not contain '~' or '..'"),
        ("%7Eroot", "invalid resource uri '~root': it must not contain '~' or '..'"),
        ("", "invalid resource uri '': it names no file"),
    ],
)
def test_uris_with_tilde_or_dot_dot_are_refused(api: TestClient, uri: str, message: str) -> None:
    """GET, PUT and DELETE refuse such URIs with 400 and Keptn's error body; nothing is stored."""
    for answer in (
        api.get(f"{SERVICE}/resource/{uri}"),
        api.put(f"{SERVICE}/resource/{uri}", json={"resourceContent": b64("x")}),
        api.delete(f"{SERVICE}/resource/{uri}"),
    ):
        assert answer.status_code == 400
        assert answer.json() == {"code": 400, "message": message}
    assert api.get(f"{SERVICE}/resource").json()["totalCount"] == 0


def test_bad_uri_in_a_body_stores_nothing(api: TestClient) -> None:
    """One refused URI among several refuses the whole POST; no revision is written."""
    answer = api.post(
        f"{SERVICE}/resource",
        json={
            "resources": [
                {"resourceURI": "slo.yaml", "resourceContent": b64("ok")},
                {"resourceURI": "../../etc/passwd", "resourceContent": b64("x")},
            ]
        },
    )

    assert answer.status_code == 400
    assert (
        answer.json()["message"] == "invalid resource uri '../../etc/passwd': it must not contain '~' or '..'"
    )
    assert api.get(f"{SERVICE}/resource").json() == {
        "resources": [],
        "nextPageKey": "0",
        "totalCount": 0,
        "pageSize": 20,
    }


def test_content_that_is_not_base64_is_refused(api: TestClient) -> None:
    """Keptn's "resource content is not base64 encoded" (400) for POST, PUT of several and PUT of one."""
    bad = [
        {"resourceURI": "slo.yaml", "resourceContent": b64("ok")},
        {"resourceURI": "sli.yaml", "resourceContent": "not base64!"},
    ]

    answers = [
        api.post(f"{STAGE}/resource", json={"resources": bad}),
        api.put(f"{STAGE}/resource", json={"resources": bad}),
        api.put(f"{STAGE}/resource/slo.yaml", json={"resourceContent": "%%%"}),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert answers[0].json() == {"code": 400, "message": "resource content is not base64 encoded: sli.yaml"}
    assert answers[2].json() == {"code": 400, "message": "resource content is not base64 encoded: slo.yaml"}
    assert api.get(f"{STAGE}/resource").json()["totalCount"] == 0


def test_base64_with_line_breaks_is_accepted(api: TestClient) -> None:
    """Line breaks inside the base64 text are ignored, as Go's decoder ignores them."""
    encoded = base64.encodebytes(SLI.encode() * 5).decode()
    assert "\n" in encoded

    api.put(f"{STAGE}/resource/sli.yaml", json={"resourceContent": encoded})

    assert content(api.get(f"{STAGE}/resource/sli.yaml")) == SLI * 5


def test_missing_content_is_an_empty_file(api: TestClient) -> None:
    """resourceContent may be omitted, as in Keptn: the file exists and is empty."""
    answer = api.post(f"{STAGE}/resource", json={"resources": [{"resourceURI": "empty.yaml"}]})

    assert answer.status_code == 201
    assert api.get(f"{STAGE}/resource/empty.yaml").json()["resourceContent"] == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Invalid request format: resources: Field required"),
        ({"resources": "slo.yaml"}, "Invalid request format: resources: Input should be a valid list"),
        ({"resources": []}, "no resources given: send at least one {resourceURI, resourceContent}"),
    ],
)
def test_malformed_bodies_are_refused(api: TestClient, body: dict[str, Any], message: str) -> None:
    """A body without a list of resources, or an empty one, is 400 with Keptn's error body."""
    answer = api.post(f"{PROJECT}/resource", json=body)

    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": message}


def test_binary_content_round_trips(api: TestClient) -> None:
    """Any bytes (a helm chart archive) come back byte for byte."""
    payload = bytes(range(256)) * 4

    api.put(f"{SERVICE}/resource/helm%2Fcarts.tgz", json={"resourceContent": b64(payload)})

    assert (
        base64.b64decode(api.get(f"{SERVICE}/resource/helm%2Fcarts.tgz").json()["resourceContent"]) == payload
    )


def test_resource_larger_than_the_limit_is_refused(
    make_client: Callable[..., TestClient], context: ServerContext
) -> None:
    """A decoded file above the configured size is 400, naming the setting; nothing is stored."""
    client = make_client(routers=[resources.router])
    wire(client, context, max_kb=1)

    answer = client.put(f"{STAGE}/resource/big.bin", json={"resourceContent": b64(b"x" * 2048)})

    assert answer.status_code == 400
    assert (
        answer.json()["message"]
        == "resource big.bin is 2 KB, more than the limit of 1 KB (SLOGATE_MAX_RESOURCE_SIZE_KB)"
    )
    assert client.get(f"{STAGE}/resource").json()["totalCount"] == 0


def test_listing_pages_with_keptns_next_page_key(api: TestClient) -> None:
    """pageSize and nextPageKey page the sorted URIs; "0" marks the last page; totalCount counts all."""
    commit = post(api, SERVICE, {f"file-{index:02}.yaml": "x" for index in range(25)})

    first = api.get(f"{SERVICE}/resource").json()
    second = api.get(f"{SERVICE}/resource", params={"nextPageKey": first["nextPageKey"]}).json()
    small = api.get(f"{SERVICE}/resource", params={"pageSize": 10, "nextPageKey": "20"}).json()

    assert [item["resourceURI"] for item in first["resources"]] == [
        f"file-{index:02}.yaml" for index in range(20)
    ]
    assert (first["nextPageKey"], first["totalCount"], first["pageSize"]) == ("20", 25, 20)
    assert [item["resourceURI"] for item in second["resources"]] == [
        f"file-{index:02}.yaml" for index in range(20, 25)
    ]
    assert second["nextPageKey"] == "0"
    assert small["nextPageKey"] == "0"
    assert len(small["resources"]) == 5
    assert first["resources"][0] == {
        "resourceURI": "file-00.yaml",
        "metadata": {"upstreamURL": "", "version": commit},
    }


def test_listing_at_an_old_revision(api: TestClient) -> None:
    """gitCommitID lists the files as they were at that revision, with that version."""
    first = post(api, PROJECT, {"shipyard.yaml": "s"})
    post(api, PROJECT, {"extra.yaml": "e"})

    old = api.get(f"{PROJECT}/resource", params={"gitCommitID": first}).json()
    now = api.get(f"{PROJECT}/resource").json()

    assert old["resources"] == [
        {"resourceURI": "shipyard.yaml", "metadata": {"upstreamURL": "", "version": first}}
    ]
    assert [item["resourceURI"] for item in now["resources"]] == ["extra.yaml", "shipyard.yaml"]


def test_listing_of_a_level_without_files(api: TestClient) -> None:
    """A level that was never written lists nothing, on the last page."""
    assert api.get(f"{STAGE}/resource").json() == {
        "resources": [],
        "nextPageKey": "0",
        "totalCount": 0,
        "pageSize": 20,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"pageSize": "0"},
            "Invalid request format: query.pageSize: Input should be greater than or equal to 1",
        ),
        (
            {"pageSize": "many"},
            "Invalid request format: query.pageSize: Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        ({"nextPageKey": "abc"}, "invalid nextPageKey 'abc': it must be a number given by a previous page"),
        ({"nextPageKey": "-5"}, "invalid nextPageKey '-5': it must be a number given by a previous page"),
    ],
)
def test_invalid_paging_is_refused(api: TestClient, params: dict[str, str], message: str) -> None:
    """Bad pageSize or nextPageKey values are 400 with a message saying which."""
    answer = api.get(f"{PROJECT}/resource", params=params)

    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": message}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{PROJECT}/resource"),
        ("POST", f"{STAGE}/resource"),
        ("PUT", f"{SERVICE}/resource"),
        ("GET", f"{SERVICE}/resource/slo.yaml"),
        ("PUT", f"{STAGE}/resource/slo.yaml"),
        ("DELETE", f"{PROJECT}/resource/slo.yaml"),
    ],
)
def test_every_route_needs_the_token(
    make_client: Callable[..., TestClient], context: ServerContext, method: str, path: str
) -> None:
    """Without the token every resource route answers 401 and nothing is stored."""
    anonymous = make_client(routers=[resources.router], token=None)
    service = wire(anonymous, context)

    answer = anonymous.request(
        method, path, json={"resources": [{"resourceURI": "a", "resourceContent": ""}], "resourceContent": ""}
    )

    assert answer.status_code == 401
    assert answer.json()["code"] == 401
    assert service.head(ResourceLevel("sockshop", "qa")) == ""


def test_reader_reads_levels_and_revisions_for_the_lighthouse(
    api: TestClient, context: ServerContext
) -> None:
    """ResourceService.read (the lighthouse's ResourceReader) reads text at a level and revision."""
    service: ResourceService = cast(FastAPI, api.app).state.resources
    reader: ResourceReader = service  # the port the lighthouse and the SLI service depend on
    first = post(api, SERVICE, {"slo.yaml": "v1"})
    post(api, SERVICE, {"slo.yaml": "v2"})
    post(api, PROJECT, {"prometheus/sli.yaml": SLI})

    assert reader.read("sockshop", "qa", "carts", "slo.yaml", first) == "v1"
    assert reader.read("sockshop", "qa", "carts", "slo.yaml") == "v2"
    assert reader.read("sockshop", "", "", "prometheus/sli.yaml") == SLI
    assert reader.read("sockshop", "qa", "", "prometheus/sli.yaml") is None
    assert reader.read("sockshop", "production", "carts", "slo.yaml") is None
