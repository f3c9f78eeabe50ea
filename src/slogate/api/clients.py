"""Who sent a request: the real peer, or the client a declared trusted proxy forwarded (X-Forwarded-*)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == network.version and ip in network for network in proxies)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers") or () if key.lower() == name]
    if not values:
        return None
    return ",".join(value.decode("latin-1") for value in values)


def peer_of(scope: Scope) -> str:
    """The address of the TCP peer (``unknown`` when the server does not say)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def client_of(scope: Scope, proxies: Sequence[Network]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the rightmost address of
    X-Forwarded-For that is not a trusted proxy itself (the left part of the header is the client's to
    write, so only what trusted proxies appended is believed)."""
    peer = peer_of(scope)
    forwarded = _header(scope, b"x-forwarded-for")
    if forwarded is None or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def scheme_of(scope: Scope, proxies: Sequence[Network]) -> str:
    """``https`` or ``http``: as the request came in, or as X-Forwarded-Proto says from a trusted proxy."""
    forwarded = _header(scope, b"x-forwarded-proto")
    if forwarded is not None and _trusted(peer_of(scope), proxies):
        value = forwarded.split(",")[-1].strip().lower()
        if value in ("http", "https"):
            return value
    return str(scope.get("scheme", "http"))
