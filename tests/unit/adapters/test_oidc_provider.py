"""The OpenID adapter against a fake issuer: a good ID token logs in; a wrong audience, an expired token,
another nonce or issuer, a foreign signature or an unsigned token are refused with a clear reason."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from slogate.adapters.oidc_provider import HttpOpenIdProvider, OidcConfig
from slogate.ports.oidc import OidcLoginError

ISSUER = "https://id.example.test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


class FakeIssuer:
    """Discovery, JWKS, token and userinfo endpoints; ``claims`` go into the next ID token."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.key = KEY
        self.header: dict[str, Any] = {"alg": "RS256", "kid": "k1"}
        self.userinfo: dict[str, Any] = {}
        self.token_error: tuple[int, dict[str, Any]] | None = None
        self.requests: list[httpx.Request] = []
        self.document = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/auth",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "userinfo_endpoint": f"{ISSUER}/me",
            "end_session_endpoint": f"{ISSUER}/session/end",
            "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
        }

    def token(self) -> str:
        return jwt.encode(self.header, self.claims, self.key)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.document)
        if path == "/jwks":
            return httpx.Response(200, json=KeySet([KEY]).as_dict(private=False))
        if path == "/token":
            if self.token_error:
                return httpx.Response(self.token_error[0], json=self.token_error[1])
            return httpx.Response(200, json={"id_token": self.token(), "access_token": "at"})
        if path == "/me":
            return httpx.Response(200, json=self.userinfo)
        return httpx.Response(404)


@pytest.fixture
def issuer() -> FakeIssuer:
    fake = FakeIssuer()
    now = int(time.time())
    fake.claims = {
        "iss": ISSUER, "aud": "slogate", "sub": "u-1", "exp": now + 300, "iat": now, "nonce": "n-1",
        "preferred_username": "olivia", "groups": ["team-shop", "all"],
    }  # fmt: skip
    return fake


def provider(issuer: FakeIssuer, **config: Any) -> HttpOpenIdProvider:
    settings: dict[str, Any] = {"issuer": ISSUER, "client_id": "slogate", "client_secret": "s3cr:t", **config}
    transport = httpx.MockTransport(issuer.handle)
    client: Callable[[], httpx.Client] = lambda: httpx.Client(transport=transport)  # noqa: E731
    return HttpOpenIdProvider(OidcConfig(**settings), client)


def log_in(issuer: FakeIssuer, nonce: str = "n-1", **config: Any) -> Any:
    return provider(issuer, **config).identity(
        code="c-1", redirect_uri="http://127.0.0.1/bridge/oidc/callback", code_verifier="v" * 43, nonce=nonce
    )


def test_a_good_id_token_gives_the_user_and_groups(issuer: FakeIssuer) -> None:
    identity = log_in(issuer)
    assert (identity.name, identity.groups, identity.subject) == ("olivia", ("team-shop", "all"), "u-1")
    token_request = next(request for request in issuer.requests if request.url.path == "/token")
    form = parse_qs(token_request.content.decode())
    assert form["code_verifier"] == ["v" * 43]
    assert form["grant_type"] == ["authorization_code"]
    basic = base64.b64decode(token_request.headers["authorization"].removeprefix("Basic ")).decode()
    assert basic == "slogate:s3cr%3At"  # RFC 6749 2.3.1: form-encoded before base64


def test_the_authorization_url_carries_pkce_s256_state_and_nonce(issuer: FakeIssuer) -> None:
    url = provider(issuer).authorization_url(
        redirect_uri="http://127.0.0.1/cb", state="st", nonce="no", code_challenge="ch"
    )
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{ISSUER}/auth?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == ["ch"]
    assert (query["state"], query["nonce"], query["response_type"]) == (["st"], ["no"], ["code"])
    assert query["scope"] == ["openid profile email groups"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "another-client"}, "not for this client"),
        ({"aud": ["slogate", "other"], "azp": "other"}, "issued to 'other'"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"exp": None}, "no expiry"),
        ({"iss": "https://evil.test"}, "issuer"),
        ({"nonce": "n-2"}, "nonce does not match"),
        ({"nonce": None}, "nonce does not match"),
        ({"iat": int(time.time()) + 3600}, "in the future"),
    ],
)
def test_a_bad_claim_is_refused_with_its_reason(
    issuer: FakeIssuer, change: dict[str, Any], reason: str
) -> None:
    issuer.claims = {key: value for key, value in {**issuer.claims, **change}.items() if value is not None}
    with pytest.raises(OidcLoginError, match=reason):
        log_in(issuer)


