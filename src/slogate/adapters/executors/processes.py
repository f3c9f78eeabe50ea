"""Local processes for executors: templated commands, durations, starting, stopping and output tails.

Commands are argv lists run without a shell. Templates use ``{name}`` with the names of
:func:`slogate.adapters.executors.event_fields.task_fields` (plus what an executor adds, e.g.
``{port}``); ``{{`` and ``}}`` are literal braces and ``${NAME}`` is left alone for shells.
Every process runs in its own session (process group), so stopping it stops its children too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from slogate.domain.evaluation.window import WindowError, parse_duration
from slogate.errors import InputError

_TEMPLATE = re.compile(r"\{\{|\}\}|(?<!\$)\{([A-Za-z_][A-Za-z0-9_./\-]*)\}")  # labels.app.io/name
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_HIDDEN_PREFIX = "SLOGATE_"  # the server's own settings (tokens, keys) are not handed to processes


def render(text: str, fields: Mapping[str, str], where: str, quote: Callable[[str], str] = str) -> str:
    """Substitute ``{name}`` in ``text`` (values passed through ``quote``); an unknown name is an
    :class:`InputError` naming the known ones."""

    def substitute(match: re.Match[str]) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token[0]
        if name not in fields:
            known = ", ".join(f"{{{known}}}" for known in sorted(fields))
            raise InputError(f"{where}: unknown template name {{{name}}}; known names: {known}")
        return quote(fields[name])

    return _TEMPLATE.sub(substitute, text)


def string_list(value: Any, where: str) -> list[str]:
    """``value`` as a non-empty list of strings (numbers are accepted and converted)."""
    if not isinstance(value, list) or not value:
        raise InputError(f'{where}: expected a non-empty list of arguments, e.g. ["make", "test"]')
    if not all(isinstance(item, str | int | float) and not isinstance(item, bool) for item in value):
        raise InputError(f"{where}: every argument must be a string")
    return [str(item) for item in value]


def string_map(value: Any, where: str) -> dict[str, str]:
    """``value`` as a mapping of names to strings (numbers and booleans are converted)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InputError(f"{where}: expected a mapping of names to values, e.g. {{KEY: value}}")
    if any(isinstance(item, Mapping | list) or item is None for item in value.values()):
        raise InputError(f"{where}: every value must be a string")
    return {key: str(item).lower() if isinstance(item, bool) else str(item) for key, item in value.items()}


def seconds(value: Any, where: str) -> float:
    """A positive duration: a Go duration string (``30s``, ``5m``, ``1m30s``) or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = float(value)
    elif isinstance(value, str):
        try:
            amount = parse_duration(value.strip()).total_seconds()
        except WindowError:
            amount = -1.0
    else:
        amount = -1.0
    if not amount > 0:
        raise InputError(f"{where}: {value!r} is not a positive duration such as 30s, 5m or 1m30s")
    return amount


def describe_seconds(amount: float) -> str:
    """A duration as written in configs: ``5m``, ``90s``, ``0.5s``."""
    if amount >= 60 and amount % 60 == 0:
        return f"{int(amount // 60)}m"
    return f"{amount:g}s"


def safe_name(name: str, what: str) -> str:
    """``name`` when it can be a directory or file name (Keptn's names always can); else InputError."""
    if not _SAFE_NAME.fullmatch(name):
        raise InputError(f"the {what} name {name!r} cannot name a directory: use letters, digits, '-', '_'")
    return name


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The server's environment without its ``SLOGATE_*`` settings, plus ``extra``."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(_HIDDEN_PREFIX)}
    return inherited | dict(extra)


def start_logged(argv: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session with stdout and stderr appended to ``log`` (blocking; a few ms).

    Raises OSError (e.g. FileNotFoundError for a missing command) like :class:`subprocess.Popen`.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(  # argv from the user's own configuration, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )


def signal_group(pid: int, signum: int) -> None:
    """Send ``signum`` to the process group led by ``pid``; a group that is gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def stop(process: subprocess.Popen[bytes], grace: float) -> int:
    """Stop ``process`` and its group: SIGTERM, SIGKILL after ``grace`` seconds (blocking). Its exit code."""
    if process.poll() is None:
        signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            signal_group(process.pid, signal.SIGKILL)
            process.wait()
    signal_group(process.pid, signal.SIGKILL)  # children that outlived their leader
    return process.returncode


def record_process(record: Path, pid: int) -> None:
    """Note in ``record`` which process leads a group this server started, so that a server started
    after this one is killed can stop it (:func:`stop_recorded`)."""
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(f"{pid} {process_identity(pid)}\n")


def stop_recorded(record: Path, grace: float) -> bool:
    """Stop the process group noted in ``record`` if that very process still runs (a killed server's
    deployment): SIGTERM, SIGKILL after ``grace`` seconds (blocking). Whether it was running."""
    try:
        pid_text, identity = record.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return False
    if process_identity(pid) != identity:
        return False  # gone, or the pid is another process's now
    signal_group(pid, signal.SIGTERM)
    waited = 0.0
    while waited < grace and process_identity(pid) == identity:
        time.sleep(0.05)
        waited += 0.05
    signal_group(pid, signal.SIGKILL)
    return True


def process_identity(pid: int) -> str:
    """The start time of live process ``pid`` (Linux ``/proc``), which tells it from a later process
    with the same pid; "" when it is gone, a zombie, or unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] in ("Z", "X") else fields[19]


def describe_exit(code: int) -> str:
    """``exited with code 3`` or ``was killed by signal 9``."""
    return f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


def tail(text: str, lines: int = 20) -> str:
    """The last ``lines`` lines of ``text``, trailing blank lines left out."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def tail_of_file(path: Path, lines: int = 20, limit: int = 65536) -> str:
    """The last ``lines`` lines of the file at ``path`` (reads at most its last ``limit`` bytes)."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - limit))
            return tail(file.read().decode("utf-8", errors="replace"), lines)
    except OSError:
        return ""


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def wait_healthy(
    process: subprocess.Popen[bytes], url: str, timeout: float, interval: float = 0.1
) -> bool:
    """Poll ``url`` until it answers 2xx (True), or the process exits or ``timeout`` seconds pass (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(trust_env=False, timeout=httpx.Timeout(1.0, connect=0.5)) as client:
        while process.poll() is None:
            remaining = deadline - loop.time()
            try:
                response = await client.get(url, timeout=max(0.05, min(1.0, remaining)))
                if response.is_success:
                    return True
            except httpx.HTTPError:
                pass
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(interval)
    return False
