"""``slogate server`` in a real process: the port is bound before a token is created or printed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from slogate.adapters.api_token import TOKEN_FILE
from tests.support.prometheus import free_port


def server_process(data_dir: Path, port: int, *options: str) -> subprocess.Popen[str]:
    """``python -m slogate server`` on 127.0.0.1:``port`` (and ``options``), without any SLOGATE_* of
    this process."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SLOGATE_")}
    env.update(PYTHONUTF8="1", COLUMNS="200")
    command = [
        *(sys.executable, "-m", "slogate", "server", "--port", str(port), "--data-dir", str(data_dir)),
        *options,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_taken_port_fails_before_a_token_is_created_or_printed(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = server_process(tmp_path, port)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, (stdout, stderr)
    assert stdout == ""  # no token, no banner
    (line,) = stderr.splitlines()
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}: "), line
    assert "in use" in line
    assert "--port" in line
    assert not (tmp_path / TOKEN_FILE).exists()


def test_the_first_start_on_a_free_port_prints_the_token_that_the_server_accepts(tmp_path: Path) -> None:
    port = free_port()
    process = server_process(tmp_path, port)
    try:
        first_line = process.stdout.readline() if process.stdout else ""
        token = first_line.rsplit(": ", 1)[-1].strip()
        assert first_line.startswith("API token (shown once"), first_line
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/metadata", headers={"x-token": token}, timeout=5
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.1)
        assert answer.status_code == 200, answer.text
        assert (tmp_path / TOKEN_FILE).exists()
    finally:
        process.terminate()
        process.communicate(timeout=30)
