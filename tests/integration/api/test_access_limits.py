"""The failed-token limiter slows attackers only: the right token always passes, clients are told apart
by their real address (X-Forwarded-For only from declared proxies), one's success erases no failures."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from slogate import bootstrap
from slogate.api.context import ServerContext
from slogate.cli import server as server_cli
from slogate.errors import ConfigError
from slogate.settings import Settings, load_settings
from tests.support.prometheus import free_port

from .conftest import TOKEN

EVENT = {
    "type": "sh.keptn.event.dev.delivery.triggered",
    "source": "test",
    "data": {"project": "p", "stage": "dev", "service": "s"},
}


@pytest.fixture
def peer(context: ServerContext) -> Iterator[Callable[..., TestClient]]:
    """Clients of one app whose TCP peer is ``address``; the app trusts ``proxies`` (a setting value)."""
    clients: list[TestClient] = []
    apps: dict[str, object] = {}

    def make(address: str = "127.0.0.1", token: str = TOKEN, proxies: str = "") -> TestClient:
        if proxies not in apps:
            settings = context.settings.model_copy(update={"trusted_proxies": proxies})
            apps[proxies] = bootstrap.api_app(dataclasses.replace(context, settings=settings))
        client = TestClient(apps[proxies], client=(address, 40000))  # type: ignore[arg-type]
        client.headers["x-token"] = token
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize("path", ["/api/v1/metadata", "/api/v1/event"])
def test_a_legitimate_client_next_to_an_attacker_is_never_refused(
    peer: Callable[..., TestClient], path: str
) -> None:
    """Attacker at 5 tries per round, the legitimate client at 1, from the same address: the attacker
    is throttled (and stays so after the other's successes), the right token is never refused."""
    attacker, legitimate = peer(token="wrong"), peer()
    attacker_codes, legitimate_codes = [], []
    for _ in range(10):
        for _ in range(5):
            attacker_codes.append(_call(attacker, path))
        legitimate_codes.append(_call(legitimate, path))
    assert legitimate_codes == [200] * 10
    assert attacker_codes[:2] == [401, 401]
    assert set(attacker_codes[2:]) == {429}


def _call(client: TestClient, path: str) -> int:
    if path == "/api/v1/event":
        return client.post(path, content=json.dumps(EVENT)).status_code
    return client.get(path).status_code


def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_bypass(
    peer: Callable[..., TestClient],
) -> None:
    """Without SLOGATE_TRUSTED_PROXIES the header is ignored, even from loopback."""
    attacker = peer(token="wrong")
    codes = [
        attacker.get("/api/v1/metadata", headers={"x-forwarded-for": f"10.0.0.{n}"}).status_code
        for n in range(6)
    ]
    assert codes == [401, 401, 429, 429, 429, 429]


def test_a_trusted_proxy_forwards_the_client_address(peer: Callable[..., TestClient]) -> None:
    """Behind a declared proxy each forwarded client has its own bucket, and the part of the header a
    client writes itself (left of what the proxy appended) cannot pick the bucket."""
    proxy = peer(token="wrong", proxies="127.0.0.0/8, ::1")
    first = {"x-forwarded-for": "10.0.0.1"}
    assert [proxy.get("/api/v1/metadata", headers=first).status_code for _ in range(3)] == [401, 401, 429]
    second = {"x-forwarded-for": "10.0.0.2"}
    assert proxy.get("/api/v1/metadata", headers=second).status_code == 401
    spoofed = {"x-forwarded-for": "192.0.2.77, 10.0.0.1"}
    assert proxy.get("/api/v1/metadata", headers=spoofed).status_code == 429


def test_an_untrusted_peer_is_its_own_client_next_to_a_trusted_proxy(
    peer: Callable[..., TestClient],
) -> None:
    """A peer outside the trusted networks is keyed by its own address, whatever it forwards."""
    outsider = peer(address="192.0.2.9", token="wrong", proxies="127.0.0.1")
    for n in range(3):
        last = outsider.get("/api/v1/metadata", headers={"x-forwarded-for": f"10.1.0.{n}"})
    assert last.status_code == 429
    assert (
        peer(address="192.0.2.10", token="wrong", proxies="127.0.0.1").get("/api/v1/metadata").status_code
        == 401
    )


def test_uvicorn_does_not_let_loopback_peers_pick_their_address(tmp_path: Path) -> None:
    """Served as ``slogate server`` serves it, a loopback client rotating X-Forwarded-For is still
    one client (uvicorn's own proxy handling would believe any loopback peer)."""
    settings = Settings(data_dir=tmp_path, api_token=TOKEN, port=free_port())  # type: ignore[arg-type]
    context = bootstrap.server_context(settings)
    server = uvicorn.Server(server_cli.uvicorn_config(bootstrap.api_app(context), settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started and thread.is_alive():
            time.sleep(0.02)
        url = f"http://127.0.0.1:{settings.port}/api/v1/metadata"
        codes = [
            httpx.get(url, headers={"x-token": "wrong", "x-forwarded-for": f"10.0.0.{n}"}).status_code
            for n in range(4)
        ]
        assert codes == [401, 401, 429, 429]
        assert httpx.get(url, headers={"x-token": TOKEN}).status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        context.close()


@pytest.mark.parametrize(("token", "warned"), [("", False), ("short-token", True), ("x" * 32, False)])
def test_a_short_configured_token_is_warned_about(token: str, warned: bool) -> None:
    """The server warns at start when SLOGATE_API_TOKEN has fewer than 32 characters."""
    settings = Settings(api_token=token)  # type: ignore[arg-type]
    assert server_cli.short_token_warning(settings) is warned


def test_an_invalid_trusted_proxy_is_named() -> None:
    """SLOGATE_TRUSTED_PROXIES with a value that is no address or network: a ConfigError naming it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLOGATE_TRUSTED_PROXIES", "127.0.0.1, proxy.example")
        with pytest.raises(ConfigError, match=r"SLOGATE_TRUSTED_PROXIES: .*'proxy.example' is not an IP"):
            load_settings()
