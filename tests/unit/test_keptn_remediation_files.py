"""Real remediation.yaml files of public Keptn repositories load as Keptn's remediation-service read them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from slogate.adapters.file_checks import CHECKS
from slogate.adapters.yamlfile import load_document, load_plain
from slogate.domain.sequencing.remediation import Limits, Progress, next_action, parse_remediation
from slogate.services.usecases.resource_checks import FileChecks

FILES = Path(__file__).resolve().parents[1] / "data" / "keptn" / "remediation"
CHECKER = FileChecks(load_document, CHECKS)
START = Progress(actions_chosen=0, loops=0, elapsed=timedelta(0), closed=False)
LIMITS = Limits(max_loops=10, time_budget=timedelta(hours=2))

# file -> (problem title, the actions in order as get-action hands them out: (action, value))
EXPECTED: dict[str, tuple[str, list[tuple[str, object]]]] = {
    "onboarding-carts.yaml": ("response_time_p90", [("scaling", "1")]),
    "job-executor-delivery-poc.yaml": ("Response time degradation", [("scaling", "3"), ("rollback", "")]),
    "keptn-demo-selobe.yaml": ("number_of_errors", [("fallback", {"defaultApp": "kuro08/zero:0.2.0"})]),
    "autoremediation-demo.yaml": (
        "Failure rate increase",
        [("job_template_launch", {"JobTemplate": "15"}), ("job_template_launch", {"JobTemplate": "14"})],
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_keptn_files_load_and_hand_out_their_actions_in_order(name: str) -> None:
    """Each file parses, is recognised and passes the checks, and loop k gets its action k."""
    text = (FILES / name).read_text()
    assert CHECKER.recognise(text, name) == "remediation"
    assert CHECKER.check("remediation", text, "remediation.yaml") == ()
    file, problems = parse_remediation(load_plain(text, name))
    assert file is not None, problems
    title, actions = EXPECTED[name]
    handed = []
    for loop in range(len(actions) + 1):
        at = Progress(actions_chosen=loop, loops=loop, elapsed=timedelta(0), closed=False)
        answer = next_action(file, {"ProblemTitle": title}, at, LIMITS)
        if answer.action is not None:
            handed.append((answer.action.action, answer.action.value))
    assert handed == actions
    assert answer.message.startswith("no more actions")


def test_a_number_value_stays_a_number() -> None:
    """``value: 1`` (Keptn's tutorial) travels as the number YAML makes of it, as Go's interface{} did."""
    file, _ = parse_remediation(load_plain((FILES / "onboarding-carts.yaml").read_text(), "r"))
    assert file is not None
    assert file.remediations[0].actions[0].value == 1


def test_a_null_value_is_null_and_an_unknown_problem_takes_default() -> None:
    """``value:`` with nothing is null; a title no entry names takes ``default``."""
    file, _ = parse_remediation(load_plain((FILES / "job-executor-delivery-poc.yaml").read_text(), "r"))
    answer = next_action(file, {"problemTitle": "Failure rate increase"}, START, LIMITS)
    assert answer.action is not None
    assert (answer.action.name, answer.action.value) == ("Rollback", None)


def test_the_format_before_0_1_4_is_refused_by_its_path() -> None:
    """Keptn 0.6's format (``remediations[].name/actions``) has no apiVersion: Keptn 1.x refuses it."""
    text = (FILES / "pre-0.1.4-feature-toggle.yaml").read_text()
    assert CHECKER.recognise(text, "feature-toggle.yaml") == "remediation"  # by its `remediations` key
    problems = CHECKER.check("remediation", text, "r")
    assert [problem.path for problem in problems] == ["apiVersion"]
    assert "does not conform to remediation spec spec.keptn.sh/0.1.4 (found nothing)" in problems[0].message
