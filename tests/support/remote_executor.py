"""A remote executor over HTTP, as Keptn's distributor runs one in polling mode (spec §4.6)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

CONTROL_PLANE = "/api/controlPlane/v1"
REGISTRATION = f"{CONTROL_PLANE}/uniform/registration"
PREFIX = "sh.keptn.event."
TASKS = ("deployment", "test", "release", "rollback")


class _RetryLaterError(Exception):
    """The server cannot tell yet (e.g. still starting): try again next round."""


class RemoteExecutor:
    """Registers with the uniform API, sends heartbeats and, in a background thread, polls the open
    ``.triggered`` events of its tasks every ``interval`` seconds; each new trigger gets ``.started``, then
    ``work`` seconds later ``.finished`` (pass, succeeded), through ``POST /api/v1/event``.

    A server that is down (a refused or dropped connection) is retried on the next round. When a request
    may have reached the server before the connection dropped, the datastore is asked whether the answer
    was stored before it is sent again, so a SIGKILL never makes it answer twice.

    An answer the server refuses (4xx) is not sent again; one it fails on (5xx) is retried as above.
    ``answered`` holds the events it sent, ``errors`` what went wrong on the way (a test asserts it is
    empty)."""

    def __init__(
        self,
        url: str,
        token: str,
        tasks: Sequence[str] = TASKS,
        *,
        name: str = "remote-executor",
        interval: float = 0.05,
        heartbeat: float = 1.0,
        work: float = 0.0,
    ) -> None:
        self.name = name
        self.types = tuple(f"{PREFIX}{task}.triggered" for task in tasks)
        self.interval = interval
        self.heartbeat = heartbeat
        self.work = work
        self.integration_id = ""
        self.answered: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._client = httpx.Client(base_url=url, headers={"x-token": token}, timeout=5)
        self._handled: set[str] = set()
        self._started: dict[str, float] = {}  # trigger id → when its .started was stored
        self._uncertain: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._last_ping = 0.0

    # --- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> RemoteExecutor:
        self.register(timeout=15)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        with contextlib.suppress(httpx.TransportError):  # a server that is down lets it expire
            self._client.delete(f"{REGISTRATION}/{self.integration_id}")
        self._client.close()

    def register(self, timeout: float) -> None:
        """``POST /uniform/registration`` with a subscription per task, retried while the server is down."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._register_once()
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} could not register within {timeout} s") from None
                time.sleep(self.interval)

    def _registration(self) -> dict[str, Any]:
        """Keptn's ``Integration``: who runs where, and a subscription per task."""
        return {
            "name": self.name,
            "metadata": {
                "hostname": "127.0.0.1",
                "integrationversion": "0.1.0",
                "distributorversion": "polling",
                "location": "remote",
                "kubernetesmetadata": {"namespace": "", "podname": "", "deploymentname": ""},
            },
            "subscriptions": [{"event": event_type, "filter": {}} for event_type in self.types],
        }

    def _register_once(self) -> None:
        response = self._client.post(REGISTRATION, json=self._registration())
        assert response.status_code in (200, 201), f"registration: {response.status_code} {response.text}"
        self.integration_id = response.json()["id"]
        self._last_ping = time.monotonic()

    # --- the polling loop ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._ping_when_due()
                for event_type in self.types:
                    self._poll(event_type)
            except (httpx.TransportError, _RetryLaterError):
                pass  # the server is down or restarting: try again next round
            except Exception as error:  # a bug here must show in the test, not end the thread silently
                self._note(f"{type(error).__name__}: {error}")
            self._stop.wait(self.interval)

    def _ping_when_due(self) -> None:
        if time.monotonic() - self._last_ping < self.heartbeat:
            return
        response = self._client.put(f"{REGISTRATION}/{self.integration_id}/ping")
        if response.status_code == 404:  # expired or lost: register again, as the distributor does
            self._register_once()
        self._last_ping = time.monotonic()

    def _poll(self, event_type: str) -> None:
        response = self._client.get(f"{CONTROL_PLANE}/event/triggered/{event_type}", params={"pageSize": 100})
        if response.status_code != 200:
            return  # e.g. a server still starting up
        for trigger in response.json()["events"]:
            if trigger["id"] not in self._handled:
                self._answer(trigger)

    def _answer(self, trigger: Mapping[str, Any]) -> None:
        trigger_id = trigger["id"]
        if trigger_id not in self._started:
            if not self._send(trigger, "started", {}):
                self._handled.add(trigger_id)
                return
            self._started[trigger_id] = time.monotonic()
        self._stop.wait(self._started[trigger_id] + self.work - time.monotonic())  # the task's work
        self._send(trigger, "finished", finished_data(trigger))
        self._handled.add(trigger_id)

    def _send(self, trigger: Mapping[str, Any], kind: str, extra: Mapping[str, Any]) -> bool:
        """Send the answer (True), or find it already stored (True), or note a refusal (False); a dropped
        connection or a server error propagates, after marking the answer as perhaps stored."""
        key = (trigger["id"], kind)
        if key in self._uncertain and self._stored(trigger, kind):
            self._uncertain.discard(key)
            return True
        body = answer(trigger, kind, self.name, extra)
        try:
            response = self._client.post("/api/v1/event", json=body)
        except httpx.ConnectError:
            raise  # never reached the server
        except httpx.TransportError:
            self._uncertain.add(key)
            raise
        message = f"{body['type']} for {trigger['id']}: {response.status_code} {response.text}"
        if response.status_code >= 500:  # perhaps stored before it failed: check, then send again
            self._uncertain.add(key)
            self._note(message)
            raise _RetryLaterError(message)
        self._uncertain.discard(key)
        if response.status_code != 200:
            self._note(message)
            return False
        with self._lock:
            self.answered.append(body)
        return True

    def _note(self, error: str) -> None:
        with self._lock:
            self.errors.append(error)

    def _stored(self, trigger: Mapping[str, Any], kind: str) -> bool:
        """Whether the datastore holds this executor's ``kind`` answer to ``trigger``."""
        event_type = trigger["type"].removesuffix("triggered") + kind
        params = {"keptnContext": trigger["shkeptncontext"], "type": event_type, "pageSize": 100}
        response = self._client.get("/api/mongodb-datastore/event", params=params)
        if response.status_code != 200:
            raise _RetryLaterError(f"datastore: {response.status_code}")
        return any(
            event.get("triggeredid") == trigger["id"] and event.get("source") == self.name
            for event in response.json()["events"]
        )


