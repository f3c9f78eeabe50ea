"""API bodies are JSON whatever their Content-Type (Keptn decodes them so; ``curl -d`` sends a form
type), bodies that are not JSON are Keptn's 400, and docs/server.md's curl pipeline runs as written."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slogate.api.json_bodies import is_json_type
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[3]
SHIPYARD = (
    "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nmetadata:\n  name: shipyard\n"
    "spec:\n  stages:\n    - name: qa\n"
)
FORM = "application/x-www-form-urlencoded"


def _project(name: str) -> str:
    shipyard = base64.b64encode(SHIPYARD.encode()).decode()
    return f'{{"name": "{name}", "shipyard": "{shipyard}"}}'


@pytest.mark.parametrize("content_type", [FORM, "text/plain", "", "application/octet-stream"])
def test_json_body_with_any_content_type_is_decoded(client: TestClient, content_type: str) -> None:
    """``curl -d '{…}'`` (a form type), text, no type at all: the JSON body is read as Keptn reads it."""
    headers = {"content-type": content_type} if content_type else {}
    answer = client.post("/api/controlPlane/v1/project", content=_project("shop"), headers=headers)
    assert answer.status_code == 201, answer.text
    service = client.post(
        "/api/controlPlane/v1/project/shop/service", content='{"serviceName": "carts"}', headers=headers
    )
    assert service.status_code == 200, service.text
    assert client.get("/api/controlPlane/v1/project/shop").json()["projectName"] == "shop"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("name=shop&shipyard=x", FORM), ("{not json", "application/json"), ("{not json", "text/plain")],
)
def test_a_body_that_is_not_json_is_keptns_400(client: TestClient, body: str, content_type: str) -> None:
    """Not JSON, whatever the header: Keptn's 400 body saying so, nothing created."""
    answer = client.post("/api/controlPlane/v1/project", content=body, headers={"content-type": content_type})
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 400
    assert "the request body is not JSON" in answer.json()["message"]
    assert client.get("/api/controlPlane/v1/project").json()["projects"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"application/json", True),
        (b"Application/JSON; charset=utf-8", True),
        (b"application/cloudevents+json", True),
        (b"application/x-www-form-urlencoded", False),
        (b"text/json", False),
    ],
)
def test_is_json_type(value: bytes, expected: bool) -> None:
    """JSON media types (with parameters, any case, +json suffixes) are left as they are."""
    assert is_json_type(value) is expected


def _server_md_pipeline() -> str:
    text = (ROOT / "docs" / "server.md").read_text()
    section = text.split("## A CI pipeline's quality gate against the server", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return block.group(1)


@pytest.mark.skipif(  # in CI it runs and fails without them: .ci/run installs both
    (shutil.which("curl") is None or shutil.which("jq") is None) and not os.environ.get("CI"),
    reason="needs curl and jq, as the doc does",
)
def test_server_md_curl_pipeline_runs_as_written(tmp_path: Path) -> None:
    """docs/server.md's curl commands, run by bash and curl against a live server: every call answers
    2xx (curl -f) and the trigger answers a keptnContext."""
    script = _server_md_pipeline()
    (tmp_path / "shipyard.yaml").write_text(SHIPYARD)
    (tmp_path / "slo.yaml").write_text((ROOT / "tests/data/keptn/slo-quality-gates.yaml").read_text())
    (tmp_path / "sli.yaml").write_text((ROOT / "tests/data/keptn/sli-config-prometheus.yaml").read_text())
    with LiveServer(tmp_path / "data") as server:
        script = script.replace("http://127.0.0.1:8080", server.url)
        assert server.url in script
        done = subprocess.run(
            ["bash", "-c", f'set -euo pipefail\n{script}\necho "CTX=$CTX"'],
            cwd=tmp_path,
            env={"SLOGATE_API_TOKEN": server.token, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr + done.stdout
    assert re.search(r"CTX=[0-9a-f-]{36}", done.stdout), done.stdout
