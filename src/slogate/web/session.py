"""Bridge sessions: signed, expiring cookies bound to the current credentials, revoked at logout; CSRF."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slogate.adapters.private_files import append_private, write_private

KEY_FILE = "bridge-session.key"
REVOKED_FILE = "bridge-sessions.revoked"
COOKIE = "slogate_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its id and when it expires (seconds since the epoch)."""

    session_id: str
    expires: int


class SessionKeys:
    """Signs session cookies and CSRF tokens with a random key kept in the data dir (mode 0600).

    A cookie's signature covers ``credentials()`` (a fingerprint of the API token and the Bridge
    password), so rotating either ends every session; a logout revokes its session for good (the
    revoked ids are kept in the data dir until they would have expired anyway).
    """

    def __init__(
        self,
        data_dir: Path,
        credentials: Callable[[], str] = lambda: "",
        now: Callable[[], float] = time.time,
    ) -> None:
        self._file = data_dir / KEY_FILE
        self._revoked_file = data_dir / REVOKED_FILE
        self._key: bytes | None = None
        self._revoked: dict[str, int] | None = None
        self._credentials = credentials
        self._now = now

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = _load_or_create(self._file)
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
            write_private(self._revoked_file, _lines(live))
        else:
            append_private(self._revoked_file, _lines({session.session_id: session.expires}))

    def _revoked_ids(self) -> dict[str, int]:
        if self._revoked is None:
            self._revoked = _read_revoked(self._revoked_file)
        return self._revoked

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session must send back."""
        return self._sign(f"csrf.{session.session_id}")

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (constant-time)."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


def _lines(revoked: dict[str, int]) -> bytes:
    return "".join(f"{session_id} {expires}\n" for session_id, expires in revoked.items()).encode("ascii")


def _read_revoked(path: Path) -> dict[str, int]:
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return {}
    revoked = {}
    for line in text.splitlines():
        session_id, _, expires = line.partition(" ")
        if session_id and expires.isdigit():
            revoked[session_id] = int(expires)
    return revoked


def _load_or_create(path: Path) -> bytes:
    """The key in ``path``, created (32 random bytes, mode 0600) on first use."""
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    write_private(path, key)
    return key
