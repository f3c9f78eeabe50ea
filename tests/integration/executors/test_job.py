"""The job executor with real commands: output, exit codes, timeouts, environment, test windows, cleanup."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from slogate.adapters.executors.job import JobExecutor, create
from slogate.ports.executors import (
    ERRORED,
    FAIL,
    PASS,
    SUCCEEDED,
    ExecutorEnvironment,
    TaskRequest,
    TaskResult,
)

from .conftest import IMAGE, Context, event, gone, pids_in

KEPTN_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def run_job(
    environment: ExecutorEnvironment, config: Mapping[str, Any], task: str = "deployment", **data: Any
) -> TaskResult:
    """Run one task with ``config`` on a fresh executor and close it."""

    async def main() -> TaskResult:
        executor = JobExecutor(environment, kill_grace=0.5)
        try:
            return await executor.run(TaskRequest(event(task, "v1", **data), task, config), Context())
        finally:
            await executor.aclose()

    return asyncio.run(main())


def test_a_successful_command_passes_with_the_tail_of_its_output(environment: ExecutorEnvironment) -> None:
    code = "import sys; print('\\n'.join(f'line {{n}}' for n in range(30))); print('warn', file=sys.stderr)"
    result = run_job(environment, {"command": python(code)})
    assert (result.status, result.result) == (SUCCEEDED, PASS)
    assert result.message.startswith(f"{sys.executable} exited 0; last lines of its output:\n")
    assert result.message.endswith("line 29\nwarn")
    assert "line 9\n" not in result.message  # only the last lines
    assert result.data == {}


def test_a_failing_command_is_errored_with_its_exit_code_and_output(environment: ExecutorEnvironment) -> None:
    result = run_job(environment, {"command": python("import sys; print('it broke'); sys.exit(4)")})
    assert (result.status, result.result) == (ERRORED, FAIL)
    assert result.message == f"{sys.executable} exited with code 4; last lines of its output:\nit broke"


def test_a_timeout_kills_the_process_group(environment: ExecutorEnvironment, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    command = f"sleep 30 & echo $! >> {pids}; echo $$ >> {pids}; echo started; wait"
    began = time.monotonic()
    result = run_job(environment, {"command": command, "shell": True, "timeout": "0.5s"})
    assert time.monotonic() - began < 5
    assert (result.status, result.result) == (ERRORED, FAIL)
    assert "timed out after 0.5s and was killed; last lines of its output:\nstarted" in result.message
    assert len(pids_in(pids)) == 2
    assert all(gone(pid) for pid in pids_in(pids))


def test_what_a_finished_command_leaves_running_is_ended(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    began = time.monotonic()
    result = run_job(environment, {"command": f"sleep 30 & echo $! > {pids}; echo done", "shell": True})
    assert time.monotonic() - began < 3
    assert result.message.startswith("/bin/sh -c 'sleep 30 & echo $! > /")
    assert result.message.endswith("...' exited 0; last lines of its output:\ndone")
    [pid] = pids_in(pids)
    assert gone(pid)


def test_a_missing_command_is_named(environment: ExecutorEnvironment) -> None:
    result = run_job(environment, {"command": ["no-such-command-for-slogate", "--help"]})
    assert result.status == ERRORED
    assert (
        result.message == "command not found: no-such-command-for-slogate: install it or put it on the PATH"
    )


def test_arguments_and_environment_are_templated(
    environment: ExecutorEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOGATE_API_TOKEN", "secret")
    monkeypatch.setenv("JOB_TEST_INHERITED", "yes")
    names = ["GREETING", "JOB_TEST_INHERITED", "SLOGATE_API_TOKEN"]
    names += ["KEPTN_PROJECT", "KEPTN_STAGE", "KEPTN_SERVICE", "KEPTN_CONTEXT", "KEPTN_IMAGE"]
    names += ["SLOGATE_TRIGGERED_ID"]  # an idempotency key: the same when the task runs again
    code = f"import os, sys; print(sys.argv[1:]); print([os.environ.get(n) for n in {names!r}])"
    config = {
        "command": [*python(code), "--set", "image={image}", "{labels.team}"],
        "env": {"GREETING": "hi {service} in {stage} ({version})"},
    }
    result = run_job(environment, config, labels={"team": "blue"})
    assert result.status == SUCCEEDED, result.message
    image = IMAGE.format(version="v1")
    lines = result.message.splitlines()
    assert lines[-2] == str(["--set", f"image={image}", "blue"])
    expected = ["hi hello in qa (v1)", "yes", None, "demo", "qa", "hello", "ctx-1", image, "deployment-v1-qa"]
    assert lines[-1] == str(expected)


def test_shell_commands_get_quoted_values(environment: ExecutorEnvironment) -> None:
    config = {"command": "echo {labels.note}; echo second", "shell": True}
    result = run_job(environment, config, labels={"note": "x; echo injected"})
    assert result.status == SUCCEEDED, result.message
    assert result.message.splitlines()[-2:] == ["x; echo injected", "second"]


def test_a_test_task_reports_its_window(environment: ExecutorEnvironment) -> None:
    before = datetime.now(environment.now().tzinfo)
    result = run_job(environment, {"command": python("import time; time.sleep(0.05)")}, task="test")
    assert result.status == SUCCEEDED
    window = result.data["test"]
    assert KEPTN_TIME.fullmatch(window["start"])
    assert KEPTN_TIME.fullmatch(window["end"])
    assert window["start"] < window["end"]
    assert window["start"] >= before.strftime("%Y-%m-%dT%H:%M:%S")
    failed = run_job(environment, {"command": python("raise SystemExit(2)")}, task="test")
    assert failed.status == ERRORED
    assert set(failed.data["test"]) == {"start", "end"}


def test_aclose_kills_a_running_job(environment: ExecutorEnvironment, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    config = {
        "command": python(
            f"import os, time; open({str(pids)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
        )
    }

    async def main() -> TaskResult:
        executor = JobExecutor(environment, kill_grace=0.5)
        job = asyncio.create_task(executor.run(TaskRequest(event("test"), "test", config), Context()))
        while not pids_in(pids):
            await asyncio.sleep(0.02)
        await executor.aclose()
        return await job

    result = asyncio.run(main())
    assert result.status == ERRORED
    assert "was killed by signal 15" in result.message
    [pid] = pids_in(pids)
    assert gone(pid)


def test_working_directory_and_output_limit(environment: ExecutorEnvironment, tmp_path: Path) -> None:
    code = "import os; print(os.getcwd()); print('x' * 100_000); print('end')"
    result = run_job(environment, {"command": python(code), "workingDir": str(tmp_path)})
    assert result.status == SUCCEEDED
    assert result.message.endswith("end")
    assert str(tmp_path) not in result.message.splitlines()[1:]  # beyond the last 64 KiB is dropped


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "slogate/executors.yaml tasks.deployment.config: `command` is missing"),
        ({"command": "make deploy"}, "`command`: a list of arguments, or set `shell: true`"),
        ({"command": ["make"], "shell": True}, "with `shell: true`, one command line (a string)"),
        ({"command": ["make"], "shell": "yes"}, "`shell`: 'yes' is not true or false"),
        ({"command": ["make"], "timeout": "forever"}, "`timeout`: 'forever' is not a positive duration"),
        (
            {"command": ["make"], "workingDir": "/no/such/dir"},
            "`workingDir`: /no/such/dir is not an existing",
        ),
        ({"command": ["make"], "retries": 3}, "unknown field `retries`; known fields: command, shell"),
        (
            {"command": ["make", "{colour}"]},
            "unknown template name {colour}; known names: {action.action}, {action.description}",
        ),
    ],
)
def test_unusable_configs_are_errored_with_the_field(
    environment: ExecutorEnvironment, config: dict[str, Any], message: str
) -> None:
    result = run_job(environment, config)
    assert result.status == ERRORED
    assert message in result.message


def test_create_builds_the_job_executor(environment: ExecutorEnvironment) -> None:
    executor = create(environment)
    assert executor.name == "job"
    assert isinstance(executor, JobExecutor)


HOSTILE = [
    "a;touch PWNED;b",
    "$(touch PWNED)",
    "`touch PWNED`",
    "'; touch PWNED; '",
    '"; touch PWNED; "',
    "a\ntouch PWNED\nb",
    "x'\ntouch PWNED\n'",
    "* ${HOME} $1 \\ \\' %s -n",
    "  spaced  out  ",
    "",
]


@pytest.mark.parametrize("value", HOSTILE, ids=[f"value{n}" for n in range(len(HOSTILE))])
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("printf '%s' {labels.x} > out", "{}"),
        ("printf '%s' \"{labels.x}\" > out", "{}"),
        ("printf '%s' \"v={labels.x}, it's {service}\" > out", "v={}, it's hello"),
        ("printf '%s|%s|%s' {labels.x} {service} \"{labels.x}\" > out", "{}|hello|{}"),
        ("printf '%s' `printf '%s' {labels.x}` > out; printf '%s' $(printf ' %s' {labels.x}) >> out", None),
    ],
    ids=["bare", "double-quoted", "inside-a-double-quoted-word", "repeated", "in-substitutions"],
)
def test_a_hostile_label_never_runs_and_arrives_intact(
    environment: ExecutorEnvironment, tmp_path: Path, value: str, command: str, expected: str | None
) -> None:
    config = {"command": command, "shell": True, "workingDir": str(tmp_path)}
    result = run_job(environment, config, labels={"x": value})
    assert result.status == SUCCEEDED, result.message
    assert not (tmp_path / "PWNED").exists()
    if expected is not None:
        assert (tmp_path / "out").read_text(encoding="utf-8") == expected.replace("{}", value)
    assert "${1}" in result.message.splitlines()[0]  # the title names the parameter, not the value


@pytest.mark.parametrize(
    ("command", "place"),
    [
        ("echo '{labels.x}' > out", "inside single quotes, where the shell expands nothing"),
        ("echo \"a\" 'b {labels.x} c'", "inside single quotes, where the shell expands nothing"),
        ("echo \\{labels.x}", "right after a backslash"),
    ],
)
def test_a_placeholder_the_shell_cannot_expand_is_refused(
    environment: ExecutorEnvironment, tmp_path: Path, command: str, place: str
) -> None:
    config = {"command": command, "shell": True, "workingDir": str(tmp_path)}
    result = run_job(environment, config, labels={"x": "a;touch PWNED;b"})
    assert (result.status, result.result) == (ERRORED, FAIL)
    assert result.message == (
        f"slogate/executors.yaml tasks.deployment.config `command`: {{labels.x}} is {place}, so its value "
        "cannot be passed there; write {labels.x} bare (slogate passes each value as one word, quoted for "
        "the shell) or inside double quotes"
    )
    assert not (tmp_path / "PWNED").exists()
    assert list(tmp_path.iterdir()) == []


def test_quotes_that_are_text_do_not_confuse_the_placeholders(
    environment: ExecutorEnvironment, tmp_path: Path
) -> None:
    command = "printf '%s|' \"it's\" \\' {labels.x} \\\" {{literal}} ${HOME:+home} > out"
    result = run_job(
        environment, {"command": command, "shell": True, "workingDir": str(tmp_path)}, labels={"x": "a b"}
    )
    assert result.status == SUCCEEDED, result.message
    assert (tmp_path / "out").read_text(encoding="utf-8") == "it's|'|a b|\"|{literal}|home|"


def test_a_nul_in_a_shell_command_is_refused(environment: ExecutorEnvironment) -> None:
    result = run_job(environment, {"command": "echo a\0b", "shell": True})
    assert result.status == ERRORED
    assert result.message.endswith("`command`: contains a NUL character, which no command line can hold")
