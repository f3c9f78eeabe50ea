"""Keptn's uniform registry over HTTP: register, list, ping, expire, unregister, edit subscriptions."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.adapters.store.integration_repository import SqlIntegrationStore
from slogate.ports import IntegrationMetadata, IntegrationRecord
from slogate.server_context import ServerContext
from slogate.services.usecases.integrations import IntegrationService, Registration
from tests.integration.api.conftest import TOKEN
from tests.support.engines import engine_of

BASE = "/api/controlPlane/v1/uniform/registration"
TTL = 60.0
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
# printf 'job-executor-service-keptn-exec-node-1' | sha1sum
JOB_EXECUTOR_ID = "5f9401ba09a26893683645892365019187cbd3d7"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TEST_TRIGGERED = "sh.keptn.event.test.triggered"


class Clock:
    """A settable clock for the registry's TTL."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """The clock of the registry, at T0."""
    return Clock(T0)


@pytest.fixture
def registry(context: ServerContext, clock: Clock) -> IntegrationService:
    """The registry over the context's database, on the test's clock, with the default TTL."""
    return IntegrationService(SqlIntegrationStore(engine_of(context)), TTL, clock)


@pytest.fixture
def api(context: ServerContext, registry: IntegrationService) -> Iterator[TestClient]:
    """A client of the full app whose registry runs on the test's clock."""
    clocked = dataclasses.replace(context, integrations=registry)
    with_token = TestClient(bootstrap.api_app(clocked), raise_server_exceptions=True)
    with_token.headers["x-token"] = TOKEN
    yield with_token
    with_token.close()


