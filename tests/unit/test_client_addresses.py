"""Who sent a request: the peer, or what a trusted proxy forwarded; never what an untrusted peer claims."""

from __future__ import annotations

import ipaddress

import pytest
from starlette.types import Scope

from slogate.api.clients import client_of, scheme_of

PROXIES = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


def _scope(peer: str | None, *headers: tuple[str, str], scheme: str = "http") -> Scope:
    return {
        "type": "http",
        "scheme": scheme,
        "client": (peer, 1234) if peer else None,
        "headers": [(name.encode(), value.encode()) for name, value in headers],
    }


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.1", ["10.0.0.1"], "192.0.2.1"),  # untrusted peer: the header is ignored
        ("127.0.0.1", [], "127.0.0.1"),  # a trusted peer without the header is the client
        ("127.0.0.1", ["10.0.0.1"], "10.0.0.1"),
        ("127.0.0.1", ["spoofed, 10.0.0.1"], "10.0.0.1"),  # the rightmost untrusted hop
        ("127.0.0.1", ["10.0.0.9", "10.0.0.1, 127.0.0.5"], "10.0.0.1"),  # several header lines
        ("127.0.0.1", ["127.0.0.2, 127.0.0.3"], "127.0.0.2"),  # only proxies: the first
        ("127.0.0.1", [" , "], "127.0.0.1"),
        ("fd00::1", ["2001:db8::7"], "2001:db8::7"),
        ("::ffff:127.0.0.1", ["10.0.0.1"], "::ffff:127.0.0.1"),  # not in an IPv4 network as IPv6
        ("testclient", ["10.0.0.1"], "testclient"),  # not an address: never trusted
        (None, ["10.0.0.1"], "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], client: str) -> None:
    headers = [("X-Forwarded-For", value) for value in forwarded]
    assert client_of(_scope(peer, *headers), PROXIES) == client


@pytest.mark.parametrize(
    ("peer", "proto", "scheme", "expected"),
    [
        ("127.0.0.1", "https", "http", "https"),
        ("192.0.2.1", "https", "http", "http"),  # untrusted: ignored
        ("127.0.0.1", "http, HTTPS", "http", "https"),  # the nearest proxy's value
        ("127.0.0.1", "gopher", "http", "http"),  # nonsense: ignored
        ("192.0.2.1", "http", "https", "https"),  # a direct TLS request stays https
    ],
)
def test_scheme(peer: str, proto: str, scheme: str, expected: str) -> None:
    assert scheme_of(_scope(peer, ("x-forwarded-proto", proto), scheme=scheme), PROXIES) == expected
