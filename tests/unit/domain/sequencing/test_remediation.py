"""remediation.yaml as Keptn reads it, and the get-action choice per remediation (the loop's semantics)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from slogate.domain.document import Scalar
from slogate.domain.sequencing.remediation import (
    API_VERSION,
    Action,
    Answer,
    Limits,
    Progress,
    RemediationFile,
    choose,
    next_action,
    parse_remediation,
    problem_keys,
)

FILE: dict[str, Any] = {
    "apiVersion": API_VERSION,
    "kind": "Remediation",
    "metadata": {"name": "helloservice-remediation"},
    "spec": {
        "remediations": [
            {
                "problemType": "http_response_time_seconds_main_page_sum",
                "actionsOnOpen": [
                    {"name": "Scale up", "action": "scaling", "description": "one more", "value": "1"},
                    {"name": "Roll back", "action": "rollback", "description": "the last good one"},
                ],
            },
            {
                "problemType": "Response time degradation",
                "actionsOnOpen": [
                    {"name": "Toggle", "action": "togglefeature", "value": {"EnablePromotion": "off"}}
                ],
            },
            {"problemType": "default", "actionsOnOpen": [{"name": "Escalate", "action": "escalate"}]},
        ]
    },
}
LIMITS = Limits(max_loops=10, time_budget=timedelta(hours=2))


def parsed(document: object = FILE) -> RemediationFile:
    file, problems = parse_remediation(document)
    assert file is not None, problems
    return file


def test_the_file_is_read_as_keptn_reads_it() -> None:
    """Actions in order; ``value`` passed through as a string or an object; missing fields empty."""
    file = parsed()
    first = file.remediations[0]
    assert first.actions[0] == Action("Scale up", "scaling", "one more", "1")
    assert first.actions[1] == Action("Roll back", "rollback", "the last good one", None)
    assert file.remediations[1].actions[0].value == {"EnablePromotion": "off"}
    assert file.remediations[1].actions[0].as_data() == {
        "name": "Toggle",
        "action": "togglefeature",
        "description": "",
        "value": {"EnablePromotion": "off"},
    }


def test_scalars_of_a_text_keeping_loader_become_json_values() -> None:
    """A document whose scalars keep their text (slogate's loader) gives the same values; a date
    (which JSON cannot carry) travels as written; numbers in string fields are their text (Go's yaml)."""
    document = {
        "apiVersion": Scalar(API_VERSION, API_VERSION),
        "spec": {
            "remediations": [
                {
                    "problemType": Scalar("404", 404),
                    "actionsOnOpen": [
                        {
                            "name": Scalar("~", None),
                            "action": "scaling",
                            "value": {"n": Scalar("2", 2), "at": [date(2024, 1, 2)], "on": True},
                        },
                        {"action": "x", "value": Scalar("2024-01-02", date(2024, 1, 2))},
                    ],
                }
            ]
        },
    }
    actions = parsed(document).remediations[0].actions
    assert parsed(document).remediations[0].problem_type == "404"
    assert actions[0].name == ""
    assert actions[0].value == {"n": 2, "at": ["2024-01-02"], "on": True}
    assert actions[1].value == "2024-01-02"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({**FILE, "apiVersion": "spec.keptn.sh/0.2.0"}, "apiVersion: remediation.yaml file does not conform"),
        ({"kind": "Remediation"}, "apiVersion: remediation.yaml file does not conform"),
        (["a list"], "the file must be a mapping (apiVersion, kind, spec), not a list"),
        ({**FILE, "spec": "text"}, "spec: must be a mapping, not a string"),
        ({**FILE, "spec": {"remediations": {"a": 1}}}, "spec.remediations: must be a list, not a mapping"),
        ({**FILE, "spec": {"remediations": ["x"]}}, "spec.remediations[0]: must be a mapping"),
        (
            {**FILE, "spec": {"remediations": [{"problemType": ["a"]}]}},
            "spec.remediations[0].problemType: must be a string, not a list",
        ),
        (
            {**FILE, "spec": {"remediations": [{"actionsOnOpen": [{"action": {"a": 1}}]}]}},
            "spec.remediations[0].actionsOnOpen[0].action: must be a string, not a mapping",
        ),
    ],
)
def test_a_file_keptn_refuses_is_named_by_path(document: object, problem: str) -> None:
    """What makes Keptn's decoding or its apiVersion check fail is a problem with its path."""
    file, problems = parse_remediation(document)
    assert file is None
    assert str(problems[0]).startswith(problem)


def test_an_empty_document_is_refused_for_its_missing_api_version() -> None:
    """An empty file decodes to nothing; Keptn refuses it for its apiVersion."""
    file, problems = parse_remediation(None)
    assert file is None
    assert "(found nothing)" in str(problems[0])


