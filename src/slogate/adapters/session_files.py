"""The Bridge's session files in the data dir: the signing key and the revoked sessions, mode 0600; with
several replicas, the key from the shared key directory and the revoked sessions from the database."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from slogate.adapters.private_files import append_private, write_private
from slogate.adapters.secret_box import KEY_DIR_HINT
from slogate.errors import ConfigError
from slogate.ports.sessions import RevokedSessions

KEY_FILE = "bridge-session.key"
REVOKED_FILE = "bridge-sessions.revoked"


class DataDirSessionFiles:
    """``bridge-session.key`` and ``bridge-sessions.revoked`` (``<id> <expiry>`` a line) in ``data_dir``."""

    def __init__(self, data_dir: Path, key_dir: Path | None = None) -> None:
        self._key_file = (key_dir or data_dir) / KEY_FILE
        self._create = key_dir is None  # a shared key is the operator's: never made up by one replica
        self._revoked_file = data_dir / REVOKED_FILE

    @property
    def key_path(self) -> Path:
        """Where the signing key is kept."""
        return self._key_file

    def key(self) -> bytes:
        """The key in the key file, created (32 random bytes, mode 0600) on first use unless shared."""
        try:
            key = self._key_file.read_bytes()
            if len(key) >= 32:
                return key
        except FileNotFoundError:
            if not self._create:
                raise ConfigError(
                    f"the Bridge session key {self._key_file} does not exist: {KEY_DIR_HINT}"
                ) from None
        except OSError as error:
            raise ConfigError(
                f"cannot read the Bridge session key {self._key_file}: {error.strerror}"
            ) from None
        if not self._create:
            raise ConfigError(
                f"the Bridge session key {self._key_file} is shorter than 32 bytes: {KEY_DIR_HINT}"
            )
        key = secrets.token_bytes(32)
        write_private(self._key_file, key)
        return key

    def revoked(self) -> dict[str, int]:
        """The revoked sessions kept in the file (lines that do not parse are skipped)."""
        try:
            text = self._revoked_file.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return {}
        revoked = {}
        for line in text.splitlines():
            session_id, _, expires = line.partition(" ")
            if session_id and expires.isdigit():
                revoked[session_id] = int(expires)
        return revoked

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        """Append ``revoked`` to the file."""
        append_private(self._revoked_file, _lines(revoked))

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        """Rewrite the file with ``revoked`` only."""
        write_private(self._revoked_file, _lines(revoked))


class SharedSessionFiles:
    """The signing key of ``files`` with the revoked sessions of ``revoked`` (the shared database)."""

    def __init__(self, files: DataDirSessionFiles, revoked: RevokedSessions) -> None:
        self._files = files
        self._revoked = revoked

    def key(self) -> bytes:
        """The signing key (see ``DataDirSessionFiles.key``)."""
        return self._files.key()

    def revoked(self) -> dict[str, int]:
        """The revoked sessions every replica sees."""
        return self._revoked.revoked()

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        """Add logged-out sessions for every replica."""
        self._revoked.add_revoked(revoked)

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        """Keep exactly ``revoked``."""
        self._revoked.replace_revoked(revoked)


def _lines(revoked: Mapping[str, int]) -> bytes:
    return "".join(f"{session_id} {expires}\n" for session_id, expires in revoked.items()).encode("ascii")
