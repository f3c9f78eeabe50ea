"""Files only the server's user may read: directories created 0700 and files 0600, whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700; an existing directory is left as it is."""
    missing = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, DIRECTORY_MODE)  # mkdir's mode passes through the umask


def touch_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (its directory: see ``private_directory``)."""
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.fchmod(descriptor, FILE_MODE)
    os.close(descriptor)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data`` in a file of mode 0600."""
    private_directory(path.parent)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(data)
    temporary.replace(path)


def append_private(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path``, created with mode 0600 when missing."""
    private_directory(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    with os.fdopen(descriptor, "ab") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(data)