@pytest.mark.parametrize(
    ("problem", "root_cause", "title"),
    [
        ({"ProblemTitle": "a", "RootCause": "b"}, "b", "a"),
        ({"problemTitle": "a", "rootCause": "b"}, "b", "a"),
        ({"PROBLEMTITLE": "a", "problemtitle": "second"}, "", "a"),
        ({"problemTitle": 7}, "", ""),
        ("not an object", "", ""),
    ],
)
def test_problem_keys_are_matched_regardless_of_case(problem: object, root_cause: str, title: str) -> None:
    """Go's JSON decoding ignores case: producers send PascalCase, Keptn reads camelCase."""
    keys = problem_keys(problem)
    assert (keys.root_cause, keys.title) == (root_cause, title)


@pytest.mark.parametrize(
    ("problem", "first_action", "what"),
    [
        ({"ProblemTitle": "http_response_time_seconds_main_page_sum"}, "Scale up", "problem title http_"),
        ({"RootCause": "Response time degradation", "ProblemTitle": "x"}, "Toggle", "root cause Resp"),
        ({"ProblemTitle": "Response time degradation"}, "Toggle", "problem title Resp"),
        ({"ProblemTitle": "response time degradation"}, "Escalate", "problem type default"),  # exact case
        ({}, "Escalate", "problem type default"),
    ],
)
def test_actions_are_chosen_by_root_cause_then_title_then_default(
    problem: object, first_action: str, what: str
) -> None:
    """The first remediation matching the root cause, else the title, else ``default``."""
    choice = choose(parsed(), problem_keys(problem))
    assert choice is not None
    assert choice.actions[0].name == first_action
    assert choice.what.startswith(what)


def progress(chosen: int = 0, loops: int | None = None, minutes: int = 0, closed: bool = False) -> Progress:
    return Progress(chosen, chosen if loops is None else loops, timedelta(minutes=minutes), closed)


NO_DEFAULT = {**FILE, "spec": {"remediations": FILE["spec"]["remediations"][:2]}}
TITLE = {"ProblemTitle": "http_response_time_seconds_main_page_sum"}


@pytest.mark.parametrize(
    ("document", "problem", "at", "expected"),
    [
        (FILE, TITLE, progress(0), ("succeeded", "pass", "Scale up", 1)),
        (FILE, TITLE, progress(1), ("succeeded", "pass", "Roll back", 2)),
        (
            FILE,
            TITLE,
            progress(2),
            ("succeeded", "fail", "no more actions: all 2 actions for problem title http_", 0),
        ),
        (FILE, {"ProblemTitle": "other"}, progress(0), ("succeeded", "pass", "Escalate", 1)),
        (
            NO_DEFAULT,
            {"ProblemTitle": "other"},
            progress(0),
            ("succeeded", "fail", "unable to find action for problem title other", 0),
        ),
        (
            NO_DEFAULT,
            {"RootCause": "disk"},
            progress(0),
            ("succeeded", "fail", "unable to find action for root cause disk", 0),
        ),
        (
            NO_DEFAULT,
            {},
            progress(0),
            ("succeeded", "fail", "unable to find action for problem type default", 0),
        ),
        (
            FILE,
            TITLE,
            progress(1, closed=True),
            ("succeeded", "fail", "problem closed: no further action", 0),
        ),
        (
            FILE,
            TITLE,
            progress(1, loops=10),
            ("succeeded", "fail", "remediation stopped: it ran 10 loops", 0),
        ),
        (
            FILE,
            TITLE,
            progress(1, minutes=121),
            ("succeeded", "fail", "remediation stopped: it began 2h1m ago, longer than", 0),
        ),
        (FILE, TITLE, progress(1, minutes=120), ("succeeded", "pass", "Roll back", 2)),
        (None, TITLE, progress(0), ("errored", "fail", "Could not parse remediation.yaml file.", 0)),
    ],
)
def test_the_next_action_of_a_remediation(
    document: object, problem: object, at: Progress, expected: tuple[str, str, str, int]
) -> None:
    """Loop k runs action k; the loop ends when no action is left or none matches, when the problem
    closed, after the most loops and past the time budget; a file Keptn refuses errors."""
    file = parsed(document) if document is not None else None
    answer = next_action(file, problem, at, LIMITS)
    status, result, text, index = expected
    assert (answer.status, answer.result, answer.index) == (status, result, index)
    assert (answer.action.name if answer.action else answer.message).startswith(text)


def test_a_chosen_action_is_named_in_the_message() -> None:
    """The message says which action of how many runs."""
    answer = next_action(parsed(), TITLE, progress(1), LIMITS)
    assert answer == Answer(
        "succeeded",
        "pass",
        "action 2 of 2 for problem title http_response_time_seconds_main_page_sum: Roll back",
        Action("Roll back", "rollback", "the last good one", None),
        2,
    )


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59, "59s"), (3600, "1h"), (3661, "1h1m1s")])
def test_durations_are_written_as_go_does(seconds: int, text: str) -> None:
    """The time budget's message names spans as Go's durations look."""
    answer = next_action(
        parsed(),
        TITLE,
        Progress(0, 0, timedelta(seconds=seconds + 1), False),
        Limits(10, timedelta(seconds=seconds)),
    )
    assert f"({text}) allows" in answer.message
