"""``slogate configure monitoring <type>``: a project's SLI provider, and prometheus scrape jobs per stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from slogate.cli import alerting, verbs
from slogate.cli.alerting import TOKEN_FILE, AlertRules, rules_file
from slogate.cli.client import connect
from slogate.cli.files import read_text
from slogate.cli.output import Output, OutputFormat, console, print_document, user_errors
from slogate.cli.projects import project_path, stage_names
from slogate.errors import DocumentError, InputError, NotFoundError


@dataclass(frozen=True, slots=True)
class Alerts:
    """What ``configure monitoring prometheus`` did about alerting rules."""

    rules: AlertRules
    path: Path
    written: bool
    receiver: dict[str, Any]

    def document(self) -> dict[str, Any]:
        """The machine-readable account (``-o json``/``yaml``)."""
        return {
            "rulesFile": str(self.path) if self.written else None,
            "groups": self.rules.groups,
            "notes": self.rules.notes,
            "alertmanager": self.receiver,
        }

    def report(self) -> str:
        """The human account: the notes, the rules file, and the receiver to add."""
        import yaml

        lines = [f"Note: {note}" for note in self.rules.notes]
        if not self.rules.groups:
            lines.append(
                "No alerting rules: no stage has both slo.yaml and remediation.yaml "
                "with absolute pass criteria"
            )
        if self.written:
            stages = ", ".join(group["name"] for group in self.rules.groups) or "none"
            lines.append(
                f"Wrote {self.rules.count} alerting rule(s) ({stages}) to {self.path}; "
                "list it under rule_files in prometheus.yml and reload Prometheus"
            )
        if self.rules.groups:
            lines.append(f"Add this receiver to alertmanager.yml (put slogate's API token in {TOKEN_FILE}):")
            lines.append(yaml.safe_dump(self.receiver, sort_keys=False).rstrip())
        return "\n".join(lines)


MONITORING_SOURCE = "https://github.com/keptn/keptn/cli#configure-monitoring"
PROMETHEUS = "prometheus"
SCRAPE_INTERVAL = "5s"  # configure-monitoring's default (SCRAPE_INTERVAL)
METRICS_PATH = "/metrics"


def targets_file(data_dir: Path, project: str, stage: str, service: str) -> Path:
    """The file-based service discovery file the ``local`` executor writes for one deployment."""
    from slogate.adapters.executors.deploy_history import job_name  # loaded when the command runs

    return data_dir / "prometheus" / "targets" / f"{job_name(project, stage, service)}.json"


def scrape_jobs(data_dir: Path, project: str, stages: list[str], service: str) -> list[dict[str, Any]]:
    """One scrape job per stage, named ``<service>-<project>-<stage>`` as Keptn's configure-monitoring."""
    from slogate.adapters.executors.deploy_history import KEPTN_SCRAPE_TIMEOUT, job_name

    return [
        {
            "job_name": job_name(project, stage, service),
            "scrape_interval": SCRAPE_INTERVAL,
            "scrape_timeout": f"{KEPTN_SCRAPE_TIMEOUT:g}s",
            "metrics_path": METRICS_PATH,
            "file_sd_configs": [
                {"files": [str(targets_file(data_dir, project, stage, service))], "refresh_interval": "5s"}
            ],
        }
        for stage in stages
    ]


def merged(existing: dict[str, Any], jobs: list[dict[str, Any]], path: Path) -> dict[str, Any]:
    """``existing`` (a Prometheus configuration) with ``jobs`` replacing the jobs of the same names."""
    configured = existing.get("scrape_configs") or []
    if not isinstance(configured, list):
        raise InputError(f"{path}: scrape_configs is not a list; fix the file or choose another --file")
    names = {job["job_name"] for job in jobs}
    kept = [job for job in configured if not (isinstance(job, dict) and job.get("job_name") in names)]
    return {**existing, "scrape_configs": [*kept, *jobs]}


def with_rule_file(existing: dict[str, Any], rules: Path, path: Path) -> dict[str, Any]:
    """``existing`` with ``rules`` in its ``rule_files`` (once)."""
    files = existing.get("rule_files") or []
    if not isinstance(files, list):
        raise InputError(f"{path}: rule_files is not a list; fix the file or choose another --file")
    return existing if str(rules) in files else {**existing, "rule_files": [*files, str(rules)]}


