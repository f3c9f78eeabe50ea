"""``slogate evaluate``: the quality gate against a live metrics backend (Prometheus, Dynatrace, Datadog
or Sumo Logic), with history kept in the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer
from rich.text import Text

from slogate.cli.files import read_text
from slogate.cli.gate_input import Lenient, announce_nothing_evaluated, refuse_invalid
from slogate.cli.options import DbPath, Project, Service, Stage, parse_labels, parse_option_time
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.errors import InputError

if TYPE_CHECKING:  # the store, the providers and the settings load when the command runs
    from slogate.ports import EventStore, ProviderOptions, SLIProvider
    from slogate.services.usecases.quality_gate import GateOutcome, GateRequest
    from slogate.settings import Settings


PROVIDERS = ("prometheus", "dynatrace", "datadog", "sumologic")
PROMETHEUS = PROVIDERS[0]


def _now() -> datetime:
    return datetime.now(UTC)


def evaluate_command(
    slo: Annotated[Path, typer.Option("--slo", help="The SLO file (Keptn slo.yaml).")],
    sli: Annotated[
        Path,
        typer.Option(
            "--sli", help="The SLI queries (Keptn's <provider>/sli.yaml, e.g. prometheus/sli.yaml)."
        ),
    ],
    project: Project,
    stage: Stage,
    service: Service,
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            click_type=click.Choice(PROVIDERS),
            help="The metrics backend; credentials of dynatrace, datadog and sumologic come from the "
            "environment (see below).",
        ),
    ] = PROMETHEUS,
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
    settle: Annotated[
        str | None,
        typer.Option(
            "--settle",
            help="Query no earlier than the window's end + this (e.g. 0, 30s, 2m); default per provider: "
            "prometheus 0, dynatrace 2m (6m with USQL), datadog 1m, sumologic 1m.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Evaluate a service's SLOs against a metrics backend now, store the result, and exit with the verdict.

    Each objective's SLI is queried for the window (default: the last 5 minutes, at least 10 s
    as on the server) and judged as Keptn's lighthouse does, compared with earlier stored
    evaluations of the same project, stage and service. Vendor data settles after the window:
    the gate waits once, until the window's end + the settle time (see --settle).

    Credentials: prometheus from --prometheus-url/--prometheus-user or SLOGATE_PROMETHEUS_*;
    dynatrace from DT_TENANT (a URL) and DT_API_TOKEN; datadog from DD_API_KEY, DD_APP_KEY and
    DD_SITE (a site such as datadoghq.eu, or a base URL; default datadoghq.com); sumologic from
    SUMOLOGIC_ACCESS_ID, SUMOLOGIC_ACCESS_KEY and SUMOLOGIC_ENDPOINT (an API base URL such as
    https://api.eu.sumologic.com/api, or a region code; default us1).

    The SLO is checked first: every error `slogate slo lint` reports (an unknown key, an invalid
    criterion, no objectives …) is printed on its own line and the command exits 2 before any
    query, storing nothing; --lenient evaluates such a file as Keptn would.

    Exit code: 0 pass or warning, 1 fail (or warning with --fail-on-warning), 2 errored
    evaluation, invalid input, missing or refused credentials (nothing is stored then).

    Example: slogate evaluate --prometheus-url http://127.0.0.1:9090 --slo slo.yaml --sli sli.yaml
    --project fulltour --stage qa --service helloservice --timeframe 5m --labels buildId=42
    """
    import asyncio

    from slogate import bootstrap
    from slogate.cli.gate_table import print_report
    from slogate.domain.protocol.gate_json import encode_evaluation_finished
    from slogate.settings import load_settings

    with user_errors():
        settings = load_settings()
        request = _request(slo, sli, project, stage, service, timeframe, start, end, labels)
        if not lenient:
            refuse_invalid(request.slo)
        options = _options(settings, provider, prometheus_url, prometheus_user, settle)
        with bootstrap.open_store(settings, db) as store:
            outcome = asyncio.run(_run(request, provider, options, store))
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


def _options(
    settings: Settings,
    provider: str,
    prometheus_url: str | None,
    prometheus_user: str | None,
    settle: str | None,
) -> ProviderOptions:
    """The chosen provider's options: Prometheus's from the options and settings, a vendor's from its
    environment variables; ``--settle`` overrides the settle time."""
    from dataclasses import replace

    from slogate.cli.provider_env import vendor_options_from_environment
    from slogate.services.usecases.monitoring import settings_options

    if provider == PROMETHEUS:
        options = settings_options(settings, prometheus_url, prometheus_user)
    else:
        for flag, value in (("--prometheus-url", prometheus_url), ("--prometheus-user", prometheus_user)):
            if value is not None:
                raise InputError(f"{flag} applies to --provider prometheus only, not {provider}")
        options = vendor_options_from_environment(provider, settings)
    return options if settle is None else replace(options, settle_seconds=_settle_seconds(settle))


def _settle_seconds(text: str) -> float:
    from slogate.domain.evaluation.window import WindowError, parse_duration

    try:
        seconds = parse_duration(text.strip()).total_seconds()
    except WindowError:
        raise InputError(f"--settle: {text!r} is not a duration such as 0, 30s or 2m") from None
    if seconds < 0:
        raise InputError(f"--settle: {text!r} is negative; give 0 or a positive duration")
    return seconds


async def _run(request: GateRequest, name: str, options: ProviderOptions, store: EventStore) -> GateOutcome:
    from slogate import bootstrap
    from slogate.services.usecases.quality_gate import run_gate

    provider = bootstrap.sli_provider(name, options)
    try:
        await provider.check()
        _announce_wait(provider)
        return await run_gate(request, provider, store, _now)
    finally:
        await provider.aclose()


def _announce_wait(provider: SLIProvider) -> None:
    """Have the provider say on standard error when it waits for its data to settle before querying."""
    from slogate.cli.projects import note

    def waiting(seconds: float) -> None:
        if seconds >= 1:
            note(
                f"waiting {seconds:.0f} s for {provider.type_name} data to settle after the window's end "
                "(--settle 0 queries at once)"
            )

    if hasattr(provider, "on_wait"):
        provider.on_wait = waiting


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
