"""``slogate slo``: evaluate an SLO offline against SLI results, and lint SLO files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from slogate.cli.files import read_json, read_text
from slogate.cli.gate_input import Lenient, announce_nothing_evaluated, refuse_invalid
from slogate.cli.help import App
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.domain.problems import Problem, Severity
from slogate.errors import InputError

app = App(
    rich_markup_mode="markdown",
    help="Evaluate and lint Keptn SLO files.\n\nExample: slogate slo lint slo.yaml",
    no_args_is_help=True,
)


SloPath = Annotated[Path, typer.Option("--slo", help="The SLO file (Keptn slo.yaml).")]
SliResultsPath = Annotated[
    Path,
    typer.Option("--sli-results", help="The data of a sh.keptn.event.get-sli.finished event (JSON)."),
]
HistoryPath = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Stored evaluation.finished events, newest first "
        "(JSON array of {id, type, time, invalidated, data}).",
    ),
]
FailOnWarning = Annotated[bool, typer.Option("--fail-on-warning", help="Exit 1 when the result is warning.")]


@app.command("evaluate")
def evaluate_command(
    slo: SloPath,
    sli_results: SliResultsPath,
    history: HistoryPath = None,
    output: Output = OutputFormat.TABLE,
    fail_on_warning: FailOnWarning = False,
    lenient: Lenient = False,
) -> None:
    """Evaluate SLI results against an SLO offline, exactly as Keptn's lighthouse does.

    The SLO is checked first: every error `slogate slo lint` reports (an unknown key, an invalid
    criterion, no objectives, an empty file …) is printed on its own line and the command exits 2;
    --lenient evaluates such a file as Keptn would.

    Exit code: 0 pass or warning, 1 fail (or warning with --fail-on-warning), 2 errored
    evaluation or invalid input.

    Example: slogate slo evaluate --slo slo.yaml --sli-results sli.json --history history.json -o json
    """
    from slogate.adapters.yamlfile import load_document  # loaded here: `slogate --help` stays fast
    from slogate.cli.verdict import exit_code
    from slogate.domain.protocol.gate_json import (
        decode_history,
        decode_sli_results,
        encode_evaluation_finished,
    )
    from slogate.services.usecases import offline_gate as gate

    with user_errors():
        loaded = gate.load_slo(read_text(slo, "SLO"), str(slo), load_document)
        if not lenient:
            refuse_invalid(loaded)
        sli = _decode(sli_results, "SLI results", decode_sli_results)
        previous = _decode(history, "history", decode_history) if history else ()
        report = gate.evaluate(loaded, sli, previous)
    if output == OutputFormat.TABLE:
        from slogate.cli.gate_table import print_report  # Rich: only for the table

        print_report(report, console())
        if loaded.slo is None and loaded.file is not None:
            _print_problems(loaded.problems, str(slo))
    else:
        document = encode_evaluation_finished(report.event)
        print_document(document, output)
        announce_nothing_evaluated(document, output)
    raise typer.Exit(exit_code(report.event.status, report.event.result, fail_on_warning))


T = TypeVar("T")


def _decode(path: Path, what: str, decoder: Callable[[object], T]) -> T:
    from slogate.domain.protocol.gate_json import PayloadError

    try:
        return decoder(read_json(path, what))
    except PayloadError as error:
        raise InputError(f"{path}: {error}") from error


@app.command("lint")
def lint_command(
    slo: Annotated[Path, typer.Argument(help="The SLO file to check.")],
    sli: Annotated[
        Path | None,
        typer.Option("--sli", help="An sli.yaml: also report SLIs without a query and unused queries."),
    ] = None,
    output: Output = OutputFormat.TABLE,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            help="Whose sli.yaml --sli is: prometheus, dynatrace, datadog or sumologic "
            "(default: the name of its folder, e.g. dynatrace/sli.yaml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Report every problem of an SLO file at once, each with its path; exit 1 on any error.

    Besides what Keptn rejects, lint reports what Keptn silently gets wrong: unknown keys,
    an unknown aggregate_function, invalid warning criteria and the like. With --sli, the SLIs the
    Prometheus provider has default queries for (throughput, error_rate, response_time_p50/p90/p95)
    need no entry, and the queries of a Dynatrace, Datadog or Sumo Logic sli.yaml are checked as
    that provider reads them.

    Example: slogate slo lint slo.yaml --sli prometheus/sli.yaml
    """
    from slogate.adapters.providers.promql import DEFAULT_SLIS
    from slogate.adapters.yamlfile import load_document
    from slogate.services.usecases import offline_gate as gate

    with user_errors():
        loaded = gate.load_slo(read_text(slo, "SLO"), str(slo), load_document)
        indicators = None
        if sli is not None:
            indicators = gate.load_indicators(read_text(sli, "SLI"), str(sli), load_document)
        problems = gate.lint(loaded, indicators, str(sli) if sli else "", DEFAULT_SLIS)
        if sli is not None and indicators:
            problems = [*problems, *_query_problems(sli, indicators, provider)]
    errors = sum(1 for problem in problems if problem.severity == Severity.ERROR)
    if output == OutputFormat.TABLE:
        from rich.text import Text

        _print_problems(problems, str(slo))
        summary = f"{errors} error(s), {len(problems) - errors} warning(s)"
        console().print(Text(f"{slo}: {summary}" if problems else f"{slo}: no problems found"))
    else:
        print_document(
            {
                "file": str(slo),
                "errors": errors,
                "problems": [
                    {"path": p.path, "severity": str(p.severity), "message": p.message} for p in problems
                ],
            },
            output,
        )
    raise typer.Exit(1 if errors else 0)


def _query_problems(sli: Path, indicators: dict[str, str], provider: str | None) -> list[Problem]:
    """The problems of the queries of ``sli`` as the provider reads them (by --provider or its folder)."""
    from slogate.adapters.file_checks import query_checks
    from slogate.services.usecases.resource_checks import provider_of

    chosen = (provider or provider_of(str(sli))).lower()
    checks = query_checks()
    if provider is not None and chosen not in (*checks, "prometheus"):
        raise InputError(f"--provider {provider!r}: use prometheus, {', '.join(checks)}")
    check = checks.get(chosen)
    if check is None:
        return []
    return [
        Problem(f"{sli}: indicators.{name}", message)
        for name, query in indicators.items()
        for message in check(query)
    ]


def _print_problems(problems: Sequence[Problem], source: str) -> None:
    from rich.text import Text

    out = console()
    for problem in problems:
        style = "red" if problem.severity == Severity.ERROR else "yellow"
        line = Text(f"{source}: ")
        line.append(f"{problem.severity}: ", style=style)
        line.append(str(problem))
        out.print(line, soft_wrap=True)  # one problem per line, easy to grep
