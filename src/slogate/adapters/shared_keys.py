"""The keys several replicas share (``SLOGATE_KEY_DIR``): created once by the operator, checked at start."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from slogate.adapters.private_files import private_directory, write_private
from slogate.adapters.secret_box import KEY_DIR_HINT, SecretBox, check_value
from slogate.adapters.session_files import KEY_FILE as SESSION_KEY_FILE
from slogate.adapters.session_files import DataDirSessionFiles
from slogate.errors import ConfigError
from slogate.ports.replicas import KeyChecks

SECRETS_CHECK = "secrets.key"
SESSION_CHECK = "bridge-session.key"


def create_keys(key_dir: Path) -> list[Path]:
    """Create the missing key files in ``key_dir`` (0700; files 0600); the ones created. Existing keys
    are never replaced: the stored secrets and the Bridge sessions depend on them."""
    try:
        private_directory(key_dir)
    except OSError as error:
        raise ConfigError(f"cannot create the key directory {key_dir}: {error.strerror or error}") from None
    created = []
    box = SecretBox.in_data_dir(key_dir)
    if not box.path.exists():
        box.check_value()  # creates it
        created.append(box.path)
    session_key = key_dir / SESSION_KEY_FILE
    if not session_key.exists():
        write_private(session_key, secrets.token_bytes(32))
        created.append(session_key)
    return created


def check_keys(box: SecretBox, sessions: DataDirSessionFiles, checks: KeyChecks) -> None:
    """Refuse to start (``ConfigError``) when this replica's keys are not the ones the database's other
    replicas use: the first replica stores each key's one-way check value, the others compare."""
    for name, value, path in (
        (SECRETS_CHECK, box.check_value(), box.path),
        (SESSION_CHECK, check_value(sessions.key()), sessions.key_path),
    ):
        agreed = checks.agreed(name, value)
        if not hmac.compare_digest(agreed, value):
            raise ConfigError(
                f"the key {path} is not the {name} the other replicas of this database use "
                f"(its check value differs from the one stored in the database): {KEY_DIR_HINT}"
            )