def integration(
    name: str = "job-executor-service",
    hostname: str = "node-1",
    namespace: str = "keptn-exec",
    version: str = "1.2.0",
    subscriptions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A registration body as go-utils sends it."""
    return {
        "name": name,
        "metadata": {
            "hostname": hostname,
            "integrationversion": version,
            "distributorversion": "1.4.5",
            "location": "remote-execution-plane",
            "kubernetesmetadata": {"namespace": namespace, "podname": "pod-1", "deploymentname": name},
        },
        "subscriptions": (
            subscriptions
            if subscriptions is not None
            else [
                {"event": TEST_TRIGGERED, "filter": {"projects": ["sockshop"], "stages": [], "services": []}}
            ]
        ),
    }


def register(api: TestClient, body: dict[str, Any], status: int = 201) -> str:
    """Register ``body``; its id (after checking the status)."""
    response = api.post(BASE, json=body)
    assert response.status_code == status, response.text
    return str(response.json()["id"])


def assert_error(response: Any, status: int, message: str) -> None:
    """Keptn's error body with ``status`` and a message containing ``message``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    assert message in body["message"]


# --- registering ---------------------------------------------------------------------------------


def test_register_new_integration(api: TestClient) -> None:
    """201 with Keptn's SHA-1 id; the listing shows the integration as Keptn returns it."""
    response = api.post(BASE, json=integration())

    assert response.status_code == 201
    assert response.json() == {"id": JOB_EXECUTOR_ID}
    [listed] = api.get(BASE).json()
    subscription_id = listed["subscriptions"][0]["id"]
    assert UUID.fullmatch(subscription_id)
    assert listed == {
        "id": JOB_EXECUTOR_ID,
        "name": "job-executor-service",
        "metadata": {
            "hostname": "node-1",
            "integrationversion": "1.2.0",
            "distributorversion": "1.4.5",
            "location": "remote-execution-plane",
            "kubernetesmetadata": {
                "namespace": "keptn-exec",
                "podname": "pod-1",
                "deploymentname": "job-executor-service",
            },
            "lastseen": "2024-05-01T12:00:00Z",
        },
        "subscriptions": [
            {
                "id": subscription_id,
                "event": TEST_TRIGGERED,
                "filter": {"projects": ["sockshop"], "stages": [], "services": []},
            }
        ],
    }


def test_register_existing_keeps_its_subscriptions_and_takes_the_new_versions(
    api: TestClient, clock: Clock
) -> None:
    """Same name and namespace (an upgrade, even from another host): 200 with the first id; as in
    Keptn the stored subscriptions stay (those sent are ignored), only the integration and
    distributor versions and last-seen change, the rest of the metadata stays."""
    first = register(api, integration())
    [before] = api.get(BASE).json()
    clock.advance(30)
    again = integration(
        hostname="node-2",
        version="1.3.0",
        subscriptions=[{"event": "sh.keptn.event.deployment.triggered"}, {"event": "sh.keptn.>"}],
    )
    again["metadata"]["distributorversion"] = "1.5.0"

    second = register(api, again, status=200)

    assert second == first == JOB_EXECUTOR_ID
    [listed] = api.get(BASE).json()
    assert listed["metadata"] == {
        **before["metadata"],
        "integrationversion": "1.3.0",
        "distributorversion": "1.5.0",
        "lastseen": "2024-05-01T12:00:30Z",
    }
    assert listed["subscriptions"] == before["subscriptions"]


def test_an_upgraded_integration_keeps_subscriptions_edited_through_the_api(api: TestClient) -> None:
    """Keptn's uniform test: subscriptions added and changed after registering survive the
    integration's restart with a new version (same ids, same filters)."""
    integration_id = register(api, integration())
    url = f"{BASE}/{integration_id}/subscription"
    added = api.post(url, json={"event": "sh.keptn.event.deployment.triggered",
                                "filter": {"projects": ["p"], "stages": ["dev"]}})  # fmt: skip
    assert added.status_code == 201, added.text
    before = api.get(url).json()
    assert len(before) == 2

    register(api, integration(version="2.0.0", subscriptions=[{"event": TEST_TRIGGERED}]), status=200)

    assert api.get(url).json() == before
    [listed] = api.get(BASE).json()
    assert listed["metadata"]["integrationversion"] == "2.0.0"


def test_keptns_uniform_api_test_a_new_distributor_version_deletes_no_subscription(api: TestClient) -> None:
    """Test_UniformRegistration_TestAPI: after a subscription was added and deleted again, the
    integration registers with distributor 0.8.4 and no subscriptions: 200, the version changed,
    the one subscription left is still there."""
    body = integration(name="my-uniform-service", namespace="my-namespace")
    body["metadata"]["distributorversion"] = "0.8.3"
    integration_id = register(api, body)
    url = f"{BASE}/{integration_id}/subscription"
    added = api.post(url, json={"event": "sh.keptn.event.deployment.triggered"}).json()["id"]
    assert api.delete(f"{url}/{added}").status_code == 200
    body["metadata"]["distributorversion"] = "0.8.4"
    body["subscriptions"] = []

    register(api, body, status=200)

    [listed] = api.get(BASE, params={"id": integration_id}).json()
    assert listed["metadata"]["distributorversion"] == "0.8.4"
    assert [s["event"] for s in listed["subscriptions"]] == [TEST_TRIGGERED]


def test_a_re_registration_without_stored_subscriptions_takes_those_sent(api: TestClient) -> None:
    """When the stored registration has no subscription left, the ones sent are taken (Keptn)."""
    integration_id = register(api, integration(subscriptions=[]))

    register(api, integration(), status=200)

    [subscription] = api.get(f"{BASE}/{integration_id}/subscription").json()
    assert subscription["event"] == TEST_TRIGGERED
    assert UUID.fullmatch(subscription["id"])


def test_another_namespace_is_another_integration(api: TestClient) -> None:
    """The same name in another namespace registers separately, with its own id."""
    first = register(api, integration())
    second = register(api, integration(namespace="other"))

    assert first != second
    assert len(api.get(BASE).json()) == 2


def test_register_ignores_fields_it_sets_itself(api: TestClient) -> None:
    """``id``, ``lastseen``, subscription ids and unknown fields in the body are ignored, as Keptn does."""
    body = integration(subscriptions=[{"id": "mine", "event": TEST_TRIGGERED, "extra": 1}])
    body.update({"id": "chosen-by-client", "subscription": {"topics": []}})
    body["metadata"]["lastseen"] = "2000-01-01T00:00:00Z"

    assert register(api, body) == JOB_EXECUTOR_ID

    [listed] = api.get(BASE).json()
    assert listed["metadata"]["lastseen"] == "2024-05-01T12:00:00Z"
    assert listed["subscriptions"][0]["id"] != "mine"


def test_register_without_namespace_or_hostname(api: TestClient) -> None:
    """Outside Kubernetes there may be no namespace or node name: the id hashes the empty strings."""
    # printf 'my-executor--' | sha1sum
    assert register(api, {"name": "my-executor"}) == "8a49c706dbc6ed2190e98579c883e9be44f70cfd"


class RacingStore(SqlIntegrationStore):
    """A store whose lookup by name misses a registration made concurrently (between lookup and add)."""

    def integrations(self, live_since: datetime, *args: Any, **kwargs: Any) -> list[IntegrationRecord]:
        """Nothing when looked up by name, as if the other registration had not committed yet."""
        if kwargs.get("name") is not None:
            return []
        return super().integrations(live_since, *args, **kwargs)


def test_a_concurrent_registration_is_replaced_not_duplicated(context: ServerContext, clock: Clock) -> None:
    """When the id turns out to exist at insert time, the registration updates it as a
    re-registration does: 200, one entry, last-seen and versions refreshed, the rest kept."""
    racing = IntegrationService(RacingStore(engine_of(context)), TTL, clock)
    first = racing.register(Registration("job-executor-service", IntegrationMetadata(hostname="n")))
    clock.advance(1)

    second = racing.register(
        Registration(
            "job-executor-service", IntegrationMetadata(hostname="n", location="x", integration_version="2")
        )
    )

    assert (first.created, second.created, second.id) == (True, False, first.id)
    [stored] = racing.integrations()
    assert (stored.metadata.location, stored.metadata.integration_version) == ("", "2")
    assert stored.last_seen == T0 + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"metadata": {"hostname": "h"}}, "incomplete integration ID"),
        ({"name": ""}, "incomplete integration ID"),
        ({"name": "x", "subscriptions": [{"filter": {}}]}, "the event must be specified"),
        (
            {"name": "x", "subscriptions": [{"event": TEST_TRIGGERED, "filter": {"services": ["carts"]}}]},
            "at least one stage must be specified",
        ),
        ({"name": 5}, "Invalid request format"),
        ({"name": "x", "subscriptions": {"event": "a"}}, "Invalid request format"),
    ],
)
def test_register_refuses_invalid_bodies(api: TestClient, body: dict[str, Any], message: str) -> None:
    """400 with Keptn's message; nothing is registered."""
    assert_error(api.post(BASE, json=body), 400, message)
    assert api.get(BASE).json() == []


