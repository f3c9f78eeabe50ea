"""Shared pieces of the local and job executor tests: events, a task context, free ports, a tiny service."""

from __future__ import annotations

import socket
import textwrap
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.ports.executors import ExecutorEnvironment

IMAGE = "ghcr.io/example/hello:{version}"

SERVICE = textwrap.dedent(
    """
    import argparse, json, os, signal, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--version", default="")
    args = parser.parse_args()
    if os.environ.get("PID_LOG"):
        with open(os.environ["PID_LOG"], "a") as log:
            log.write(f"{os.getpid()}\\n")
    print(f"starting {args.version} on {args.port}", file=sys.stderr, flush=True)
    if os.environ.get("CRASH_AT_START") == "1":
        print("boom: crashing at start as asked", file=sys.stderr, flush=True)
        sys.exit(3)
    if os.environ.get("IGNORE_TERM") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    healthy = os.environ.get("NEVER_HEALTHY") != "1"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status = 200 if healthy or self.path != "/health" else 503
            body = json.dumps(
                {"version": args.version, "pid": os.getpid(), "greeting": os.environ.get("GREETING", "")}
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    """
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as gone: it no longer runs anything)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def gone(pid: int, within: float = 2.0) -> bool:
    """Whether ``pid`` stops running within ``within`` seconds (a signal takes effect asynchronously)."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def pids_in(path: Path) -> list[int]:
    """The pids a test process wrote into ``path``, one a line."""
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def event(task: str, version: str = "v1", stage: str = "qa", **data: Any) -> KeptnEvent:
    """A ``<task>.triggered`` event for service hello of project demo carrying image version ``version``."""
    payload: dict[str, Any] = {"project": "demo", "stage": stage, "service": "hello"}
    if version:
        payload["configurationChange"] = {"values": {"image": IMAGE.format(version=version)}}
    payload["deployment"] = {"deploymentstrategy": "direct"}
    payload.update(data)
    return KeptnEvent(
        id=f"{task}-{version}-{stage}",
        type=f"sh.keptn.event.{task}.triggered",
        source="test",
        time=datetime.now(UTC),
        shkeptncontext="ctx-1",
        data=payload,
        gitcommitid="abc123",
    )


@dataclass
class Context:
    """A task context serving resources from a dict."""

    resources: dict[str, str] = field(default_factory=dict)

    def resource(self, uri: str) -> str | None:
        return self.resources.get(uri)

    def secret(self, name: str) -> Mapping[str, str] | None:
        return None


@pytest.fixture
def environment(tmp_path: Path) -> ExecutorEnvironment:
    """An executor environment whose data directory is a fresh temporary one, with the real clock."""
    return ExecutorEnvironment(data_dir=tmp_path / "data", now=lambda: datetime.now(UTC))


@pytest.fixture
def service_script(tmp_path: Path) -> Path:
    """A tiny HTTP service (stdlib): ``/health``, and JSON with its version, pid and $GREETING."""
    path = tmp_path / "service.py"
    path.write_text(SERVICE)
    return path