def test_a_token_signed_with_another_key_is_refused(issuer: FakeIssuer) -> None:
    issuer.key = OTHER
    with pytest.raises(OidcLoginError, match="signature does not verify"):
        log_in(issuer)


def test_an_unknown_key_id_is_looked_up_again_then_refused(issuer: FakeIssuer) -> None:
    issuer.header = {"alg": "RS256", "kid": "k9"}
    with pytest.raises(OidcLoginError, match="key the provider does not publish"):
        log_in(issuer)
    assert sum(request.url.path == "/jwks" for request in issuer.requests) == 2


def test_an_unsigned_token_is_refused(issuer: FakeIssuer) -> None:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    def unsigned() -> str:
        return f"{part({'alg': 'none', 'kid': 'k1'})}.{part(issuer.claims)}."

    issuer.token = unsigned  # type: ignore[method-assign]
    with pytest.raises(OidcLoginError, match="signature does not verify"):
        log_in(issuer)


def test_the_discovery_document_must_name_the_configured_issuer(issuer: FakeIssuer) -> None:
    issuer.document["issuer"] = "https://elsewhere.test"
    with pytest.raises(OidcLoginError, match=r"names the issuer 'https://elsewhere\.test'"):
        log_in(issuer)


def test_the_token_endpoints_error_is_named(issuer: FakeIssuer) -> None:
    issuer.token_error = (400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
    with pytest.raises(OidcLoginError, match="400: invalid_grant \\(PKCE verification failed\\)"):
        log_in(issuer)


def test_an_unreachable_provider_is_a_clear_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    transport = httpx.MockTransport(down)
    broken = HttpOpenIdProvider(OidcConfig(ISSUER, "slogate"), lambda: httpx.Client(transport=transport))
    with pytest.raises(OidcLoginError, match="could not be reached"):
        broken.authorization_url(redirect_uri="r", state="s", nonce="n", code_challenge="c")
    assert broken.logout_url(post_logout_redirect_uri="http://127.0.0.1/bridge/login") is None


def test_groups_come_from_userinfo_when_the_id_token_lacks_them(issuer: FakeIssuer) -> None:
    del issuer.claims["groups"]
    issuer.userinfo = {"sub": "u-1", "groups": ["from-userinfo"]}
    assert log_in(issuer).groups == ("from-userinfo",)
    issuer.userinfo = {"sub": "someone-else", "groups": ["stolen"]}
    assert log_in(issuer).groups == ()


def test_the_username_falls_back_to_email_then_sub_and_claims_may_be_nested(issuer: FakeIssuer) -> None:
    del issuer.claims["preferred_username"]
    issuer.claims["email"] = "o@example.test"
    assert log_in(issuer).name == "o@example.test"
    del issuer.claims["email"]
    assert log_in(issuer).name == "u-1"
    issuer.claims["realm_access"] = {"roles": ["ops"]}
    assert log_in(issuer, groups_claim="realm_access.roles").groups == ("ops",)
    with pytest.raises(OidcLoginError, match="no 'upn' claim"):
        log_in(issuer, username_claim="upn")


def test_logout_goes_to_the_end_session_endpoint(issuer: FakeIssuer) -> None:
    url = provider(issuer).logout_url(post_logout_redirect_uri="http://127.0.0.1:1/bridge/login")
    assert url is not None
    assert url.startswith(f"{ISSUER}/session/end?")
    assert parse_qs(urlsplit(url).query)["client_id"] == ["slogate"]
    del issuer.document["end_session_endpoint"]
    assert provider(issuer).logout_url(post_logout_redirect_uri="x") is None
