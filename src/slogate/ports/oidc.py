"""Port of the Bridge's OpenID provider: where to send the browser, and who came back (ID token verified)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from slogate.errors import SlogateError


class OidcLoginError(SlogateError):
    """A login through the OpenID provider failed; the message says why (shown on the login page)."""

    code = "oidc_login_failed"


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """Who logged in: the user's name (the username claim), their groups, and the token's subject."""

    name: str
    groups: tuple[str, ...]
    subject: str


class OpenIdProvider(Protocol):
    """An OpenID Connect provider found by discovery from its issuer (authorization code with PKCE)."""

    @property
    def display_name(self) -> str:
        """What the login page's button calls it ("Log in with <display_name>")."""
        ...

    def authorization_url(self, *, redirect_uri: str, state: str, nonce: str, code_challenge: str) -> str:
        """Where to send the browser to log in (S256 code challenge); OidcLoginError when the provider
        cannot be reached or described."""
        ...

    def identity(self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> OidcIdentity:
        """Exchange ``code`` for tokens and verify the ID token (signature from the JWKS, ``iss``,
        ``aud``, ``exp``, ``nonce``); OidcLoginError naming what did not hold."""
        ...

    def logout_url(self, *, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL (RP-initiated logout), None when it offers none."""
        ...