def _existing(path: Path) -> dict[str, Any]:
    """The Prometheus configuration already in ``path`` (empty when there is none)."""
    import yaml  # loaded when the command runs, not for every command's start

    from slogate.adapters import yamlfile

    if not path.exists():
        return {}
    try:
        document = yamlfile.safe_load(read_text(path, "Prometheus configuration"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it does not parse"
        raise DocumentError(
            str(path), f"not valid YAML: {problem}{where}; fix it or choose another --file"
        ) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a Prometheus configuration (a YAML mapping); choose another --file")
    return document


def _stages_of_service(project: str, service: str) -> list[str]:
    """The project's stages (shipyard order); ``NotFoundError`` when the service is not in the project."""
    with connect() as api:
        found = api.get(project_path(project))
    stages = stage_names(found)
    services = {
        str(each.get("serviceName"))
        for stage in found.get("stages") or []
        for each in stage.get("services") or []
    }
    if service not in services:
        raise NotFoundError(
            f"service {service} does not exist in project {project}: "
            f"create it with `slogate create service {service} --project {project}`"
        )
    return stages


def provider_name(given: str) -> str:
    """The provider as the event names it: a built-in one in lower case (``Dynatrace`` → ``dynatrace``),
    any other (a remote SLI provider) verbatim; ``InputError`` when blank."""
    from slogate.services.usecases.monitoring import BUILT_IN

    name = given.strip()
    if not name:
        raise InputError("the monitoring provider is empty: name one, e.g. prometheus, dynatrace or neoload")
    return name.lower() if name.lower() in BUILT_IN else name


def _check_scope(project: str, service: str | None) -> list[str]:
    """The project's stages; ``NotFoundError`` for an unknown project, or service when one is given."""
    if service is not None:
        return _stages_of_service(project, service)
    with connect() as api:
        return stage_names(api.get(project_path(project)))


def send_monitoring_configure(provider: str, project: str, service: str | None) -> str:
    """``POST /api/v1/event`` with ``sh.keptn.event.monitoring.configure``; the event's Keptn context."""
    from slogate.cli.trigger import send_event
    from slogate.domain.protocol.event_types import MONITORING_CONFIGURE

    event = {
        "type": MONITORING_CONFIGURE,
        "source": MONITORING_SOURCE,
        "specversion": "1.0",
        "contenttype": "application/json",
        "data": {"type": provider, "project": project, "service": service or ""},
    }
    with connect() as api:
        return send_event(api, event)


def _write_jobs(jobs: list[dict[str, Any]], file: Path, rules: Path | None) -> None:
    import yaml

    document = merged(_existing(file), jobs, file)
    if rules is not None:
        document = with_rule_file(document, rules, file)
    try:
        file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    except OSError as error:
        raise InputError(f"{file}: cannot be written: {error.strerror}") from None


def _summary(provider: str, project: str, keptn_context: str) -> str:
    """What was sent and what the provider needs next."""
    from slogate.services.usecases.monitoring import BUILT_IN, VENDORS, credentials_secret, secret_keys

    said = (
        f"The SLI provider of project {project} is now {provider} "
        f"(sh.keptn.event.monitoring.configure sent, Keptn context {keptn_context})"
    )
    if provider in VENDORS:
        keys = ", ".join(secret_keys(provider))
        return f"{said}; its credentials: the secret {credentials_secret(provider, project)} ({keys})"
    if provider in BUILT_IN:
        return said
    return (
        f"{said}; {provider} is not built in: an integration subscribed to "
        "sh.keptn.event.get-sli.triggered must answer its evaluations"
    )


@verbs.configure.command("monitoring")
def configure_monitoring(
    provider: Annotated[
        str,
        typer.Argument(
            help="The SLI provider: prometheus, dynatrace, datadog, sumologic, or a remote one's name.",
            show_default=False,
        ),
    ],
    project: Annotated[str, typer.Option("--project", "-p", help="The project.", show_default=False)],
    service: Annotated[
        str | None,
        typer.Option("--service", "-s", help="The service (required for prometheus).", show_default=False),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="prometheus: the server's data directory (default SLOGATE_DATA_DIR).",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="prometheus: add the jobs to this prometheus.yml (default: print).",
            show_default=False,
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="prometheus: write the alerting rules here "
            "(default <data dir>/prometheus/rules/<project>-<service>.yml).",
            show_default=False,
        ),
    ] = None,
    alert_window: Annotated[
        str | None,
        typer.Option(
            "--alert-window",
            help="prometheus: the alerting rules' query window (default 180s, as Keptn).",
            show_default=False,
        ),
    ] = None,
    alert_for: Annotated[
        str | None,
        typer.Option(
            "--alert-for",
            help="prometheus: how long a violation lasts before its alert fires (default 10m, as Keptn).",
            show_default=False,
        ),
    ] = None,
    output: Output = OutputFormat.TABLE,
) -> None:
    """Choose the project's SLI provider (sends sh.keptn.event.monitoring.configure, as Keptn's CLI does);
    for prometheus also write scrape jobs `<service>-<project>-<stage>` for the local executor's targets,
    and alerting rules for each stage that has both slo.yaml and remediation.yaml (one per SLI from its
    absolute pass criteria, inverted, over 180s, `for: 10m`, as Keptn's prometheus-service), printing the
    Alertmanager receiver that sends their alerts to slogate.

    Lighthouse asks the chosen provider for every later evaluation of the project. A name that is not
    built in is a remote SLI provider: an integration subscribed to sh.keptn.event.get-sli.triggered.

    Example: slogate configure monitoring prometheus --project fulltour --service helloservice
    """
    import yaml

    from slogate.settings import load_settings

    with user_errors():
        name = provider_name(provider)
        if name == PROMETHEUS and service is None:
            raise InputError(
                "--service is missing: prometheus scrapes one service "
                f"(slogate configure monitoring prometheus --project {project} --service SERVICE)"
            )
        timed = alerting.timing(alert_window, alert_for)
        stages = _check_scope(project, service)
        jobs: list[dict[str, Any]] = []
        alerts: Alerts | None = None
        if name == PROMETHEUS and service is not None:
            directory = (data_dir or load_settings().data_dir).expanduser().resolve()
            jobs = scrape_jobs(directory, project, stages, service)
            path = rules or rules_file(directory, project, service)
            alerts = _alerts(project, service, stages, path, rules, timed)
            if file is not None:
                _write_jobs(jobs, file, alerts.path if alerts.written else None)
        keptn_context = send_monitoring_configure(name, project, service)
    if output != OutputFormat.TABLE:
        document: dict[str, Any] = {
            "type": name,
            "project": project,
            "service": service or "",
            "keptnContext": keptn_context,
        }
        if name == PROMETHEUS:
            document["scrape_configs"] = jobs
            document["file"] = str(file) if file is not None else None
        if alerts is not None:
            document["alerting"] = alerts.document()
        print_document(document, output)
        return
    summary = _summary(name, project, keptn_context)
    if name == PROMETHEUS and file is None:  # standard output is the configuration
        typer.echo(yaml.safe_dump({"scrape_configs": jobs}, sort_keys=False), nl=False)
        if alerts is not None:
            typer.echo(alerts.report(), err=True)
        typer.echo(summary, err=True)
        return
    if name == PROMETHEUS:
        names = ", ".join(job["job_name"] for job in jobs)
        console().print(Text(f"Wrote the scrape jobs {names} to {file}; reload Prometheus to apply them"))
    if alerts is not None:
        console().print(Text(alerts.report()))
    console().print(Text(summary))


def _alerts(
    project: str, service: str, stages: list[str], path: Path, given: Path | None, timed: alerting.Timing
) -> Alerts:
    """The stages' alerting rules, written to ``path`` when there are some, when ``--rules`` names
    it, or when an earlier run wrote it (so that stale rules go)."""
    with connect() as api:
        found = alerting.alert_rules(api, project, service, stages, timed)
        endpoint = api.endpoint
    written = bool(found.groups) or given is not None or path.exists()
    if written:
        alerting.write_rules(path, found)
    return Alerts(found, path, written, alerting.receiver(endpoint))
