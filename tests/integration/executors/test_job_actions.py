"""The job executor running a remediation's ``action`` task: the action and problem in its
templates and environment, with hostile values that must never reach a shell as syntax."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.executors.action_fields import ENVIRONMENT, action_fields
from slogate.adapters.executors.job import JobExecutor
from slogate.ports.executors import ERRORED, SUCCEEDED, ExecutorEnvironment, TaskRequest

from .conftest import event
from .test_job import python, run_job

PRINT_ENV = f"import json, os; print(json.dumps({{n: os.environ.get(n) for n in {list(ENVIRONMENT)!r}}}))"


def hostile(tmp_path: Path) -> str:
    """A value with quotes, newlines, command substitutions and a variable: each would touch a file
    (or print the secret) if any shell read it as syntax."""
    marker = tmp_path / "pwned"
    return (
        f"it's \"quoted\"\n$(touch {marker}) `touch {marker}` '; touch {marker}; '"
        ' "; touch ' + str(marker) + '; " $HOME ${HOME} \\ end'
    )


def action_data(value: Any, **problem: Any) -> dict[str, Any]:
    return {
        "action": {"name": "Scale up", "action": "scaling", "description": "two more", "value": value},
        "problem": problem or {"ProblemTitle": "response_time_p95", "State": "OPEN"},
    }


def printed(message: str) -> Any:
    """The JSON the job printed as its last output line."""
    return json.loads(message.splitlines()[-1])


def test_the_environment_carries_the_action_and_the_problem(environment: ExecutorEnvironment) -> None:
    details = {"problemDetails": "p95 above 600 ms", "n": 1}
    data = action_data(
        {"replicas": 2, "zone": "eu"},
        ProblemTitle="response_time_p95",
        ProblemDetails=details,
        ProblemID="42",
        State="OPEN",
        ProblemURL="http://127.0.0.1:9090/graph",
    )
    result = run_job(environment, {"command": python(PRINT_ENV)}, task="action", **data)
    assert result.status == SUCCEEDED, result.message
    assert printed(result.message) == {
        "SLOGATE_ACTION": "scaling",
        "SLOGATE_ACTION_NAME": "Scale up",
        "SLOGATE_ACTION_DESCRIPTION": "two more",
        "SLOGATE_ACTION_VALUE": '{"replicas":2,"zone":"eu"}',
        "SLOGATE_PROBLEM_TITLE": "response_time_p95",
        "SLOGATE_PROBLEM_DETAILS": '{"problemDetails":"p95 above 600 ms","n":1}',
        "SLOGATE_PROBLEM_ROOT_CAUSE": "",
        "SLOGATE_PROBLEM_ID": "42",
        "SLOGATE_PROBLEM_STATE": "OPEN",
        "SLOGATE_PROBLEM_URL": "http://127.0.0.1:9090/graph",
    }


def test_problem_keys_match_in_either_spelling_and_values_keep_their_text(
    environment: ExecutorEnvironment,
) -> None:
    data = action_data("2", problemTitle="lower", rootcause="disk", state="OPEN")
    result = run_job(environment, {"command": python(PRINT_ENV)}, task="action", **data)
    shown = printed(result.message)
    assert (shown["SLOGATE_ACTION_VALUE"], shown["SLOGATE_PROBLEM_TITLE"]) == ("2", "lower")
    assert shown["SLOGATE_PROBLEM_ROOT_CAUSE"] == "disk"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), (True, "true"), (3, "3"), (2.5, "2.5"), (["a", "é"], '["a","é"]'), ("", "")],
)
def test_values_that_are_not_strings_are_json(value: Any, shown: str) -> None:
    assert action_fields(event("action", "", **action_data(value)))["action.value"] == shown


def test_other_tasks_get_the_variables_empty(
    environment: ExecutorEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOGATE_ACTION", "inherited from the server")  # never leaks into a job
    result = run_job(environment, {"command": python(PRINT_ENV)}, action="not a mapping")
    assert printed(result.message) == dict.fromkeys(ENVIRONMENT, "")


def test_a_hostile_value_reaches_the_command_verbatim_and_no_shell_reads_it(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    value = hostile(tmp_path)
    code = "import json, os, sys; print(json.dumps([sys.argv[1:], os.environ['SLOGATE_ACTION_VALUE']]))"
    config = {"command": [*python(code), "{action.value}", "--title={problem.title}"]}
    data = action_data(value, ProblemTitle=value)
    result = run_job(environment, config, task="action", **data)
    assert result.status == SUCCEEDED, result.message
    assert printed(result.message) == [[value, f"--title={value}"], value]
    assert not (tmp_path / "pwned").exists()


def test_a_shell_command_gets_the_hostile_value_as_one_word(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    value = hostile(tmp_path)
    out = tmp_path / "out"
    command = (
        f'printf "%s" {{action.value}} > {out}; printf "%s" "[{{problem.title}}]" >> {out};'
        f' printf "%s" "$SLOGATE_ACTION_VALUE" >> {out}'
    )
    data = action_data(value, ProblemTitle=value)
    result = run_job(environment, {"command": command, "shell": True}, task="action", **data)
    assert result.status == SUCCEEDED, result.message
    assert out.read_text() == f"{value}[{value}]{value}"
    assert not (tmp_path / "pwned").exists()


def test_a_placeholder_in_single_quotes_is_refused_before_anything_runs(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    config = {"command": f"echo '{{action.value}}' > {tmp_path / 'out'}", "shell": True}
    result = run_job(environment, config, task="action", **action_data("x'; touch pwned; '"))
    assert result.status == ERRORED
    assert "{action.value} is inside single quotes" in result.message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"command": [sys.executable, "-c", "pass", "{action.value}"]},
            "`command`: a value put into it holds a NUL character",
        ),
        (
            {"command": [sys.executable, "-c", "pass"]},
            "the environment variable SLOGATE_ACTION_VALUE would hold a NUL character",
        ),
    ],
)
def test_a_nul_in_a_value_ends_the_task_errored_with_a_clear_message(
    environment: ExecutorEnvironment, config: dict[str, Any], message: str
) -> None:
    result = run_job(environment, config, task="action", **action_data("a\0b"))
    assert result.status == ERRORED
    assert message in result.message


def per_action_config(tmp_path: Path, **more: Any) -> dict[str, Any]:
    """A job with one command per action, each appending its name and the value to ``log``."""
    log = tmp_path / "log"
    code = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + '=' + sys.argv[3] + '\\n')"
    return {
        "timeout": "30s",
        "actions": {
            "first-fix": {"command": [*python(code), str(log), "first", "{action.value}"]},
            "second-fix": {"command": f'printf "second=%s\\n" {{action.value}} >> {log}', "shell": True},
        },
        **more,
    }


def test_actions_choose_the_command_of_each_action(environment: ExecutorEnvironment, tmp_path: Path) -> None:
    config = per_action_config(tmp_path)
    for verb, value in (("first-fix", "1"), ("second-fix", "$(touch pwned)"), ("first-fix", "3")):
        data = action_data(value)
        data["action"]["action"] = verb
        result = run_job(environment, config, task="action", **data)
        assert result.status == SUCCEEDED, result.message
    assert (tmp_path / "log").read_text() == "first=1\nsecond=$(touch pwned)\nfirst=3\n"


def test_an_action_without_an_entry_runs_the_command_for_other_actions_or_errors(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    data = action_data("x")
    data["action"]["action"] = "escalate"
    refused = run_job(environment, per_action_config(tmp_path), task="action", **data)
    assert refused.status == ERRORED
    assert refused.message == (
        "slogate/executors.yaml tasks.action.config `actions`: no entry for the action 'escalate' "
        "(entries: first-fix, second-fix) and no `command` for other actions: add one of them"
    )
    fallback = per_action_config(tmp_path, command=python("print('other')"))
    result = run_job(environment, fallback, task="action", **data)
    assert (result.status, result.message.splitlines()[-1]) == (SUCCEEDED, "other")


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (["scale"], "`actions`: expected a mapping of action names to job settings"),
        ({"scaling": "make scale"}, "`actions`: expected a mapping of action names to job settings"),
        ({"scaling": {"actions": {}}}, "tasks.action.config.actions.scaling: `actions` cannot be nested"),
        ({"scaling": {"comand": ["x"]}}, "config.actions.scaling: unknown field `comand`"),
    ],
)
def test_unusable_actions_are_errored_naming_the_field(
    environment: ExecutorEnvironment, actions: Any, message: str
) -> None:
    result = run_job(environment, {"actions": actions}, task="action", **action_data("1"))
    assert result.status == ERRORED
    assert message in result.message


def test_rerun_safety_is_read_per_action() -> None:
    config = {"actions": {"scaling": {"command": ["x"], "rerun": True}, "escalate": {"command": ["y"]}}}
    assert JobExecutor.rerun_safe(TaskRequest(event("action", "", **action_data("1")), "action", config))
    data = action_data("1")
    data["action"]["action"] = "escalate"
    assert not JobExecutor.rerun_safe(TaskRequest(event("action", "", **data), "action", config))
    assert not JobExecutor.rerun_safe(
        TaskRequest(event("action", "", **action_data("1")), "action", {"actions": 1})
    )
