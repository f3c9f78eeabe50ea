"""``slogate get replicas``: the server processes on the database, the answering one marked."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import Cli
from tests.support.live_server import LiveServer


def test_get_replicas_lists_the_running_server(cli: Cli, live_server: LiveServer) -> None:
    name = live_server.context.settings.replica_name
    table = cli("get", "replicas")
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["NAME", "VERSION", "STARTED", "LAST", "SEEN"]
    assert [row.split()[:2] for row in rows] == [[name, "*"]]
    listed = json.loads(cli("get", "replicas", "-o", "json").stdout)
    assert [replica["name"] for replica in listed] == [name]
    assert set(listed[0]) == {"name", "version", "startedAt", "lastSeen"}
