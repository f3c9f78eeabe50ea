"""FileChecks and UploadChecks: each kind checked by its parser, Keptn's view by default, strict on demand."""

from __future__ import annotations

import pytest

from slogate.adapters.file_checks import CHECKS
from slogate.adapters.yamlfile import load_document
from slogate.domain.problems import Problem, Severity
from slogate.errors import InputError
from slogate.services.usecases.resource_checks import FileChecks, UploadChecks

CHECKER = FileChecks(load_document, CHECKS)
W, E = Severity.WARNING, Severity.ERROR


@pytest.mark.parametrize(
    ("text", "strict", "expected"),
    [
        ("indicators:\n  rt: up\n", False, []),
        (
            "spec_version: '1.0'\nindicator:\n  rt: up\n",
            False,
            [
                ("indicator", "unknown key 'indicator' is ignored (known keys: spec_version, indicators)", W),
                ("indicators", "no queries: only the provider's default SLIs work", W),
            ],
        ),
        (
            "indicators: {}\nextra: 1\n",
            True,
            [
                ("extra", "unknown key 'extra' is ignored (known keys: spec_version, indicators)", E),
                ("indicators", "no queries: only the provider's default SLIs work", W),
            ],
        ),
        ("indicators:\n  rt: [a]\n", False, [("", "indicators.rt: must be a query string, found a list", E)]),
        (
            "indicators: [\n",
            False,
            [("", "not valid YAML: did not find expected node content (line 2, column 1)", E)],
        ),
    ],
)
def test_sli(text: str, strict: bool, expected: list[tuple[str, str, Severity]]) -> None:
    """A provider's sli.yaml: what the provider cannot read is an error; what it ignores a warning."""
    problems = CHECKER.check("sli", text, "prometheus/sli.yaml", strict=strict)
    assert [(p.path, p.message, p.severity) for p in problems] == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("kind: [\n", "not valid YAML"),
        (
            "apiVersion: spec.keptn.sh/0.2.2\nkind: Shipyard\nspec:\n  stages: []\n",
            "provided shipyard file is not valid",
        ),
    ],
)
def test_shipyard_errors(text: str, fragment: str) -> None:
    """A shipyard as the catalog validates it; one line even where Keptn's message has two."""
    (problem,) = CHECKER.check("shipyard", text, "shipyard.yaml")
    assert fragment in problem.message
    assert "\n" not in problem.message


def test_slo_that_does_not_parse_is_an_error_in_both_modes() -> None:
    """YAML Keptn cannot read: an error, strict or not."""
    for strict in (False, True):
        (problem,) = CHECKER.check("slo", "objectives: [\n", "slo.yaml", strict=strict)
        assert problem.severity == E


def test_unknown_kind_and_recognition_fallbacks() -> None:
    """No checker: no problems; content that does not parse is recognised by name."""
    assert CHECKER.check("helm", "x: 1", "values.yaml") == ()
    assert CHECKER.recognise("objectives: [\n", "slo-quality-gates.yaml") == "slo"
    assert CHECKER.recognise("indicators: {}\n", "whatever.yaml") == "sli"


def test_uploads_are_checked_by_uri_only() -> None:
    """Only the URIs a reader uses; bytes that are not UTF-8 are a problem; kinds without a checker
    (a FileChecks built without the adapters' checks) are stored unchecked."""
    files = {
        "helm/values.yaml": b"indicators: [",
        "slo.yaml": b"\xff",
        "webhook/webhook.yaml": b"apiVersion: x\n",
    }
    reports = CHECKER.check_uploads(files)
    assert [(r.uri, r.kind) for r in reports] == [("slo.yaml", "slo"), ("webhook/webhook.yaml", "webhook")]
    assert reports[0].problems == (Problem("", "not UTF-8 text: Keptn cannot read this file"),)
    bare = FileChecks(load_document, {})
    assert [r.uri for r in bare.check_uploads(files)] == ["slo.yaml"]


def test_upload_checks_strict_and_lenient() -> None:
    """Lenient: the reports; strict: InputError naming every error's file and path, warnings allowed."""
    broken = {
        "slo.yaml": b"objectives:\n  - sli: rt\n    key_sli: 'true'\n",
        "prometheus/sli.yaml": b"indicators: {}\nqueries: 1\n",
    }
    reports = UploadChecks(CHECKER).check(broken)
    assert [r.uri for r in reports] == ["slo.yaml", "prometheus/sli.yaml"]
    with pytest.raises(InputError) as refused:
        UploadChecks(CHECKER, strict=True).check(broken)
    assert str(refused.value).startswith("slo.yaml: objectives[0].key_sli: must be true or false")
    assert "prometheus/sli.yaml: queries: unknown key 'queries'" in str(refused.value)
    assert "no queries" not in str(refused.value)  # a warning even when strict
    clean = {"prometheus/sli.yaml": b"indicators:\n  rt: up\n"}
    assert UploadChecks(CHECKER, strict=True).check(clean) == ()


def test_coverage_needs_both_files_to_parse() -> None:
    """Coverage is reported only when the SLO and the sli.yaml both parse."""
    slo = ("objectives:\n  - sli: cpu\n", "slo.yaml")
    sli = ("indicators:\n  mem: up\n", "sli.yaml")
    assert [p.path for p in CHECKER.coverage(slo, sli, ())] == ["objectives[0].sli", "indicators.mem"]
    assert CHECKER.coverage(slo, ("indicators: [a]\n", "sli.yaml"), ()) == ()
    assert CHECKER.coverage(("objectives: [\n", "slo.yaml"), sli, ()) == ()


@pytest.mark.parametrize("text", ["", "---\n", "# no queries yet\n"])
def test_empty_sli_is_a_warning(text: str) -> None:
    """The provider reads an empty sli.yaml as no queries (its default SLIs still work): a warning."""
    for strict in (False, True):
        (problem,) = CHECKER.check("sli", text, "prometheus/sli.yaml", strict=strict)
        assert problem.severity == W


def test_declared_kinds_are_not_guessed_from_the_name() -> None:
    """A Keptn remediation.yaml or a manifest declares its kind: not read as an SLO by its name."""
    remediation = "apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nspec:\n  remediations: []\n"
    assert CHECKER.recognise(remediation, "slo-remediation.yaml") == "remediation"
    manifest = "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n"
    assert CHECKER.recognise(manifest, "slo-deployment.yaml") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("apiVersion: spec.keptn.sh/0.1.4\nkind: Remediation\nspec: {remediations: []}\n", None),
        (
            "apiVersion: spec.keptn.sh/0.2.0\nkind: Remediation\n",
            "apiVersion: remediation.yaml file does not conform to remediation spec spec.keptn.sh/0.1.4",
        ),
        (
            "apiVersion: spec.keptn.sh/0.1.4\nspec: {remediations: [{actionsOnOpen: {name: x}}]}\n",
            "spec.remediations[0].actionsOnOpen: must be a list, not a mapping",
        ),
        ("apiVersion: [\n", "line 2"),
    ],
)
def test_remediation_files_are_checked_as_keptn_reads_them(text: str, problem: str | None) -> None:
    """An upload's or lint's remediation.yaml: errors where Keptn's remediation-service refuses it."""
    problems = CHECKER.check_uploads({"remediation.yaml": text.encode()})
    if problem is None:
        assert problems == ()
        return
    (report,) = problems
    assert report.kind == "remediation"
    assert problem in str(report.errors[0])
