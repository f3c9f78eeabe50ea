"""An OpenID Connect provider over HTTP: discovery, the code exchange with PKCE, the verified ID token."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from slogate.ports.oidc import OidcIdentity, OidcLoginError

LEEWAY = 60  # seconds of clock skew allowed on exp and iat
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
USERNAME_CLAIMS = ("preferred_username", "email", "sub")


@dataclass(frozen=True, slots=True)
class OidcConfig:
    """The settings of one provider (SLOGATE_OIDC_*)."""

    issuer: str
    client_id: str
    client_secret: str = ""
    scopes: str = "openid profile email groups"
    groups_claim: str = "groups"
    username_claim: str = ""
    display_name: str = ""
    timeout: float = 10.0


class HttpOpenIdProvider:
    """The provider at ``config.issuer``: its discovery document and keys are fetched on first use and
    kept (the keys again when a token names a key id they lack)."""

    def __init__(
        self,
        config: OidcConfig,
        client: Callable[[], httpx.Client] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._client = client or (lambda: httpx.Client(timeout=config.timeout))
        self._now = now
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def display_name(self) -> str:
        """The configured name, else the issuer's host."""
        return self._config.display_name or urlsplit(self._config.issuer).hostname or self._config.issuer

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str:
        """The authorization endpoint with the code flow's parameters (S256)."""
        endpoint = self._endpoint("authorization_endpoint")
        query = {
            "response_type": "code",
            "client_id": self._config.client_id,
            "redirect_uri": redirect_uri,
            "scope": self._config.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    def logout_url(self, *, post_logout_redirect_uri: str) -> str | None:
        """The end_session_endpoint with client_id and where to come back, if the provider has one."""
        try:
            endpoint = self._document().get("end_session_endpoint")
        except OidcLoginError:
            return None
        if not isinstance(endpoint, str) or not endpoint:
            return None
        query = {"client_id": self._config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> OidcIdentity:
        """The verified user of ``code`` (see the port)."""
        tokens = self._exchange(code, redirect_uri, code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise OidcLoginError(
                "the OpenID provider's token response has no id_token (is 'openid' in the scopes?)"
            )
        claims = self.verify(id_token, nonce)
        if self._config.groups_claim and _claim(claims, self._config.groups_claim) is None:
            claims = {**self._userinfo(tokens.get("access_token"), claims["sub"]), **claims}
        return OidcIdentity(
            _username(claims, self._config.username_claim), _groups(claims, self._config), claims["sub"]
        )

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of ``id_token`` once its signature, issuer, audience, expiry and nonce hold."""
        claims = self._signed_claims(id_token)
        issuer = self._document()["issuer"]
        if claims.get("iss") != issuer:
            raise OidcLoginError(f"the ID token's issuer {claims.get('iss')!r} is not {issuer!r}")
        audience = claims.get("aud")
        audiences = (
            [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        )
        if self._config.client_id not in audiences:
            raise OidcLoginError(
                f"the ID token is for {audience!r}, not for this client ({self._config.client_id!r})"
            )
        if len(audiences) > 1 and claims.get("azp", self._config.client_id) != self._config.client_id:
            raise OidcLoginError(f"the ID token was issued to {claims.get('azp')!r}, not to this client")
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise OidcLoginError("the ID token has no expiry (exp)")
        if expires + LEEWAY < self._now():
            raise OidcLoginError(
                "the ID token has expired: check the clocks of slogate and the provider, then log in again"
            )
        issued = claims.get("iat")
        if isinstance(issued, int | float) and issued - LEEWAY > self._now():
            raise OidcLoginError(
                "the ID token was issued in the future: check the clocks of slogate and the provider"
            )
        given = claims.get("nonce")
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
            raise OidcLoginError("the ID token's nonce does not match this login: start the login again")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise OidcLoginError("the ID token has no subject (sub)")
        return claims

    def _signed_claims(self, id_token: str) -> dict[str, Any]:
        algorithms = self._algorithms()
        for refreshed in (False, True):
            keys = self._key_set(refresh=refreshed)
            try:
                return dict(jwt.decode(id_token, keys, algorithms=algorithms).claims)
            except InvalidKeyIdError:
                if refreshed:
                    raise OidcLoginError(
                        "the ID token is signed with a key the provider does not publish"
                    ) from None
            except (JoseError, ValueError) as error:
                raise OidcLoginError(
                    f"the ID token's signature does not verify with the provider's keys ({error})"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _algorithms(self) -> list[str]:
        offered = self._document().get("id_token_signing_alg_values_supported")
        names = [name for name in offered if name in ASYMMETRIC] if isinstance(offered, list) else []
        return names or ["RS256"]

    def _exchange(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"Accept": "application/json"}
        if self._config.client_secret:
            basic = f"{quote(self._config.client_id, safe='')}:{quote(self._config.client_secret, safe='')}"
            headers["Authorization"] = "Basic " + _b64(basic)
        else:
            form["client_id"] = self._config.client_id
        return self._json(
            "POST", self._endpoint("token_endpoint"), "token endpoint", data=form, headers=headers
        )

    def _userinfo(self, access_token: object, subject: str) -> dict[str, Any]:
        endpoint = self._document().get("userinfo_endpoint")
        if not isinstance(access_token, str) or not isinstance(endpoint, str) or not endpoint:
            return {}
        info = self._json(
            "GET", endpoint, "userinfo endpoint", headers={"Authorization": f"Bearer {access_token}"}
        )
        return info if info.get("sub") == subject else {}

    def _endpoint(self, name: str) -> str:
        value = self._document().get(name)
        if not isinstance(value, str) or not value:
            raise OidcLoginError(f"the OpenID provider's discovery document has no {name}")
        return value

    def _document(self) -> dict[str, Any]:
        with self._lock:
            if self._discovery is None:
                url = self._config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = self._json("GET", url, "discovery document")
                if str(document.get("issuer", "")).rstrip("/") != self._config.issuer.rstrip("/"):
                    raise OidcLoginError(
                        f"the discovery document at {url} names the issuer {document.get('issuer')!r}, "
                        f"not SLOGATE_OIDC_ISSUER {self._config.issuer!r}"
                    )
                self._discovery = document
            return self._discovery

    def _key_set(self, *, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            document = self._json("GET", self._endpoint("jwks_uri"), "key set (jwks_uri)")
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as error:
                raise OidcLoginError(f"the OpenID provider's key set cannot be read: {error}") from None
        return self._keys

    def _json(self, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            with self._client() as client:
                response = client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise OidcLoginError(
                f"the OpenID provider's {what} at {url} could not be reached: {error}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            raise OidcLoginError(
                f"the OpenID provider's {what} answered {response.status_code}{_explained(body)}"
            )
        if not isinstance(body, dict):
            raise OidcLoginError(f"the OpenID provider's {what} at {url} did not answer a JSON object")
        return body


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _explained(body: object) -> str:
    """``: <error> (<error_description>)`` of an OAuth error body, if it is one."""
    if not isinstance(body, Mapping) or "error" not in body:
        return ""
    description = body.get("error_description")
    return f": {body['error']}" + (f" ({description})" if description else "")


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by name, else by a dotted path into nested objects (``realm_access.roles``)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _username(claims: Mapping[str, Any], configured: str) -> str:
    for name in (configured,) if configured else USERNAME_CLAIMS:
        value = _claim(claims, name)
        if isinstance(value, str) and value:
            return value
    if configured:
        raise OidcLoginError(f"the ID token has no {configured!r} claim (SLOGATE_OIDC_USERNAME_CLAIM)")
    return str(claims["sub"])


def _groups(claims: Mapping[str, Any], config: OidcConfig) -> tuple[str, ...]:
    value = _claim(claims, config.groups_claim) if config.groups_claim else None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()
