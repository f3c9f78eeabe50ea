"""The API token: from SLOGATE_API_TOKEN, or generated once and kept only as a hash in the data dir."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from pathlib import Path

from slogate.adapters.private_files import write_private
from slogate.errors import ConfigError

TOKEN_FILE = "api-token.sha256"
_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 45  # as Keptn's installer generated


def _digest(token: str) -> str:
    # A fast hash suffices: the token is 45 random characters (~268 bits), not a guessable password.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token of letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(TOKEN_LENGTH))


class ApiTokens:
    """Checks ``x-token`` values in constant time; the token itself is never stored or logged."""

    def __init__(self, data_dir: Path, configured: str = "") -> None:
        self._file = data_dir / TOKEN_FILE
        self._configured = _digest(configured) if configured else ""
        self._cached: tuple[float, str] | None = None

    @property
    def path(self) -> Path:
        """Where the token's hash is kept."""
        return self._file

    def ensure(self) -> str | None:
        """Create a token at first start; returns it (to print once) or None when one exists."""
        if self._configured or self._file.exists():
            return None
        return self.rotate()

    def rotate(self) -> str:
        """Replace the stored token with a new one and return it."""
        token = new_token()
        try:
            write_private(self._file, (_digest(token) + "\n").encode("ascii"))
        except OSError as error:
            raise ConfigError(f"cannot write the API token hash to {self._file}: {error.strerror}") from error
        return token

    def verify(self, given: str | None) -> bool:
        """Whether ``given`` is the token (constant-time comparison of hashes)."""
        expected = self._configured or self._stored()
        if not given or not expected:
            return False
        return hmac.compare_digest(_digest(given), expected)

    def fingerprint(self) -> str:
        """The hash of the current token ("" without one): it changes when the token is rotated."""
        return self._configured or self._stored()

    def _stored(self) -> str:
        """The stored hash, re-read when the file changes (``slogate server token`` rotates it)."""
        try:
            modified = self._file.stat().st_mtime
        except FileNotFoundError:
            return ""
        if self._cached is None or self._cached[0] != modified:
            self._cached = (modified, self._file.read_text(encoding="ascii").strip())
        return self._cached[1]
