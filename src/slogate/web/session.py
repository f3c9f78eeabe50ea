"""Bridge sessions: a signed, expiring cookie after a login with the API token, and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "bridge-session.key"
COOKIE = "slogate_session"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in browser: its id and when it expires (seconds since the epoch)."""

    session_id: str
    expires: int


class SessionKeys:
    """Signs session cookies and CSRF tokens with a random key kept in the data dir (mode 0600)."""

    def __init__(self, data_dir: Path, now: Callable[[], float] = time.time) -> None:
        self._file = data_dir / KEY_FILE
        self._key: bytes | None = None
        self._now = now

    def _secret(self) -> bytes:
        if self._key is None:
            self._key = _load_or_create(self._file)
        return self._key

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._secret(), text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def issue(self, seconds: int = SESSION_SECONDS) -> str:
        """A new session's cookie value: ``<id>.<expiry>.<signature>``."""
        session_id = secrets.token_urlsafe(18)
        expires = int(self._now()) + seconds
        payload = f"{session_id}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def verify(self, cookie: str | None) -> Session | None:
        """The session of a cookie whose signature holds and that has not expired, else None."""
        if not cookie or cookie.count(".") != 2:
            return None
        session_id, expires, signature = cookie.split(".")
        if not hmac.compare_digest(self._sign(f"{session_id}.{expires}"), signature):
            return None
        if not expires.isdigit() or int(expires) < self._now():
            return None
        return Session(session_id, int(expires))

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session must send back."""
        return self._sign(f"csrf.{session.session_id}")

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (constant-time)."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


def _load_or_create(path: Path) -> bytes:
    """The key in ``path``, created (32 random bytes, mode 0600) on first use."""
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key
