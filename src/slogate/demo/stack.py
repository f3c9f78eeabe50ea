"""The demo's processes: a Prometheus and a ``slogate server``, started on free ports and stopped together."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from slogate.adapters.executors.local_deploy import prometheus_scrape_config
from slogate.cli.client import ApiClient
from slogate.cli.connection import Connection
from slogate.errors import ConfigError

from .alerting import alertmanager_argv, prometheus_alerting

NO_PROMETHEUS = (
    "Prometheus is not installed: install Debian's package (`sudo apt-get install -y prometheus`; "
    "`make demo` does it when run as root) or pass --prometheus PATH to a prometheus binary"
)
STOP_SECONDS = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_prometheus(explicit: str | None = None) -> str:
    """The prometheus binary: ``explicit`` (only it, when given), else the one on PATH, else Debian's;
    ``ConfigError`` if none."""
    candidates = [explicit] if explicit else [shutil.which("prometheus"), "/usr/bin/prometheus"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    if explicit:
        raise ConfigError(f"--prometheus {explicit} is not an executable file; {NO_PROMETHEUS}")
    raise ConfigError(NO_PROMETHEUS)


@dataclass
class Service:
    """A started process, the URL it serves and the log its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    log: IO[bytes]

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the process's output."""
        self.log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``STOP_SECONDS``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class DemoStack:
    """Prometheus (scraping what the local executor deploys) and a slogate server in ``workdir``; with an
    ``alertmanager`` binary also a Prometheus Alertmanager that posts Prometheus' alerts (from the rule
    files ``slogate configure monitoring prometheus`` writes) to the server; with ``alerting`` only the
    rules (their alerts are seen in Prometheus' API).

    Example::

        with DemoStack(Path(tmp), find_prometheus()) as stack:
            httpx.get(stack.server.url + "/health")
    """

    def __init__(
        self,
        workdir: Path,
        prometheus_binary: str,
        scrape_interval: str = "1s",
        alertmanager: str | None = None,
        *,
        alerting: bool = False,
    ) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "slogate"
        self.token = secrets.token_urlsafe(32)
        self._binary = prometheus_binary
        self._interval = scrape_interval
        self._alertmanager = alertmanager
        self._alerting = alerting or alertmanager is not None
        self._server_port, self._alertmanager_port = free_port(), free_port()
        self._services: list[Service] = []

    @property
    def prometheus(self) -> Service:
        """The Prometheus process."""
        return self._services[0]

    @property
    def server(self) -> Service:
        """The slogate server process."""
        return self._services[1]

    @property
    def alertmanager(self) -> Service | None:
        """The Alertmanager process, when the stack has one."""
        return self._services[2] if len(self._services) > 2 else None

    @property
    def rules_dir(self) -> Path:
        """Where Prometheus reads alerting rules (``configure monitoring``'s default place for them)."""
        return self.data_dir / "prometheus" / "rules"

    def reload_prometheus(self) -> None:
        """Make Prometheus read its rule files again (SIGHUP), as after ``configure monitoring``."""
        self.prometheus.process.send_signal(signal.SIGHUP)

    def api(self) -> ApiClient:
        """A client of the server's API, as the CLI has after ``slogate auth``."""
        return ApiClient(Connection(self.server.url, self.token))

    def __enter__(self) -> DemoStack:
        try:
            self._services.append(self._start_prometheus())
            self._services.append(self._start_server())
            if self._alertmanager is not None:
                self._services.append(self._start_alertmanager(self._alertmanager))
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server first (it stops what it deployed), then Prometheus."""
        for service in reversed(self._services):
            service.stop()
        self._services.clear()

    def await_scraping(self, jobs: set[str], timeout: float = 30.0) -> None:
        """Wait until Prometheus scrapes each of ``jobs`` (it acts on a discovery file within ~5 s);
        ``ConfigError`` when it does not within ``timeout`` seconds. A Prometheus that does not answer is
        not waited for: the evaluations will say it is down."""
        deadline = time.monotonic() + timeout
        watched: set[str] = set()
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    answer = client.get(self.prometheus.url + "/api/v1/targets", params={"state": "active"})
                except httpx.TransportError:
                    return
                targets = answer.json().get("data", {}).get("activeTargets", [])
                watched = {str(target.get("labels", {}).get("job")) for target in targets}
                if jobs <= watched:
                    return
                time.sleep(0.2)
        missing = ", ".join(sorted(jobs - watched))
        raise ConfigError(
            f"Prometheus did not pick up the scrape targets {missing} within {timeout:g} s; "
            f"see {self.prometheus.log_path}"
        )

    def _start_prometheus(self) -> Service:
        directory = self.workdir / "prometheus"
        targets = self.data_dir / "prometheus" / "targets"
        targets.mkdir(parents=True, exist_ok=True)
        scrape = prometheus_scrape_config(targets, self._interval)
        config: dict[str, object] = {
            "global": {"scrape_interval": self._interval},
            "scrape_configs": [scrape],
        }
        if self._alerting:
            self.rules_dir.mkdir(parents=True, exist_ok=True)
            config["global"] = {"scrape_interval": self._interval, "evaluation_interval": self._interval}
            port = self._alertmanager_port if self._alertmanager is not None else None
            config.update(prometheus_alerting(self.rules_dir, port))
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "prometheus.yml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
        port = free_port()
        argv = [
            self._binary,
            f"--config.file={directory / 'prometheus.yml'}",
            f"--storage.tsdb.path={directory / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        return self._start("Prometheus", argv, f"http://127.0.0.1:{port}", "/-/ready", {}, directory)

    def _start_alertmanager(self, binary: str) -> Service:
        directory, port = self.workdir / "alertmanager", self._alertmanager_port
        argv = alertmanager_argv(binary, directory, port, self.server.url, self.token)
        return self._start("Alertmanager", argv, f"http://127.0.0.1:{port}", "/-/ready", {}, directory)

    def _start_server(self) -> Service:
        port = self._server_port
        argv = [
            sys.executable,
            "-m",
            "slogate",
            "server",
            "--port",
            str(port),
            "--data-dir",
            str(self.data_dir),
        ]
        env = {"SLOGATE_API_TOKEN": self.token, "SLOGATE_PROMETHEUS_URL": self.prometheus.url}
        return self._start("slogate server", argv, f"http://127.0.0.1:{port}", "/health", env, self.workdir)

    def _start(
        self, name: str, argv: list[str], url: str, ready: str, env: dict[str, str], directory: Path
    ) -> Service:
        log_path = directory / f"{name.split()[-1].lower()}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(  # its own session: Ctrl-C reaches the demo, which stops it in order
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        service = Service(name, process, url, log_path, log)
        if not _ready(service, url + ready):
            tail = service.log_tail()
            service.stop()
            raise ConfigError(f"{name} did not start; the end of its log ({log_path}):\n{tail}")
        return service


def _ready(service: Service, url: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline and service.process.poll() is None:
            try:
                if client.get(url).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    return False
