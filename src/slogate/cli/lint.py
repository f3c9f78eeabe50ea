"""``slogate lint FILE…``: check Keptn and slogate files of any kind as the services that read them would."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from slogate.cli.files import read_text
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.domain.file_kinds import KINDS
from slogate.domain.problems import Problem, Severity
from slogate.errors import InputError

if TYPE_CHECKING:
    from slogate.services.usecases.resource_checks import FileChecks

UNKNOWN = (
    "not checked: not a kind slogate checks (slo.yaml, <provider>/sli.yaml, webhook/webhook.yaml, "
    "shipyard.yaml, slogate/executors.yaml, slogate/deployment.yaml, dynatrace/dynatrace.conf.yaml, "
    "remediation.yaml); "
    "if it is one, name it after its kind or pass --kind"
)


def lint_command(
    files: Annotated[list[Path], typer.Argument(help="The files to check.", show_default=False)],
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Also make slogate's extra checks errors (unknown keys Keptn ignores, …)."
        ),
    ] = False,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help=f"Read every file as this kind: {', '.join(KINDS)} (default: recognised)."
        ),
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Check Keptn files as Keptn would: slo.yaml, a provider's sli.yaml, webhook.yaml, shipyard.yaml,
    dynatrace.conf.yaml, remediation.yaml, and slogate's executors.yaml and deployment.yaml; each kind
    is recognised by content or file name.

    Errors are what fails when the file is used; warnings what Keptn accepts but silently ignores
    (--strict makes those errors too); a file of another kind is skipped with a warning. The queries
    of dynatrace/, datadog/ and sumologic/sli.yaml (by folder) are checked as those providers read
    them ($ENV placeholders, Dynatrace's key=value syntax, Sumo Logic's quantize clause). Given one SLO
    and one sli.yaml, also objectives without a query (the Prometheus provider's default SLIs need
    none) and unused queries. One line per problem, with file and path. Exit code 1 when any file
    has an error, 0 otherwise.

    Example: slogate lint slo.yaml prometheus/sli.yaml webhook/webhook.yaml --strict
    """
    from slogate.adapters.file_checks import CHECKS, query_checks  # loaded here: `--help` stays fast
    from slogate.adapters.yamlfile import load_document
    from slogate.services.usecases.resource_checks import FileChecks

    with user_errors():
        if kind is not None and kind not in KINDS:
            raise InputError(f"--kind {kind!r} is not a kind slogate checks; use one of {', '.join(KINDS)}")
        checks = FileChecks(load_document, CHECKS, query_checks())
        reports = [_lint_file(checks, path, kind, strict) for path in files]
        _add_coverage(checks, reports)
    for report in reports:
        report.pop("text", None)
    errors = sum(report["errors"] for report in reports)
    if output == OutputFormat.TABLE:
        _print(reports)
    else:
        print_document({"errors": errors, "files": reports}, output)
    raise typer.Exit(1 if errors else 0)


def _lint_file(checks: FileChecks, path: Path, kind: str | None, strict: bool) -> dict[str, Any]:
    text = read_text(path, "file to lint")
    found = kind or checks.recognise(text, str(path))
    problems = (
        (Problem("", UNKNOWN, Severity.WARNING),)
        if found is None
        else checks.check(found, text, str(path), strict=strict)
    )
    return {
        "file": str(path),
        "kind": found or "",
        "errors": sum(1 for problem in problems if problem.severity == Severity.ERROR),
        "problems": [_encoded(problem) for problem in problems],
        "text": text,  # for the coverage check; removed before printing
    }


def _add_coverage(checks: FileChecks, reports: list[dict[str, Any]]) -> None:
    """With one SLO and one sli.yaml among the files: the SLO's objectives without a query (the
    Prometheus provider's default SLIs need none) and the queries no objective uses."""
    from slogate.adapters.providers.promql import DEFAULT_SLIS

    slos = [report for report in reports if report["kind"] == "slo"]
    slis = [report for report in reports if report["kind"] == "sli"]
    if len(slos) != 1 or len(slis) != 1:
        return
    slo, sli = slos[0], slis[0]
    problems = checks.coverage((slo.pop("text"), slo["file"]), (sli.pop("text"), sli["file"]), DEFAULT_SLIS)
    slo["problems"] += [_encoded(problem) for problem in problems]
    slo["errors"] += sum(1 for problem in problems if problem.severity == Severity.ERROR)


def _encoded(problem: Problem) -> dict[str, str]:
    return {"path": problem.path, "severity": str(problem.severity), "message": problem.message}


def _print(reports: list[dict[str, Any]]) -> None:
    from rich.text import Text

    out = console()
    for report in reports:
        for problem in report["problems"]:
            line = Text(f"{report['file']}: ")
            line.append(
                f"{problem['severity']}: ", style="red" if problem["severity"] == "error" else "yellow"
            )
            line.append(f"{problem['path']}: {problem['message']}" if problem["path"] else problem["message"])
            out.print(line, soft_wrap=True)  # one problem per line, easy to grep
        warnings = len(report["problems"]) - report["errors"]
        summary = (
            f"{report['errors']} error(s), {warnings} warning(s)" if report["problems"] else "no problems"
        )
        out.print(Text(f"{report['file']} ({report['kind'] or 'unknown kind'}): {summary}"), soft_wrap=True)
