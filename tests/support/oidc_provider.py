"""A real OpenID provider for the Bridge's tests: npm's oidc-provider run by Debian's nodejs on 127.0.0.1.

``make oidc-provider`` installs the package (tests/support/oidc/package.json, locked) into
``build/oidc-provider``; tests/support/oidc/provider.mjs configures it from one JSON argument: one
client (PKCE required), fixed users with their groups, logins through its devInteractions form.
Tests that use it carry :data:`needs_oidc_provider`: they skip where node or the package is missing,
except in CI (``CI`` set), where they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import pytest

from tests.support.prometheus import free_port

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "build" / "oidc-provider" / "node_modules"
SCRIPT = ROOT / "tests" / "support" / "oidc" / "provider.mjs"
NODE = shutil.which("node") or "/usr/bin/node"
MISSING_REASON = "the OpenID tests need nodejs (apt-get install nodejs npm) and `make oidc-provider`"
MISSING = not Path(NODE).exists() or not (MODULES / "oidc-provider" / "package.json").exists()
needs_oidc_provider = pytest.mark.skipif(MISSING and not os.environ.get("CI"), reason=MISSING_REASON)


@dataclass(frozen=True)
class Client:
    """The client registered at the provider."""

    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str


class OpenIdProvider:
    """oidc-provider on ``port`` (a free one by default) with ``client`` and ``users`` (account id →
    claims)."""

    def __init__(self, client: Client, users: dict[str, dict[str, Any]], log: Path, port: int = 0) -> None:
        if MISSING:
            pytest.fail(MISSING_REASON, pytrace=False)
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client = client
        self._config = {
            "port": self.port,
            "modules": str(MODULES),
            "clients": [
                {
                    "client_id": client.client_id,
                    "client_secret": client.client_secret,
                    "redirect_uris": [client.redirect_uri],
                    "post_logout_redirect_uris": [client.post_logout_redirect_uri],
                }
            ],
            "users": users,
        }
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OpenIdProvider:
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [NODE, str(SCRIPT), json.dumps(self._config)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"oidc-provider stopped: {self._log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError(f"oidc-provider did not start: {self._log.read_text(errors='replace')}")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
