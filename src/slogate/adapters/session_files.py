"""The Bridge's session files in the data dir: the signing key and the revoked sessions, mode 0600."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from slogate.adapters.private_files import append_private, write_private

KEY_FILE = "bridge-session.key"
REVOKED_FILE = "bridge-sessions.revoked"


class DataDirSessionFiles:
    """``bridge-session.key`` and ``bridge-sessions.revoked`` (``<id> <expiry>`` a line) in ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self._key_file = data_dir / KEY_FILE
        self._revoked_file = data_dir / REVOKED_FILE

    def key(self) -> bytes:
        """The key in the key file, created (32 random bytes, mode 0600) on first use."""
        try:
            key = self._key_file.read_bytes()
            if len(key) >= 32:
                return key
        except FileNotFoundError:
            pass
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


def _lines(revoked: Mapping[str, int]) -> bytes:
    return "".join(f"{session_id} {expires}\n" for session_id, expires in revoked.items()).encode("ascii")