def test_a_service_filter_with_an_empty_stage_list_is_valid(api: TestClient) -> None:
    """Keptn only refuses services when stages are absent; ``stages: []`` means every stage."""
    body = integration(
        subscriptions=[{"event": TEST_TRIGGERED, "filter": {"stages": [], "services": ["carts"]}}]
    )

    register(api, body)


# --- listing -------------------------------------------------------------------------------------


def test_list_filters(api: TestClient) -> None:
    """id and name select exactly; project, stage and service select integrations with a subscription
    whose list names the value or is empty."""
    job = register(api, integration())  # projects [sockshop], stages and services empty
    webhook = register(
        api,
        integration(
            name="webhook-service",
            subscriptions=[
                {
                    "event": TEST_TRIGGERED,
                    "filter": {"projects": ["podtato"], "stages": ["qa"], "services": []},
                }
            ],
        ),
    )
    register(api, integration(name="idle-service", subscriptions=[]))

    def names(**query: str) -> list[str]:
        response = api.get(BASE, params=query)
        assert response.status_code == 200
        return [item["name"] for item in response.json()]

    assert names() == ["idle-service", "job-executor-service", "webhook-service"]
    assert names(id=job) == ["job-executor-service"]
    assert names(id=webhook, name="job-executor-service") == []
    assert names(name="webhook-service") == ["webhook-service"]
    assert names(project="sockshop") == ["job-executor-service"]
    assert names(project="podtato") == ["webhook-service"]
    assert names(stage="qa") == ["job-executor-service", "webhook-service"]
    assert names(stage="production") == ["job-executor-service"]
    assert names(project="podtato", stage="production") == []
    assert names(service="carts") == ["job-executor-service", "webhook-service"]
    assert names(project="") == ["idle-service", "job-executor-service", "webhook-service"]


# --- heartbeat and expiry ------------------------------------------------------------------------


