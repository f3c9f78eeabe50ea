"""Secret values encrypted at rest: Fernet, with a key created once in ``<data_dir>/secrets.key`` (0600),
or read from the operator's shared key directory (``SLOGATE_KEY_DIR``: never created there)."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from slogate.adapters.private_files import private_directory
from slogate.errors import ConfigError

KEY_FILE = "secrets.key"
CHECK_TEXT = b"slogate key check v1"  # the HMAC of this text identifies a key without revealing it
KEY_DIR_HINT = (
    "create the keys once with `slogate server keys --key-dir DIR` (or copy secrets.key and "
    "bridge-session.key from the data dir of the server that has run so far) and give every replica "
    "the same files; see docs/deployment.md"
)


def check_value(key: bytes) -> str:
    """A one-way value that is equal for equal keys (HMAC-SHA256 of a fixed text), hex."""
    return hmac.new(key, CHECK_TEXT, hashlib.sha256).hexdigest()


class SecretBox:
    """Encrypts and decrypts with the server's secrets key; the key is never logged or shown.

    The key file is read (or created, readable by the owner only) at the first use, so a server that
    never stores a secret never writes one. Keep it with the database: without it the stored secret
    values cannot be read.

    Example::

        box = SecretBox.in_data_dir(settings.data_dir)
        token = box.encrypt(b'{"PROMETHEUS_URL": "http://127.0.0.1:9090"}')
        box.decrypt(token, "secret prometheus-credentials-sockshop")
    """

    def __init__(self, key_file: Path, *, create: bool = True) -> None:
        self._file = key_file
        self._create = create
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> SecretBox:
        """The box whose key is ``<data_dir>/secrets.key``."""
        return cls(data_dir / KEY_FILE)

    @classmethod
    def in_key_dir(cls, key_dir: Path) -> SecretBox:
        """The box whose key is ``<key_dir>/secrets.key``, which must exist (shared by the replicas)."""
        return cls(key_dir / KEY_FILE, create=False)

    @property
    def path(self) -> Path:
        """Where the key is kept."""
        return self._file

    def __repr__(self) -> str:
        return f"SecretBox({str(self._file)!r})"

    def encrypt(self, plaintext: bytes) -> str:
        """A token (URL-safe base64 text) that only this key decrypts; it is authenticated and dated."""
        return self._key().encrypt(plaintext).decode("ascii")

    def decrypt(self, token: str, what: str) -> bytes:
        """The plaintext of ``token``; ``ConfigError`` naming ``what`` when this key cannot decrypt it."""
        try:
            return self._key().decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise ConfigError(
                f"cannot decrypt {what}: it was encrypted with another key than {self._file} "
                "(was the key file replaced or lost?); restore that key file or store the secret again"
            ) from None

    def check_value(self) -> str:
        """The key's check value (see :func:`check_value`); the key is created if it may be."""
        self._key()
        return check_value(self._load())

    def _key(self) -> Fernet:
        with self._lock:
            if self._fernet is None:
                self._fernet = Fernet(self._load_or_create())
            return self._fernet

    def _load_or_create(self) -> bytes:
        try:
            return self._load()
        except FileNotFoundError:
            if not self._create:
                raise ConfigError(f"the secrets key {self._file} does not exist: {KEY_DIR_HINT}") from None
        key = Fernet.generate_key()
        temporary = self._file.with_name(f".{self._file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            private_directory(self._file.parent)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(key + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, self._file)  # atomic, and never replaces a key another process created
        except FileExistsError:
            return self._load()
        except OSError as error:
            raise ConfigError(f"cannot create the secrets key {self._file}: {error.strerror}") from None
        finally:
            temporary.unlink(missing_ok=True)
        return key

    def _load(self) -> bytes:
        try:
            key = self._file.read_bytes().strip()
        except FileNotFoundError:
            raise
        except OSError as error:
            raise ConfigError(f"cannot read the secrets key {self._file}: {error.strerror}") from None
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                f"the secrets key {self._file} is not a valid key (32 URL-safe base64-encoded bytes); "
                "restore the original file"
            ) from None
        return key
