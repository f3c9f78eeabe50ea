"""The Bridge in-process for tests: a server context, the API and a logged-in Bridge client.

Example::

    with bridge_client(tmp_path) as bridge:
        bridge.web.get("/bridge/project/fulltour/service")
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.server_context import ServerContext
from slogate.settings import Settings
from tests.support.delivery import TOKEN, Backend
from tests.support.executors import ScriptedExecutor


@dataclass
class Bridge:
    """The context, the API (with the token), the Bridge (logged in) and its CSRF token."""

    context: ServerContext
    api: TestClient
    web: TestClient
    csrf: str


@contextmanager
def bridge_client(data_dir: Path) -> Iterator[Bridge]:
    """A logged-in Bridge over a fresh server context in ``data_dir`` (a scripted executor runs tasks)."""
    config = Settings(data_dir=data_dir, api_token=TOKEN, prometheus_url="http://127.0.0.1:9")  # type: ignore[arg-type]
    context = bootstrap.server_context(config, Backend().factory)
    context.dispatcher.subscribe(ScriptedExecutor())
    api = TestClient(bootstrap.server_app(context))
    web = TestClient(bootstrap.server_app(context))
    api.headers["x-token"] = TOKEN
    try:
        assert web.post("/bridge/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303
        token = re.search(r'name="csrf" value="([^"]+)"', web.get("/bridge/").text)
        assert token is not None
        yield Bridge(context, api, web, token.group(1))
    finally:
        api.close()
        web.close()
        context.close()
