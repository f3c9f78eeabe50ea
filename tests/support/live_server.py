"""A real slogate server on a free 127.0.0.1 port, in a thread of the test process (uvicorn + the real store).

Example::

    with LiveServer(tmp_path) as server:
        httpx.get(server.url + "/health")
        server.backend.values = dict(SLOW)   # what the fake SLI provider answers from now on
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from slogate import bootstrap
from slogate.settings import Settings
from tests.support.delivery import TOKEN, Backend
from tests.support.prometheus import free_port


class LiveServer:
    """Serves the API with the in-process services (engine, lighthouse, built-in executors) running."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.backend = Backend()
        self.token = TOKEN
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = Settings(
            data_dir=data_dir,
            api_token=TOKEN,  # type: ignore[arg-type]
            prometheus_url="http://127.0.0.1:9",
            **settings,
        )
        self.context = bootstrap.server_context(config, provider_factory=self.backend.factory)
        app = bootstrap.server_app(self.context)
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self._thread = threading.Thread(target=self._serve, name="live-server", daemon=True)

    def _serve(self) -> None:
        asyncio.run(self._server.serve())

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self._server.started:
            time.sleep(0.02)
        if not self._server.started:
            raise RuntimeError("the live server did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self.context.close()

    def client(self) -> httpx.Client:
        """An authenticated client of this server."""
        return httpx.Client(base_url=self.url, headers={"x-token": self.token}, timeout=30)