def test_ping_refreshes_last_seen(api: TestClient, clock: Clock) -> None:
    """200 with the integration and its new last-seen time."""
    integration_id = register(api, integration())
    clock.advance(12.5)

    response = api.put(f"{BASE}/{integration_id}/ping")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == integration_id
    assert body["metadata"]["lastseen"] == "2024-05-01T12:00:12.5Z"
    assert [s["event"] for s in body["subscriptions"]] == [TEST_TRIGGERED]


def test_ping_of_an_unknown_integration_is_404(api: TestClient) -> None:
    """Keptn's text in Keptn's error body."""
    assert_error(api.put(f"{BASE}/{'0' * 40}/ping"), 404, "uniform integration not found")


def test_registrations_expire_without_heartbeat(
    api: TestClient, clock: Clock, registry: IntegrationService
) -> None:
    """Past the TTL an integration is not listed, not pingable and not subscribed; registering again
    creates it anew (201)."""
    integration_id = register(api, integration())
    clock.advance(TTL)
    assert len(api.get(BASE).json()) == 1  # exactly at the TTL it is still live
    assert registry.subscribed(TEST_TRIGGERED, "sockshop", "qa", "carts")

    clock.advance(0.001)

    assert api.get(BASE).json() == []
    assert api.get(BASE, params={"id": integration_id}).json() == []
    assert_error(api.put(f"{BASE}/{integration_id}/ping"), 404, "uniform integration not found")
    assert_error(api.get(f"{BASE}/{integration_id}/subscription"), 404, "uniform integration not found")
    assert not registry.subscribed(TEST_TRIGGERED, "sockshop", "qa", "carts")
    assert register(api, integration(), status=201) == integration_id


def test_heartbeats_keep_an_integration_alive(api: TestClient, clock: Clock) -> None:
    """Pinging within the TTL carries the integration past its first expiry."""
    integration_id = register(api, integration())
    for _ in range(3):
        clock.advance(TTL - 1)
        assert api.put(f"{BASE}/{integration_id}/ping").status_code == 200

    clock.advance(TTL - 1)

    assert [item["id"] for item in api.get(BASE).json()] == [integration_id]


# --- unregistering -------------------------------------------------------------------------------


def test_unregister(api: TestClient, registry: IntegrationService) -> None:
    """200 ``{}``; the integration is gone, a second delete is 404."""
    integration_id = register(api, integration())

    response = api.delete(f"{BASE}/{integration_id}")

    assert response.status_code == 200
    assert response.json() == {}
    assert api.get(BASE).json() == []
    assert not registry.subscribed(TEST_TRIGGERED, "sockshop", "qa", "carts")
    assert_error(api.delete(f"{BASE}/{integration_id}"), 404, "uniform integration not found")


# --- subscriptions -------------------------------------------------------------------------------


