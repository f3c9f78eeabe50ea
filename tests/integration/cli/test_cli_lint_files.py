"""``slogate lint FILE…``: every Keptn and slogate file kind recognised and checked as its reader would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .cli_helpers import Run

KEPTN = Path(__file__).resolve().parents[2] / "data" / "keptn"
VALID = (
    "slo-quality-gates.yaml",
    "sli-config-prometheus.yaml",
    "webhook.yaml",
    "shipyard.yaml",
    "executors.yaml",
    "deployment.yaml",
)
INVALID = {
    "slo.yaml": ("slo", "objectives[0].key_sli", "must be true or false"),
    "sli.yaml": ("sli", "", "indicators must be a mapping of SLI name to query"),
    "webhook.yaml": ("webhook", "", "Webhook configuration invalid: missing 'webhooks[].SubscriptionID'"),
    "shipyard.yaml": ("shipyard", "", "Stage dev is defined more than once. Please update"),
    "executors.yaml": ("executors", "", "tasks.evaluation: 'evaluation' is answered by slogate itself"),
    "deployment.yaml": ("deployment", "", "unknown field `helth`"),
}


def lint(run: Run, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """``slogate lint -o json``: the exit code and the report."""
    result = run("lint", *args, "-o", "json")
    assert result.stderr == "", result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_keptn_files_as_found_pass(run: Run) -> None:
    """Files modelled on keptn/examples (default SLIs without a query, an informational duplicate, a
    v1beta1 webhook, a shipyard) and slogate's own files: recognised by content, no error, exit 0."""
    code, report = lint(run, *(KEPTN / name for name in VALID))
    assert code == 0, report
    assert report["errors"] == 0
    assert [f["kind"] for f in report["files"]] == [
        "slo",
        "sli",
        "webhook",
        "shipyard",
        "executors",
        "deployment",
    ]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_each_broken_kind_is_an_error_naming_file_and_path(run: Run, name: str) -> None:
    """Each kind broken as its reader would fail on it: exit 1, the problem with its path."""
    kind, path, fragment = INVALID[name]
    code, report = lint(run, KEPTN / "invalid" / name)
    assert code == 1
    (checked,) = report["files"]
    assert checked["kind"] == kind
    assert checked["file"] == str(KEPTN / "invalid" / name)
    first = checked["problems"][0]
    assert (first["severity"], first["path"]) == ("error", path)
    assert fragment in first["message"]


def test_table_is_one_line_per_problem(run: Run) -> None:
    """Without -o: one line per problem starting with the file, then a summary per file."""
    broken = KEPTN / "invalid" / "shipyard.yaml"
    result = run("lint", broken, KEPTN / "webhook.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{broken}: error: provided shipyard file is not valid")
    assert lines[1] == f"{broken} (shipyard): 1 error(s), 0 warning(s)"
    assert lines[2] == f"{KEPTN / 'webhook.yaml'} (webhook): no problems"


def test_strict_makes_ignored_keys_errors(run: Run, tmp_path: Path) -> None:
    """An unknown key Keptn ignores (displayname) is a warning as Keptn sees it, an error with --strict."""
    slo = tmp_path / "slo.yaml"
    text = (KEPTN / "slo-quality-gates.yaml").read_text().replace("displayName:", "displayname:")
    slo.write_text(text)
    code, report = lint(run, slo)
    assert code == 0
    problems = report["files"][0]["problems"]
    assert ("objectives[1].displayname", "warning") in [(p["path"], p["severity"]) for p in problems]
    code, report = lint(run, "--strict", slo)
    assert code == 1
    problems = report["files"][0]["problems"]
    assert ("objectives[1].displayname", "error") in [(p["path"], p["severity"]) for p in problems]


def test_kind_by_file_name_and_by_option(run: Run, tmp_path: Path) -> None:
    """A file whose content says nothing is recognised by its name, one that declares its kind by its
    content; --kind overrides; a file of no kind slogate checks is skipped with a warning."""
    empty_slo = tmp_path / "slo-quality-gate.yaml"
    empty_slo.write_text("")
    code, report = lint(run, empty_slo)
    assert (code, report["files"][0]["kind"]) == (0, "slo")  # Keptn passes without evaluating: warning
    assert report["files"][0]["problems"][0]["severity"] == "warning"
    other = tmp_path / "notes.yaml"
    shutil.copy(KEPTN / "invalid" / "sli.yaml", other)
    code, report = lint(run, other)
    assert (code, report["files"][0]["kind"]) == (1, "sli")  # by content: indicators
    unknown = tmp_path / "values.yaml"
    unknown.write_text("replicas: 2\n")
    code, report = lint(run, unknown)
    assert code == 0  # Keptn has other files (helm charts): skipped, with a warning
    (problem,) = report["files"][0]["problems"]
    assert problem["severity"] == "warning"
    assert problem["message"].startswith("not checked: not a kind slogate checks")
    neutral = tmp_path / "hooks-config.yaml"
    shutil.copy(KEPTN / "invalid" / "webhook.yaml", neutral)
    code, report = lint(run, neutral)
    assert (code, report["files"][0]["kind"]) == (1, "webhook")  # by its apiVersion
    remediation = tmp_path / "slo-remediation.yaml"
    remediation.write_text("apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nspec: {remediations: []}\n")
    code, report = lint(run, remediation)
    assert (code, report["files"][0]["kind"]) == (0, "remediation")  # by content, not by its name
    remediation.write_text("apiVersion: spec.keptn.sh/0.1.3\nkind: Remediation\n")
    code, report = lint(run, remediation)
    assert (code, report["files"][0]["kind"]) == (1, "remediation")
    assert report["files"][0]["problems"][0]["path"] == "apiVersion"
    code, report = lint(run, "--kind", "deployment", unknown)
    assert (code, report["files"][0]["kind"]) == (1, "deployment")
    result = run("lint", "--kind", "helm", unknown)
    assert result.exit_code == 2
    assert "--kind 'helm' is not a kind" in result.stderr


def test_one_slo_and_one_sli_are_checked_together(run: Run, tmp_path: Path) -> None:
    """An objective without a query is an error unless the provider has a default query for it."""
    code, report = lint(run, KEPTN / "slo-quality-gates.yaml", KEPTN / "sli-config-prometheus.yaml")
    assert code == 0, report  # throughput and error_rate: the Prometheus provider's defaults
    slo = tmp_path / "slo.yaml"
    slo.write_text((KEPTN / "slo-quality-gates.yaml").read_text().replace('sli: "throughput"', "sli: cpu"))
    code, report = lint(run, slo, KEPTN / "sli-config-prometheus.yaml")
    assert code == 1
    problems = report["files"][0]["problems"]
    assert {
        "path": "objectives[2].sli",
        "severity": "error",
        "message": (f"'cpu' has no query in {KEPTN / 'sli-config-prometheus.yaml'}"),
    } in problems
    assert "text" not in report["files"][0]
