"""The server with a vendor provider, as a platform team sets it up: the vendor's ``sli.yaml`` and an
SLO uploaded, Keptn's secret for the vendor, ``slogate configure monitoring <vendor>``, then
evaluations through the API: pass, a regression that fails, a build compared with the first; a
wrong key ends the evaluation errored, naming the vendor; a server killed while it waits for the
vendor's data to settle finishes the evaluation after its restart."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_remote_sli_provider import NO_PROMETHEUS, configure_monitoring
from tests.e2e.test_server import (
    END,
    SERVICE_PATH,
    Server,
    evaluate,
    launch,  # noqa: F401  (the fixture)
    onboard,
    wait_for_verdict,
)
from tests.support.vendor_fakes import SLO, VENDORS, Vendor

pytestmark = pytest.mark.slow
SCOPES = {"dynatrace": "dynatrace-service", "datadog": "datadog-service", "sumologic": "sumologic-service"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def set_up(api: httpx.Client, server: Server, vendor: Vendor, secret: dict[str, str], tmp_path: Path) -> None:
    """Onboard the tour's project, replace its SLO, add the vendor's sli.yaml and secret, select it."""
    onboard(api)
    sli = f"spec_version: '1.0'\nindicators:\n  latency: '{vendor.sli.replace('$SERVICE', 'cart')}'\n"
    files = [
        (
            f"/api/resource-service/v1{SERVICE_PATH.removeprefix('/api/controlPlane/v1')}/resource",
            "slo.yaml",
            SLO,
        ),
        ("/api/resource-service/v1/project/fulltour/resource", f"{vendor.name}/sli.yaml", sli),
    ]
    for path, uri, text in files:
        answer = api.put(path, json={"resources": [{"resourceURI": uri, "resourceContent": _b64(text)}]})
        assert answer.status_code in (200, 201), answer.text
    body = {"name": vendor.name, "scope": SCOPES[vendor.name], "data": secret}
    assert api.post("/api/secrets/v1/secret", json=body).status_code == 201
    said = configure_monitoring(server, vendor.name, tmp_path)
    assert vendor.name in said


def _value(verdict: dict[str, Any]) -> dict[str, Any]:
    (result,) = verdict["data"]["evaluation"]["indicatorResults"]
    value: dict[str, Any] = result["value"]
    return value


def test_evaluations_through_the_server_read_the_vendor(
    launch: Callable[[str], Server],  # noqa: F811
    vendor: Vendor,
    fake: Any,
    tmp_path: Path,
) -> None:
    server = launch(NO_PROMETHEUS)
    with server.client() as api:
        set_up(api, server, vendor, vendor.secret(fake), tmp_path)
        vendor.put(fake, 80.0)
        first = wait_for_verdict(api, evaluate(api, END - 900), timeout=60)
        vendor.put(fake, 150.0)
        second = wait_for_verdict(api, evaluate(api, END - 600), timeout=60)
        vendor.put(fake, 84.0)
        third = wait_for_verdict(api, evaluate(api, END - 300), timeout=60)
    assert first["data"]["result"] == "pass", first["data"]
    assert _value(first)["value"] == 80.0
    assert second["data"]["result"] == "fail", second["data"]
    assert third["data"]["result"] == "pass", third["data"]
    assert _value(third)["comparedValue"] == 80.0
    assert third["data"]["evaluation"]["comparedEvents"] == [first["id"]]


def test_a_refused_key_errors_the_evaluation_naming_the_vendor(
    launch: Callable[[str], Server],  # noqa: F811
    vendor: Vendor,
    fake: Any,
    tmp_path: Path,
) -> None:
    server = launch(NO_PROMETHEUS)
    secret = vendor.secret(fake)
    wrong = {key: "wrong-key-123" for key in secret if "KEY" in key or "TOKEN" in key}
    with server.client() as api:
        set_up(api, server, vendor, {**secret, **wrong}, tmp_path)
        vendor.put(fake, 80.0)
        verdict = wait_for_verdict(api, evaluate(api, END - 900), timeout=60)
    assert (verdict["data"]["status"], verdict["data"]["result"]) == ("errored", "fail"), verdict["data"]
    assert "refused the credentials: HTTP 40" in verdict["data"]["message"]
    assert "wrong-key-123" not in verdict["data"]["message"]


def test_a_server_killed_while_data_settles_finishes_the_evaluation_after_restart(
    launch: Callable[[str], Server],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window has just ended, so the SLI service waits for Datadog's data to settle; SIGKILL then
    (the .started is stored, no .finished): the restarted server measures again and the verdict comes."""
    monkeypatch.setenv("SLOGATE_DATADOG_SETTLE", "8")
    datadog = next(vendor for vendor in VENDORS if vendor.name == "datadog")
    with datadog.start() as fake:
        datadog.put(fake, 80.0)
        server = launch(NO_PROMETHEUS)
        with server.client() as api:
            set_up(api, server, datadog, datadog.secret(fake), tmp_path)
            context = evaluate(api, time.time())
            wait_for_verdict(api, context, timeout=30, kind="sh.keptn.event.get-sli.started")
        server.kill()
        with launch(NO_PROMETHEUS).client() as api:
            verdict = wait_for_verdict(api, context, timeout=60)
            answers = api.get(
                "/api/mongodb-datastore/event",
                params={"keptnContext": context, "type": "sh.keptn.event.get-sli.finished"},
            ).json()["events"]
    assert verdict["data"]["result"] == "pass", verdict["data"]
    assert _value(verdict)["value"] == 80.0
    assert len(answers) == 1  # measured once more, answered once
