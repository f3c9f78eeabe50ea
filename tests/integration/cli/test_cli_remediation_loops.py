"""A remediation's loops in the CLI: ``slogate trigger sequence remediation --watch`` announces each loop,
``slogate get sequences`` shows each loop's action, its result and the evaluation after it (also as JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.integration.cli.conftest import Cli
from tests.integration.keptn_services.test_remediation_loop import REMEDIATION, SHIPYARD, HelpedAfter
from tests.support.delivery import CONTROL_PLANE, RT, SLO, b64
from tests.support.live_server import LiveServer

PROJECT, SERVICE = "healing", "helloservice"


def make_project(server: LiveServer, log: Path) -> None:
    """Production with the remediation sequence; ``action`` runs a job that notes the action in ``log``."""
    command = f'printf "%s\\n" {{action.action}} >> "{log}"'
    executors = {"tasks": {"action": {"executor": "job", "config": {"command": command, "shell": True}}}}
    files = {
        "slo.yaml": SLO,
        "remediation.yaml": REMEDIATION,
        "slogate/executors.yaml": yaml.safe_dump(executors),
    }
    resources = [{"resourceURI": uri, "resourceContent": b64(text)} for uri, text in files.items()]
    with server.client() as client:
        answers = [
            client.post(f"{CONTROL_PLANE}/project", json={"name": PROJECT, "shipyard": b64(SHIPYARD)}),
            client.post(f"{CONTROL_PLANE}/project/{PROJECT}/service", json={"serviceName": SERVICE}),
            client.post(
                f"/api/resource-service/v1/project/{PROJECT}/stage/production/service/{SERVICE}/resource",
                json={"resources": resources},
            ),
        ]
    assert [answer.status_code for answer in answers] == [201, 200, 201], [a.text for a in answers]


def test_each_loop_is_announced_and_listed_with_its_action_and_evaluation(
    cli: Cli, live_server: LiveServer, tmp_path: Path
) -> None:
    log = tmp_path / "actions.log"
    make_project(live_server, log)
    live_server.backend.values = HelpedAfter(log, helps=2)  # type: ignore[assignment]
    watched = cli(
        "trigger", "sequence", "remediation", "--project", PROJECT, "--stage", "production",
        "--service", SERVICE, "--data", f"problem.ProblemTitle={RT}", "--watch", "--wait", "--timeout", "120",
    )  # fmt: skip
    assert watched.exit_code == 0, watched.output
    assert log.read_text().split() == ["scaling", "rollback"]
    lines = watched.stdout.splitlines()
    headers = [i for i, line in enumerate(lines) if "remediation loop" in line]
    assert [lines[i].strip() for i in headers] == [
        f"production remediation loop 1: problem {RT}",
        f"production remediation loop 2: problem {RT}",
    ]
    first_finished = next(i for i, line in enumerate(lines) if "production.remediation" in line)
    assert headers[0] < first_finished < headers[1], watched.stdout  # each header before its loop's lines
    table = cli("get", "sequences", "--project", PROJECT)
    assert table.exit_code == 0, table.output
    assert "loop 1: Scale up (scaling) pass · evaluation fail 66.6" in table.stdout, table.stdout
    assert "loop 2: Roll back (rollback) pass · evaluation pass 100" in table.stdout, table.stdout
    (entry,) = json.loads(cli("get", "sequences", "--project", PROJECT, "-o", "json").stdout)
    loops = entry["remediation"]["loops"]
    assert [(loop["loop"], loop["action"], loop["actionResult"]) for loop in loops] == [
        (1, {"name": "Scale up", "action": "scaling"}, "pass"),
        (2, {"name": "Roll back", "action": "rollback"}, "pass"),
    ]
    assert [loop["evaluation"]["result"] for loop in loops] == ["fail", "pass"]
    assert [loop["result"] for loop in loops] == ["fail", "pass"]
    assert [round(loop["evaluation"]["score"]) for loop in loops] == [67, 100]
