"""Bridge sessions: signed, expiring cookies bound to the current credentials, revoked at logout; CSRF."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from slogate.ports.sessions import SessionFiles

COOKIE = "slogate_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its id and when it expires (seconds since the epoch)."""

    session_id: str
    expires: int


class SessionKeys:
    """Signs session cookies and CSRF tokens with a random key kept in ``files`` (the data dir, 0600).

    A cookie's signature covers ``credentials()`` (a fingerprint of the API token and the Bridge
    password), so rotating either ends every session; a logout revokes its session for good (the
    revoked ids are kept in the data dir until they would have expired anyway).
    """

    def __init__(
        self,
        files: SessionFiles,
        credentials: Callable[[], str] = lambda: "",
        now: Callable[[], float] = time.time,
        *,
        cache_revoked: bool = True,
    ) -> None:
        self._files = files
        self._cache_revoked = cache_revoked  # False: other replicas revoke too, read them every time
        self._key: bytes | None = None
        self._revoked: dict[str, int] | None = None
        self._credentials = credentials
        self._now = now

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = self._files.key()
        return self._key

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._secret(), text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def _session_signature(self, session_id: str, expires: str) -> str:
        return self._sign(f"{session_id}.{expires}.{self._credentials()}")

    def issue(self, seconds: int = SESSION_SECONDS) -> str:
        """A new session's cookie value: ``<id>.<expiry>.<signature>``."""
        session_id = secrets.token_urlsafe(18)
        expires = str(int(self._now()) + seconds)
        return f"{session_id}.{expires}.{self._session_signature(session_id, expires)}"

    def verify(self, cookie: str | None) -> Session | None:
        """The session of a cookie whose signature holds with the current credentials, that has not
        expired and was not logged out, else None."""
        if not cookie or cookie.count(".") != 2:
            return None
        session_id, expires, signature = cookie.split(".")
        if not hmac.compare_digest(self._session_signature(session_id, expires), signature):
            return None
        if not expires.isdigit() or int(expires) < self._now():
            return None
        if session_id in self._revoked_ids():
            return None
        return Session(session_id, int(expires))

    def revoke(self, session: Session) -> None:
        """End ``session`` for good (logout): its cookie is refused from now on, also after a restart."""
        revoked = self._revoked_ids()
        revoked[session.session_id] = session.expires
        now = self._now()
        live = {key: expires for key, expires in revoked.items() if expires >= now}
        if len(live) < len(revoked):  # forget the expired ones: their cookies are refused anyway
            self._revoked = live
            self._files.replace_revoked(live)
        else:
            self._files.add_revoked({session.session_id: session.expires})

    def _revoked_ids(self) -> dict[str, int]:
        if self._revoked is None or not self._cache_revoked:
            self._revoked = self._files.revoked()
        return self._revoked

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session must send back."""
        return self._sign(f"csrf.{session.session_id}")

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (constant-time)."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")
