"""The few calls of slogate's Keptn-compatible REST API that the demo makes, over httpx."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx

from slogate.errors import SlogateError

CONTROL_PLANE = "/api/controlPlane/v1"
RESOURCES = "/api/resource-service/v1"


class ApiError(SlogateError):
    """The server refused a call; the message has the call and the server's answer."""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


class DemoApi:
    """A keep-alive client of one server, authenticated with its API token."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self._client = httpx.Client(base_url=url, headers={"x-token": token}, timeout=timeout)

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def _call(self, method: str, path: str, expected: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        response = self._client.request(method, path, **kwargs)
        if response.status_code not in expected:
            raise ApiError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def create_project(self, name: str, shipyard: str) -> None:
        """``keptn create project NAME --shipyard FILE``."""
        body = {"name": name, "shipyard": _b64(shipyard)}
        self._call("POST", f"{CONTROL_PLANE}/project", (201,), json=body)

    def create_service(self, project: str, service: str) -> None:
        """``keptn create service SERVICE --project PROJECT`` (in every stage)."""
        self._call("POST", f"{CONTROL_PLANE}/project/{project}/service", json={"serviceName": service})

    def add_resource(self, project: str, uri: str, text: str, stage: str = "", service: str = "") -> None:
        """``keptn add-resource``: ``uri`` at the project level, or a stage's, or a service's in a stage."""
        path = f"{RESOURCES}/project/{project}"
        if stage:
            path += f"/stage/{stage}" + (f"/service/{service}" if service else "")
        body = {"resources": [{"resourceURI": uri, "resourceContent": _b64(text)}]}
        self._call("POST", f"{path}/resource", (201,), json=body)

    def trigger_delivery(
        self, project: str, stage: str, service: str, image: str, labels: Mapping[str, str]
    ) -> str:
        """``keptn trigger delivery``: the Keptn context of the new delivery."""
        event = {
            "type": f"sh.keptn.event.{stage}.delivery.triggered",
            "source": "slogate-demo",
            "specversion": "1.0",
            "data": {
                "project": project,
                "stage": stage,
                "service": service,
                "configurationChange": {"values": {"image": image}},
                "labels": dict(labels),
            },
        }
        answer = self._call("POST", "/api/v1/event", json=event)
        return str(answer["keptnContext"])

    def events(self, keptn_context: str) -> list[dict[str, Any]]:
        """Every event of a Keptn context, oldest first."""
        params = {"keptnContext": keptn_context, "pageSize": 100}
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("GET", "/api/mongodb-datastore/event", params=params)
            found.extend(page["events"])
            if not page.get("nextPageKey") or page["nextPageKey"] == "0":
                break
            params["nextPageKey"] = page["nextPageKey"]
        return sorted(found, key=lambda event: event["time"])

    def sequence_state(self, project: str, keptn_context: str) -> dict[str, Any] | None:
        """Keptn's state of the sequences of one context, or None before the first one started."""
        page = self._call(
            "GET", f"{CONTROL_PLANE}/sequence/{project}", params={"keptnContext": keptn_context}
        )
        states = page.get("states") or []
        return dict(states[0]) if states else None

    def deployed_image(self, project: str, stage: str, service: str) -> str:
        """What the catalog says runs in ``stage`` ("" before the first deployment)."""
        found = self._call("GET", f"{CONTROL_PLANE}/project/{project}/stage/{stage}/service/{service}")
        return str(found.get("deployedImage") or "")
