"""A real ``slogate server`` process: its replica name (default host and port, or --replica-name) is
in the banner and in the replicas listing; its heartbeat row goes when it stops cleanly."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import httpx
import pytest

from slogate.cli.server import log_as_replica
from tests.integration.cli.test_cli_server import server_process
from tests.support.prometheus import free_port


def _replicas(port: int, token: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{port}/api/slogate/v1/replicas", headers={"x-token": token}, timeout=5
            )
            answer.raise_for_status()
            found: dict[str, object] = answer.json()
            return found
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.1)


@pytest.mark.parametrize("given", [None, "eu-west-1a"])
def test_the_replica_name_is_in_the_banner_and_the_listing(tmp_path: Path, given: str | None) -> None:
    port = free_port()
    expected = given or f"{socket.gethostname()}:{port}"
    process = server_process(tmp_path, port, *(["--replica-name", given] if given else []))
    try:
        assert process.stdout is not None
        token = process.stdout.readline().rsplit(": ", 1)[-1].strip()
        banner = process.stdout.readline()
        assert f"(replica {expected})" in banner, banner
        listing = _replicas(port, token)
        assert listing["self"] == expected
        assert [replica["name"] for replica in listing["replicas"]] == [expected]  # type: ignore[attr-defined]
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.mark.parametrize("name", ["host-a:8080", "odd%sname%(x)s"])
def test_log_lines_name_the_replica(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    handler = log_as_replica(name)
    try:
        logging.getLogger("slogate.services.test").warning("the database does not answer")
    finally:
        logging.getLogger("slogate").removeHandler(handler)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(f" WARNING [{name}] slogate.services.test: the database does not answer")
