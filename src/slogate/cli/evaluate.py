"""``slogate evaluate``: the quality gate against a live Prometheus, with history kept in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from slogate.cli.files import read_text
from slogate.cli.gate_input import Lenient, announce_nothing_evaluated, refuse_invalid
from slogate.cli.options import DbPath, Project, Service, Stage, parse_labels, parse_option_time
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.errors import InputError

if TYPE_CHECKING:  # the store, the providers and the settings load when the command runs
    from slogate.ports import EventStore, ProviderOptions
    from slogate.services.usecases.quality_gate import GateOutcome, GateRequest


def _now() -> datetime:
    return datetime.now(UTC)


def evaluate_command(
    slo: Annotated[Path, typer.Option("--slo", help="The SLO file (Keptn slo.yaml).")],
    sli: Annotated[Path, typer.Option("--sli", help="The SLI queries (Keptn prometheus/sli.yaml).")],
    project: Project,
    stage: Stage,
    service: Service,
    prometheus_url: Annotated[
        str | None,
        typer.Option("--prometheus-url", help="Prometheus base URL (default: SLOGATE_PROMETHEUS_URL)."),
    ] = None,
    prometheus_user: Annotated[
        str | None,
        typer.Option(
            "--prometheus-user",
            help="Basic-auth user; the password comes from SLOGATE_PROMETHEUS_PASSWORD "
            "(a bearer token from SLOGATE_PROMETHEUS_TOKEN).",
        ),
    ] = None,
    timeframe: Annotated[
        str | None, typer.Option("--timeframe", help="Window length ending now or at --start + it (e.g. 5m).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="Window start (RFC 3339).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Window end (RFC 3339; needs --start).")] = None,
    labels: Annotated[str, typer.Option("--labels", "-l", help="Labels k=v,k2=v2 (e.g. buildId=42).")] = "",
    db: DbPath = None,
    output: Output = OutputFormat.TABLE,
    fail_on_warning: Annotated[
        bool, typer.Option("--fail-on-warning", help="Exit 1 when the result is warning.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show the window and each query.")
    ] = False,
    lenient: Lenient = False,
) -> None:
    """Evaluate a service's SLOs against Prometheus now, store the result, and exit with the verdict.

    Each objective's SLI is queried at the end of the window (default: the last 5 minutes, at
    least 10 s as on the server) and judged as Keptn's lighthouse does, compared with earlier
    stored evaluations of the same project, stage and service.

    The SLO is checked first: every error `slogate slo lint` reports (an unknown key, an invalid
    criterion, no objectives …) is printed on its own line and the command exits 2 before any
    query, storing nothing; --lenient evaluates such a file as Keptn would.

    Exit code: 0 pass or warning, 1 fail (or warning with --fail-on-warning), 2 errored
    evaluation or invalid input (nothing is stored then).

    Example: slogate evaluate --prometheus-url http://127.0.0.1:9090 --slo slo.yaml --sli sli.yaml
    --project fulltour --stage qa --service helloservice --timeframe 5m --labels buildId=42
    """
    import asyncio

    from slogate import bootstrap
    from slogate.cli.gate_table import print_report
    from slogate.domain.protocol.gate_json import encode_evaluation_finished
    from slogate.services.usecases.monitoring import settings_options
    from slogate.settings import load_settings

    with user_errors():
        settings = load_settings()
        request = _request(slo, sli, project, stage, service, timeframe, start, end, labels)
        if not lenient:
            refuse_invalid(request.slo)
        options = settings_options(settings, prometheus_url, prometheus_user)
        with bootstrap.open_store(settings, db) as store:
            outcome = asyncio.run(_run(request, options, store))
    report = outcome.report
    if output == OutputFormat.TABLE:
        print_report(report, console())
        if verbose:
            _print_details(outcome)
    else:
        document = encode_evaluation_finished(report.event)
        print_document(document, output)
        announce_nothing_evaluated(document, output)
    from slogate.cli.verdict import exit_code

    raise typer.Exit(exit_code(report.event.status, report.event.result, fail_on_warning))


async def _run(request: GateRequest, options: ProviderOptions, store: EventStore) -> GateOutcome:
    from slogate import bootstrap
    from slogate.domain.protocol.evaluation_flow import DEFAULT_SLI_PROVIDER
    from slogate.services.usecases.quality_gate import run_gate

    provider = bootstrap.sli_provider(DEFAULT_SLI_PROVIDER, options)
    try:
        await provider.check()
        return await run_gate(request, provider, store, _now)
    finally:
        await provider.aclose()


def _request(
    slo: Path,
    sli: Path,
    project: str,
    stage: str,
    service: str,
    timeframe: str | None,
    start: str | None,
    end: str | None,
    labels: str,
) -> GateRequest:
    from slogate.adapters.yamlfile import load_document
    from slogate.domain.evaluation.window import WindowError, check_data_window, resolve_window
    from slogate.services.usecases import offline_gate as gate
    from slogate.services.usecases.quality_gate import GateRequest

    for option, value in (("--project", project), ("--stage", stage), ("--service", service)):
        if not value.strip():
            raise InputError(f"{option} must not be empty")
    loaded = gate.load_slo(read_text(slo, "SLO"), str(slo), load_document)
    queries = gate.load_indicators(read_text(sli, "SLI"), str(sli), load_document)
    try:
        asked = resolve_window(
            _now(),
            timeframe,
            parse_option_time("--start", start),
            parse_option_time("--end", end),
            minimum=None,
        )
        window = check_data_window(asked)  # the server's rule for windows it evaluates
    except WindowError as error:
        raise InputError(f"evaluation window: {error}") from error
    return GateRequest(
        project=project,
        stage=stage,
        service=service,
        window=window,
        slo=loaded,
        queries=queries,
        labels=parse_labels(labels),
        timeframe=timeframe or "",
    )


def _print_details(outcome: GateOutcome) -> None:
    from slogate.domain.evaluation.window import format_time

    out = console()
    asked = outcome.sli_request
    seconds = int((asked.end - asked.start).total_seconds())
    out.print(Text(f"Window {format_time(asked.start)} – {format_time(asked.end)} ({seconds} s)"))
    for value in outcome.values:
        out.print(Text(f"  {value.metric}: {value.query}"), soft_wrap=True)
    out.print(Text(f"Stored as evaluation {outcome.finished_id} (context {outcome.keptn_context})"))
