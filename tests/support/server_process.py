"""A real ``slogate server`` process for the replica tests and benchmark: its own port, data dir and log,
the shared database and key dir; started, SIGKILLed, stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from slogate.adapters.shared_keys import create_keys
from tests.support.prometheus import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


def shared_key_dir(root: Path) -> Path:
    """The key dir every replica of a test is given (``slogate server keys``; docs/deployment.md)."""
    key_dir = root / "keys"
    create_keys(key_dir)
    return key_dir


class ServerProcess:
    """``slogate server`` named ``name`` under ``root``; ``database_url`` empty: SQLite in its data dir."""

    def __init__(
        self, root: Path, name: str, token: str, database_url: str = "", key_dir: Path | None = None
    ) -> None:
        self.name = name
        self.token = token
        self.data_dir = root / name
        self.log = root / f"{name}.log"
        self.port = free_port()
        self.database_url = database_url
        self.key_dir = key_dir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "SLOGATE_API_TOKEN": self.token, "SLOGATE_REPLICA_NAME": self.name}
        env["SLOGATE_PROMETHEUS_URL"] = "http://127.0.0.1:9"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
        if self.database_url:
            env["SLOGATE_DATABASE_URL"] = self.database_url
        if self.key_dir is not None:
            env["SLOGATE_KEY_DIR"] = str(self.key_dir)
        return env

    def start(self, wait: float = 60.0) -> ServerProcess:
        """Start it and wait for ``/health``; ``RuntimeError`` with the log's end when it does not come up."""
        command = [sys.executable, "-m", "slogate", "server", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--data-dir", str(self.data_dir)],
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.alive():
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Terminate it gracefully if it still runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, timeout: float = 30.0) -> httpx.Client:
        """An HTTP client that sends the API token."""
        return httpx.Client(base_url=self.url, headers={"x-token": self.token}, timeout=timeout)

    def runs(self, listener: str) -> bool:
        """Whether its ``/metrics`` say it holds ``listener``'s lease."""
        try:
            with self.client() as api:
                metrics = api.get("/metrics", timeout=2).text
        except httpx.TransportError:
            return False
        return re.search(rf'slogate_leases_held\{{listener="{listener}"\}} 1\.0', metrics) is not None