def finished_data(trigger: Mapping[str, Any]) -> dict[str, Any]:
    """Every task passes; a deployment says where it runs."""
    data: dict[str, Any] = {"result": "pass", "status": "succeeded"}
    if trigger["type"] == f"{PREFIX}deployment.triggered":
        stage = trigger["data"].get("stage", "")
        data["deployment"] = {
            "deploymentURIsLocal": [f"http://127.0.0.1:9/{stage}"],
            "deploymentNames": ["direct"],
        }
    return data


def answer(trigger: Mapping[str, Any], kind: str, source: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The ``.started``/``.finished`` CloudEvent answering ``trigger``, as ``POST /api/v1/event`` takes it."""
    given = trigger.get("data") or {}
    data: dict[str, Any] = {key: given[key] for key in ("project", "stage", "service") if key in given}
    if isinstance(given.get("labels"), Mapping):
        data["labels"] = dict(given["labels"])
    data.update(extra)
    body: dict[str, Any] = {
        "type": trigger["type"].removesuffix("triggered") + kind,
        "source": source,
        "specversion": "1.0",
        "shkeptncontext": trigger["shkeptncontext"],
        "triggeredid": trigger["id"],
        "data": data,
    }
    if trigger.get("gitcommitid"):
        body["gitcommitid"] = trigger["gitcommitid"]
    return body