def test_subscription_crud(api: TestClient) -> None:
    """Create (201 id), read, list in order, replace (201 same id), delete (200), then 404."""
    integration_id = register(api, integration())
    url = f"{BASE}/{integration_id}/subscription"
    [first] = api.get(url).json()

    created = api.post(
        url, json={"event": "sh.keptn.event.deployment.triggered", "filter": {"stages": ["qa"]}}
    )
    assert created.status_code == 201
    new_id = created.json()["id"]
    assert UUID.fullmatch(new_id)
    assert api.get(f"{url}/{new_id}").json() == {
        "id": new_id,
        "event": "sh.keptn.event.deployment.triggered",
        "filter": {"projects": [], "stages": ["qa"], "services": []},
    }
    assert [s["id"] for s in api.get(url).json()] == [first["id"], new_id]

    replaced = api.put(f"{url}/{new_id}", json={"event": "sh.keptn.event.release.triggered"})
    assert replaced.status_code == 201
    assert replaced.json() == {"id": new_id}
    assert api.get(f"{url}/{new_id}").json()["event"] == "sh.keptn.event.release.triggered"
    assert [s["id"] for s in api.get(url).json()] == [first["id"], new_id]  # replaced in place

    deleted = api.delete(f"{url}/{new_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {}
    assert_error(api.get(f"{url}/{new_id}"), 404, "subscription not found")
    assert_error(api.delete(f"{url}/{new_id}"), 404, "subscription not found")
    assert api.get(url).json() == [first]


def test_put_with_a_new_subscription_id_adds_it(api: TestClient) -> None:
    """As in Keptn, PUT creates the subscription under the id of the path when it does not exist."""
    integration_id = register(api, integration(subscriptions=[]))
    url = f"{BASE}/{integration_id}/subscription"

    response = api.put(f"{url}/my-subscription", json={"event": TEST_TRIGGERED})

    assert response.status_code == 201
    assert [s["id"] for s in api.get(url).json()] == ["my-subscription"]


def test_an_integration_without_subscriptions_lists_an_empty_array(api: TestClient) -> None:
    """``[]``, never null."""
    integration_id = register(api, integration(subscriptions=[]))

    response = api.get(f"{BASE}/{integration_id}/subscription")

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "the event must be specified"),
        ({"event": TEST_TRIGGERED, "filter": {"services": []}}, "at least one stage must be specified"),
        ({"event": ["a"]}, "Invalid request format"),
    ],
)
def test_invalid_subscriptions_are_refused(api: TestClient, body: dict[str, Any], message: str) -> None:
    """400 for POST and PUT; the subscriptions are unchanged."""
    integration_id = register(api, integration())
    url = f"{BASE}/{integration_id}/subscription"
    before = api.get(url).json()

    assert_error(api.post(url, json=body), 400, message)
    assert_error(api.put(f"{url}/{before[0]['id']}", json=body), 400, message)
    assert api.get(url).json() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/subscription", None),
        ("POST", "/subscription", {"event": TEST_TRIGGERED}),
        ("GET", "/subscription/s1", None),
        ("PUT", "/subscription/s1", {"event": TEST_TRIGGERED}),
        ("DELETE", "/subscription/s1", None),
        ("DELETE", "", None),
    ],
)
def test_unknown_integration_is_404(
    api: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    """Every route under an unknown integration id answers 404 with Keptn's body."""
    response = api.request(method, f"{BASE}/{'0' * 40}{path}", json=body)

    assert_error(response, 404, "uniform integration not found")


# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", ""), ("POST", ""), ("PUT", "/x/ping"), ("DELETE", "/x"), ("GET", "/x/subscription")],
)
def test_token_required(
    make_client: Callable[..., TestClient], client: TestClient, method: str, path: str
) -> None:
    """Without the token every uniform route is 401 and registers nothing."""
    anonymous = make_client(token=None)

    response = anonymous.request(method, f"{BASE}{path}", json=integration() if method == "POST" else None)

    assert_error(response, 401, "missing or invalid API token")
    assert client.get(BASE).json() == []


def test_the_servers_own_registry_is_wired(client: TestClient, context: ServerContext) -> None:
    """The default app routes to the context's registry (real clock, TTL from the settings)."""
    integration_id = register(client, integration())

    assert context.integrations.integration(integration_id).name == "job-executor-service"
    assert context.integrations.subscribed(TEST_TRIGGERED, "sockshop", "qa", "carts")
    assert context.settings.integration_ttl == 60.0


# --- who is subscribed ---------------------------------------------------------------------------


def test_subscribed(api: TestClient, registry: IntegrationService) -> None:
    """Exact subjects and NATS wildcards, with each non-empty filter list applied."""
    assert not registry.subscribed(TEST_TRIGGERED, "sockshop", "qa", "carts")
    register(api, integration())  # test.triggered for project sockshop
    register(
        api,
        integration(
            name="helm-service",
            subscriptions=[
                {
                    "event": "sh.keptn.event.*.triggered",
                    "filter": {"projects": [], "stages": ["production"], "services": ["carts"]},
                },
                {"event": "sh.keptn.event.release.>", "filter": {}},
            ],
        ),
    )

    cases = {
        (TEST_TRIGGERED, "sockshop", "qa", "carts"): True,
        (TEST_TRIGGERED, "podtato", "qa", "carts"): False,
        ("sh.keptn.event.deployment.triggered", "podtato", "production", "carts"): True,
        ("sh.keptn.event.deployment.triggered", "podtato", "production", "orders"): False,
        ("sh.keptn.event.deployment.triggered", "podtato", "qa", "carts"): False,
        ("sh.keptn.event.qa.delivery.triggered", "podtato", "production", "carts"): False,
        ("sh.keptn.event.release.triggered", "any", "stage", "svc"): True,
        ("sh.keptn.event.release", "any", "stage", "svc"): False,
        ("sh.keptn.event.approval.triggered", "sockshop", "qa", "carts"): False,
    }
    assert {case: registry.subscribed(*case) for case in cases} == cases
