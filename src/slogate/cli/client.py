"""The CLI's HTTP client of the server: the token on every call, Keptn's error bodies as one-line errors."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from slogate.cli.connection import Connection, load
from slogate.cli.output import debug_enabled
from slogate.errors import ConfigError, ConflictError, InputError, NotFoundError, SlogateError

if TYPE_CHECKING:  # httpx and the settings load when a command talks to a server, not at start-up
    import httpx

    from slogate.settings import Settings

TIMEOUT_SECONDS = 30.0
_SCOPED_TOKEN = re.compile(r"slg_[A-Za-z0-9_-]+")
_ERRORS: dict[int, type[SlogateError]] = {400: InputError, 404: NotFoundError, 409: ConflictError}


class ApiClient:
    """Calls of one server's REST API; every failure is a ``SlogateError`` naming the problem and the fix.

    Example::

        with ApiClient(Connection("http://127.0.0.1:8080", token)) as api:
            projects = api.get("/api/controlPlane/v1/project")
    """

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: float = TIMEOUT_SECONDS,
        debug: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        self.endpoint = connection.endpoint
        self._debug = debug
        self._client = httpx.Client(
            base_url=connection.endpoint,
            headers={"x-token": connection.token, "user-agent": "slogate-cli"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path``; the JSON answer."""
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any = None, expected: tuple[int, ...] = (200, 201)) -> Any:
        """POST ``body`` as JSON; the JSON answer (None when empty)."""
        return self.call("POST", path, body=body, expected=expected)

    def put(self, path: str, body: Any = None) -> Any:
        """PUT ``body`` as JSON; the JSON answer (None when empty)."""
        return self.call("PUT", path, body=body)

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """DELETE ``path``; the JSON answer (None when empty)."""
        return self.call("DELETE", path, params=params)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        expected: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        """One request; ``SlogateError`` when the server cannot be reached or answers an error."""
        import httpx

        request = self._client.build_request(
            method, path, params=dict(params) if params else None, json=body if body is not None else None
        )
        self._show_request(request)
        try:
            response = self._client.send(request)
        except httpx.TimeoutException:
            raise ConfigError(
                f"{self.endpoint} did not answer {method} {path} within {self._client.timeout.read} s; "
                "check that the server runs"
            ) from None
        except httpx.TransportError as error:
            raise ConfigError(
                f"cannot reach slogate at {self.endpoint} ({type(error).__name__}: {error}); check that the "
                "server runs and the endpoint (`slogate auth --endpoint URL`, or SLOGATE_ENDPOINT)"
            ) from None
        self._show_response(response)
        if response.status_code not in expected:
            raise _error(response, self.endpoint)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise SlogateError(
                f"{self.endpoint} answered {method} {path} with something that is not JSON: is it a slogate "
                "server?"
            ) from None

    def _show_request(self, request: httpx.Request) -> None:
        if not self._debug:
            return
        print(f"> {request.method} {request.url}", file=sys.stderr)
        for name, value in request.headers.items():
            print(f"> {name}: {'***' if name.lower() == 'x-token' else value}", file=sys.stderr)
        if request.content:
            print(f"> {request.content.decode('utf-8', 'replace')}", file=sys.stderr)

    def _show_response(self, response: httpx.Response) -> None:
        if self._debug:
            print(f"< {response.status_code} {response.reason_phrase}", file=sys.stderr)
            shown = _SCOPED_TOKEN.sub("slg_***", response.text[:4000])  # a new token: never in the debug log
            print(f"< {shown}", file=sys.stderr)


def _error(response: httpx.Response, endpoint: str) -> SlogateError:
    """The one-line error for an answer that is not a success."""
    message = _message(response)
    if response.status_code == 401:
        return ConfigError(
            f"the server at {endpoint} refused the API token ({message or 'unauthorized'}): run "
            "`slogate auth --endpoint URL --api-token TOKEN` with the token the server printed"
        )
    if response.status_code == 429:
        return ConfigError(f"{endpoint}: too many failed token checks; wait a moment ({message})")
    kind = _ERRORS.get(response.status_code)
    if kind is not None:
        return kind(message or f"HTTP {response.status_code}")
    return SlogateError(
        f"{endpoint} answered HTTP {response.status_code}: {message or response.reason_phrase}"
    )


def _message(response: httpx.Response) -> str:
    """Keptn's error body ``{"code", "message"}``'s message, else the text."""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return " ".join(response.text.split())[:300]
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return " ".join(str(body["message"]).split())  # one line, as every CLI error
    return " ".join(response.text.split())[:300]


def connect(settings: Settings | None = None) -> ApiClient:
    """A client of the server ``slogate auth`` stored (or ``SLOGATE_ENDPOINT``/``SLOGATE_API_TOKEN``)."""
    from slogate.settings import load_settings

    chosen = settings or load_settings()
    return ApiClient(load(chosen), debug=debug_enabled())
