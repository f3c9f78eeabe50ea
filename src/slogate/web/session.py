"""Bridge sessions: signed, expiring cookies bound to the current credentials, revoked at logout; CSRF."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from slogate.ports.sessions import SessionFiles

COOKIE = "slogate_session"
SESSION_SECONDS = 8 * 3600
IDLE_SECONDS = 3600
REFRESH_SECONDS = 60  # a page view renews the idle clock at most this often


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its id, when it expires and when it was last seen (seconds since the
    epoch); ``user`` and ``groups`` of an OpenID login (empty for the API token and basic-auth logins,
    which act as admin)."""

    session_id: str
    expires: int
    seen: int = 0
    user: str = ""
    groups: tuple[str, ...] = ()


class SessionKeys:
    """Signs session cookies and CSRF tokens with a random key kept in ``files`` (the data dir, 0600).

    A cookie's signature covers ``credentials()`` (a fingerprint of the API token and the Bridge
    password), so rotating either ends every session; a logout revokes its session for good (the
    revoked ids are kept in the data dir until they would have expired anyway). A session not seen for
    ``idle_seconds`` ends too (:meth:`renewed` moves its clock on).
    """

    def __init__(
        self,
        files: SessionFiles,
        credentials: Callable[[], str] = lambda: "",
        now: Callable[[], float] = time.time,
        idle_seconds: int = IDLE_SECONDS,
        *,
        cache_revoked: bool = True,
    ) -> None:
        self._files = files
        self._cache_revoked = cache_revoked  # False: other replicas revoke too, read them every time
        self._key: bytes | None = None
        self._revoked: dict[str, int] | None = None
        self._credentials = credentials
        self._now = now
        self.idle_seconds = idle_seconds

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = self._files.key()
        return self._key

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._secret(), text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def _session_signature(self, body: str) -> str:
        return self._sign(f"session.{body}.{self._credentials()}")

    def issue(self, seconds: int = SESSION_SECONDS, user: str = "", groups: tuple[str, ...] = ()) -> str:
        """A new session's cookie value: ``<id>.<expiry>.<seen>.<identity>.<signature>`` (the identity
        of an OpenID login, base64url JSON, else empty)."""
        session_id = secrets.token_urlsafe(18)
        now = int(self._now())
        return self._cookie(Session(session_id, now + seconds, now, user, groups))

    def _cookie(self, session: Session) -> str:
        identity = ""
        if session.user:
            document = json.dumps({"u": session.user, "g": list(session.groups)}, separators=(",", ":"))
            identity = base64.urlsafe_b64encode(document.encode("utf-8")).decode("ascii").rstrip("=")
        body = f"{session.session_id}.{session.expires}.{session.seen}.{identity}"
        return f"{body}.{self._session_signature(body)}"

    def renewed(self, session: Session) -> str | None:
        """The cookie of ``session`` seen now, when its idle clock is worth moving on, else None."""
        now = int(self._now())
        if now - session.seen < REFRESH_SECONDS:
            return None
        return self._cookie(Session(session.session_id, session.expires, now, session.user, session.groups))

    def verify(self, cookie: str | None) -> Session | None:
        """The session of a cookie whose signature holds with the current credentials, that has not
        expired, was seen within the idle timeout and was not logged out, else None."""
        if not cookie or cookie.count(".") != 4:
            return None
        body, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(self._session_signature(body), signature):
            return None
        session_id, expires, seen, identity = body.split(".")
        if not expires.isdigit() or int(expires) < self._now():
            return None
        if not seen.isdigit() or int(seen) + self.idle_seconds < self._now():
            return None
        if session_id in self._revoked_ids():
            return None
        who = _identity(identity)
        if who is None:
            return None
        return Session(session_id, int(expires), int(seen), *who)

    def seal(self, purpose: str, text: str) -> str:
        """``text`` with a signature for ``purpose`` (e.g. an OpenID login's state in its cookie)."""
        return f"{text}~{self._sign(f'{purpose}.{text}')}"

    def unseal(self, purpose: str, sealed: str | None) -> str | None:
        """The text of a :meth:`seal` value for ``purpose`` whose signature holds, else None."""
        if not sealed or "~" not in sealed:
            return None
        text, signature = sealed.rsplit("~", 1)
        return text if hmac.compare_digest(self._sign(f"{purpose}.{text}"), signature) else None

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


def _identity(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The user and groups of a signed cookie's identity part (empty: an admin login); None when it
    does not read as one."""
    if not text:
        return "", ()
    try:
        document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
    user = document.get("u") if isinstance(document, dict) else None
    groups = document.get("g") if isinstance(document, dict) else None
    if not isinstance(user, str) or not user or not isinstance(groups, list):
        return None
    return user, tuple(str(group) for group in groups)
