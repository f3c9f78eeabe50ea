"""Every Keptn file kind is checked on upload: by default stored as Keptn stores it, with its problems in
the answer's ``warnings``; with SLOGATE_STRICT_UPLOADS refused with 400 naming the file and the field."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.ports import ResourceLevel
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.engines import dispose_engine

from .conftest import TOKEN

KEPTN = Path(__file__).resolve().parents[2] / "data" / "keptn"
SHIPYARD = (
    "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata:\n  name: s\n"
    "spec:\n  stages:\n    - name: qa\n"
)
PROJECT = "/api/resource-service/v1/project/shop/resource"
SERVICE = "/api/resource-service/v1/project/shop/stage/qa/service/carts/resource"
BROKEN = [
    ("slo.yaml", "slo.yaml", "objectives[0].key_sli", "must be true or false"),
    ("sli.yaml", "prometheus/sli.yaml", "", "indicators must be a mapping"),
    ("webhook.yaml", "webhook/webhook.yaml", "", "Webhook configuration invalid: missing 'webhooks[].Subs"),
    ("executors.yaml", "slogate/executors.yaml", "", "tasks.evaluation: 'evaluation' is answered by slogate"),
    ("deployment.yaml", "slogate/deployment.yaml", "", "unknown field `helth`"),
]


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def _body(uri: str, content: str | bytes) -> dict[str, Any]:
    return {"resources": [{"resourceURI": uri, "resourceContent": _b64(content)}]}


def _client(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    config = Settings(data_dir=tmp_path / "data", api_token=TOKEN, **settings)  # type: ignore[arg-type]
    context = bootstrap.server_context(config)
    try:
        with TestClient(bootstrap.api_app(context)) as client:
            client.headers["x-token"] = TOKEN
            made = client.post(
                "/api/controlPlane/v1/project", json={"name": "shop", "shipyard": _b64(SHIPYARD)}
            )
            assert made.status_code == 201, made.text
            added = client.post("/api/controlPlane/v1/project/shop/service", json={"serviceName": "carts"})
            assert added.status_code == 200, added.text
            yield client
    finally:
        dispose_engine(context)
        context.close()


@pytest.fixture
def lenient(tmp_path: Path) -> Iterator[TestClient]:
    """A server with the default (Keptn's) uploads."""
    yield from _client(tmp_path)


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[TestClient]:
    """A server with SLOGATE_STRICT_UPLOADS on."""
    yield from _client(tmp_path, strict_uploads=True)


def _stored(client: TestClient, collection: str, uri: str) -> bool:
    answer = client.get(f"{collection}/{uri.replace('/', '%2F')}")
    assert answer.status_code in (200, 404), answer.text
    return answer.status_code == 200


@pytest.mark.parametrize(("name", "uri", "path", "fragment"), BROKEN)
def test_broken_file_is_stored_with_its_problems(
    lenient: TestClient, name: str, uri: str, path: str, fragment: str
) -> None:
    """Keptn stores any file (201 with commitID); the problems come back in ``warnings``."""
    answer = lenient.post(SERVICE, json=_body(uri, (KEPTN / "invalid" / name).read_text()))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert len(body["commitID"]) == 40
    (first, *_) = body["warnings"]
    assert (first["resourceURI"], first["path"], first["severity"]) == (uri, path, "error")
    assert fragment in first["message"]
    assert _stored(lenient, SERVICE, uri)


def test_valid_keptn_files_answer_exactly_as_keptn(lenient: TestClient) -> None:
    """Valid files of every kind: Keptn's answer, no extra field."""
    files = [
        ("slo.yaml", "../cli/tutorial-slo.yaml"),
        ("prometheus/sli.yaml", "sli-config-prometheus.yaml"),
        ("webhook/webhook.yaml", "webhook.yaml"),
        ("slogate/executors.yaml", "executors.yaml"),
        ("slogate/deployment.yaml", "deployment.yaml"),
    ]
    body = {
        "resources": [
            {"resourceURI": uri, "resourceContent": _b64((KEPTN / name).read_text())} for uri, name in files
        ]
    }
    answer = lenient.post(SERVICE, json=body)
    assert answer.status_code == 201, answer.text
    assert set(answer.json()) == {"commitID", "metadata"}, answer.json()


def test_other_files_are_not_checked(lenient: TestClient) -> None:
    """Helm charts, a root sli.yaml and other files are no kind slogate reads: stored unchecked."""
    for uri in ("helm/values.yaml", "sli.yaml", "locust/slo.yaml"):
        answer = lenient.post(PROJECT, json=_body(uri, "indicators: [broken\n"))
        assert answer.status_code == 201, answer.text
        assert "warnings" not in answer.json()


def test_put_and_project_level_are_checked_too(lenient: TestClient) -> None:
    """PUT of one file and the project level report the same way; a file that is not UTF-8 is one."""
    answer = lenient.put(
        f"{PROJECT}/webhook%2Fwebhook.yaml", json={"resourceContent": _b64("apiVersion: v2\n")}
    )
    assert answer.status_code == 200, answer.text
    assert "unsupported apiVersion 'v2'" in answer.json()["warnings"][0]["message"]
    answer = lenient.post(PROJECT, json=_body("slo.yaml", b"\xff\xfe objectives"))
    assert answer.json()["warnings"][0]["message"].startswith("not UTF-8 text")


def test_keptn_accepted_slo_quirks_are_warnings(lenient: TestClient) -> None:
    """An unknown key Keptn ignores and an empty slo.yaml (Keptn passes without evaluating): warnings."""
    text = (KEPTN / "slo-quality-gates.yaml").read_text().replace("key_sli:", "keySli:")
    answer = lenient.post(SERVICE, json=_body("slo.yaml", text))
    severities = {(w["path"], w["severity"]) for w in answer.json()["warnings"]}
    assert ("objectives[0].keySli", "warning") in severities
    empty = lenient.post(SERVICE, json=_body("slo.yaml", ""))
    assert [w["severity"] for w in empty.json()["warnings"]] == ["warning"]


@pytest.mark.parametrize(("name", "uri", "path", "fragment"), BROKEN)
def test_strict_uploads_refuse_with_file_and_field(
    strict: TestClient, name: str, uri: str, path: str, fragment: str
) -> None:
    """Strict: 400 in Keptn's error body naming the file and the problem; nothing is stored."""
    answer = strict.post(SERVICE, json=_body(uri, (KEPTN / "invalid" / name).read_text()))
    assert answer.status_code == 400, answer.text
    message = answer.json()["message"]
    assert answer.json()["code"] == 400
    assert message.startswith(f"{uri}: {path + ': ' if path else ''}")
    assert fragment in message
    assert "SLOGATE_STRICT_UPLOADS" in message
    assert not _stored(strict, SERVICE, uri)


def test_strict_refuses_what_keptn_ignores(strict: TestClient) -> None:
    """Strict is slogate lint --strict: an unknown key is an error; a clean file is stored."""
    text = (KEPTN / "slo-quality-gates.yaml").read_text()
    refused = strict.post(SERVICE, json=_body("slo.yaml", text.replace("key_sli:", "keySli:")))
    assert refused.status_code == 400
    assert "slo.yaml: objectives[0].keySli: unknown key 'keySli'" in refused.json()["message"]
    assert strict.post(SERVICE, json=_body("slo.yaml", text)).status_code == 201


def _setup(client: TestClient) -> None:
    made = client.post("/api/controlPlane/v1/project", json={"name": "shop", "shipyard": _b64(SHIPYARD)})
    assert made.status_code == 201, made.text
    assert client.post("/api/controlPlane/v1/project/shop/service", json={"serviceName": "carts"}).is_success


def test_problems_are_kept_with_the_file(client: TestClient, context: ServerContext) -> None:
    """On SQLite and PostgreSQL: reading the file back carries its problems (``warnings``) until a clean
    version replaces it or it is deleted; a read at an older revision carries none."""
    _setup(client)
    uri, item = "webhook/webhook.yaml", f"{SERVICE}/webhook%2Fwebhook.yaml"
    broken = client.post(SERVICE, json=_body(uri, (KEPTN / "invalid" / "webhook.yaml").read_text()))
    read = client.get(item).json()
    assert read["warnings"] == broken.json()["warnings"]
    assert "warnings" not in client.get(item, params={"gitCommitID": broken.json()["commitID"]}).json()
    client.post(SERVICE, json=_body("slo.yaml", ""))  # another file's write leaves this one's problems
    assert client.get(item).json()["warnings"] == broken.json()["warnings"]
    client.post(SERVICE, json=_body(uri, (KEPTN / "webhook.yaml").read_text()))
    assert "warnings" not in client.get(item).json()
    client.post(SERVICE, json=_body(uri, (KEPTN / "invalid" / "webhook.yaml").read_text()))
    assert client.delete(item).status_code == 200
    client.post(
        SERVICE, json=_body(uri, b"apiVersion: webhookconfig.keptn.sh/v1beta1\nspec: {webhooks: []}\n")
    )
    assert [w["message"] for w in client.get(item).json()["warnings"]] == [
        "Webhook configuration invalid: missing 'webhooks[]' part"
    ]
    kept = context.resources.project_problems("shop")
    carts = ResourceLevel("shop", "qa", "carts")
    assert [(level, name) for level, name, _ in kept] == [(carts, "slo.yaml"), (carts, uri)]
    assert client.delete("/api/controlPlane/v1/project/shop").status_code == 200
    assert context.resources.project_problems("shop") == []  # a deleted project keeps nothing


def test_problems_survive_a_restart(tmp_path: Path) -> None:
    """Kept in the database: a new server on the same data shows them."""
    uri, item = "slo.yaml", f"{SERVICE}/slo.yaml"
    for client in _client(tmp_path):
        client.post(SERVICE, json=_body(uri, (KEPTN / "invalid" / "slo.yaml").read_text()))
    config = Settings(data_dir=tmp_path / "data", api_token=TOKEN)  # type: ignore[arg-type]
    context = bootstrap.server_context(config)
    try:
        with TestClient(bootstrap.api_app(context)) as client:
            client.headers["x-token"] = TOKEN
            warnings = client.get(item).json()["warnings"]
    finally:
        dispose_engine(context)
        context.close()
    assert [(w["path"], w["severity"]) for w in warnings] == [("objectives[0].key_sli", "error")]


def test_yaml_bombs_are_reported_not_expanded(lenient: TestClient) -> None:
    """A billion-laughs document as each checked kind: stored, one problem each naming the limit."""
    from tests.support.yaml_bombs import billion_laughs

    uris = [uri for _, uri, _, _ in BROKEN]
    body = {"resources": [{"resourceURI": uri, "resourceContent": _b64(billion_laughs())} for uri in uris]}
    answer = lenient.post(SERVICE, json=body)
    assert answer.status_code == 201, answer.text
    warnings = answer.json()["warnings"]
    assert sorted(w["resourceURI"] for w in warnings) == sorted(uris)
    assert all("limit of 250000 nodes" in w["message"] for w in warnings)
