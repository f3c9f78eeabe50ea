"""Without Alertmanager: the demo posts Prometheus' firing and resolved alerts to slogate itself."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from typing import Any

import httpx

SEVERITY = "webhook"  # the label of the rules ``configure monitoring`` writes


def fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex-digit fingerprint of an alert's labels (Alertmanager's is a hash of them too)."""
    text = "\x00".join(f"{key}\x00{labels[key]}" for key in sorted(labels))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def webhook_payload(alerts: list[dict[str, Any]], prometheus_url: str) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for ``alerts`` (each with status, labels, annotations,
    startsAt, endsAt)."""
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "version": "4",
        "groupKey": "{}:{}",
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "slogate",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": prometheus_url,
        "alerts": [
            {
                **alert,
                "generatorURL": f"{prometheus_url}/alerts",
                "fingerprint": fingerprint(alert["labels"]),
            }
            for alert in alerts
        ],
    }


class AlertRelay:
    """Polls Prometheus' firing alerts every second (a background thread) and posts each new firing
    alert, and each that stopped firing as resolved, to slogate's ``/api/v1/alertmanager``."""

    def __init__(self, prometheus_url: str, server_url: str, token: str, interval: float = 1.0) -> None:
        self._prometheus, self._server, self._token = prometheus_url, server_url, token
        self._interval, self._stop = interval, threading.Event()
        self._firing: dict[str, dict[str, Any]] = {}  # fingerprint → the alert as posted
        self._thread = threading.Thread(target=self._run, name="alert-relay", daemon=True)
        self.posted: list[dict[str, Any]] = []  # the bodies posted, for people and tests

    @property
    def running(self) -> bool:
        """Whether the polling thread runs."""
        return self._thread.is_alive()

    def __enter__(self) -> AlertRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._stop.wait(self._interval):
                try:
                    self.step(client)
                except (httpx.HTTPError, ValueError, KeyError, TypeError):
                    continue  # Prometheus or slogate busy or restarting: the next poll tries again

    def step(self, client: httpx.Client) -> None:
        """One poll: post what started firing and what resolved since the last one."""
        answer = client.get(self._prometheus + "/api/v1/alerts").json()
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        seen: dict[str, dict[str, Any]] = {}
        for alert in answer["data"]["alerts"]:
            labels = {str(k): str(v) for k, v in (alert.get("labels") or {}).items()}
            if alert.get("state") != "firing" or labels.get("severity") != SEVERITY:
                continue
            annotations = {str(k): str(v) for k, v in (alert.get("annotations") or {}).items()}
            found = {"status": "firing", "labels": labels, "annotations": annotations}
            found |= {"startsAt": str(alert.get("activeAt") or now), "endsAt": "0001-01-01T00:00:00Z"}
            seen[fingerprint(labels)] = found
        news = [alert for key, alert in seen.items() if key not in self._firing]
        gone = [
            {**alert, "status": "resolved", "endsAt": now}
            for key, alert in self._firing.items()
            if key not in seen
        ]
        if news or gone:
            body = webhook_payload([*news, *gone], self._prometheus)
            headers = {"Authorization": f"Bearer {self._token}"}
            client.post(self._server + "/api/v1/alertmanager", json=body, headers=headers).raise_for_status()
            self.posted.append(body)
        self._firing = seen
