"""``slogate configure monitoring prometheus``: scrape jobs for a project's service, one per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from slogate.cli import verbs
from slogate.cli.client import connect
from slogate.cli.files import read_text
from slogate.cli.output import console, user_errors
from slogate.cli.projects import project_path, stage_names
from slogate.errors import DocumentError, InputError, NotFoundError

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


@verbs.configure.command("monitoring")
def configure_monitoring(
    provider: Annotated[str, typer.Argument(help="The monitoring provider: prometheus.", show_default=False)],
    project: Annotated[str, typer.Option("--project", "-p", help="The project.", show_default=False)],
    service: Annotated[str, typer.Option("--service", "-s", help="The service.", show_default=False)],
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="The server's data directory (default SLOGATE_DATA_DIR).", show_default=False
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Add the jobs to this prometheus.yml (default: print).", show_default=False
        ),
    ] = None,
) -> None:
    """Write Prometheus scrape jobs `<service>-<project>-<stage>` for the targets the local executor deploys.

    Example: slogate configure monitoring prometheus --project fulltour --service helloservice
    """
    import yaml

    from slogate.settings import load_settings

    with user_errors():
        if provider.lower() != "prometheus":
            raise InputError(
                f"monitoring provider '{provider}' is not supported: slogate configures prometheus"
            )
        directory = (data_dir or load_settings().data_dir).expanduser().resolve()
        stages = _stages_of_service(project, service)
        jobs = scrape_jobs(directory, project, stages, service)
        if file is None:
            typer.echo(yaml.safe_dump({"scrape_configs": jobs}, sort_keys=False), nl=False)
            return
        document = merged(_existing(file), jobs, file)
        try:
            file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        except OSError as error:
            raise InputError(f"{file}: cannot be written: {error.strerror}") from None
    names = ", ".join(job["job_name"] for job in jobs)
    console().print(Text(f"Wrote the scrape jobs {names} to {file}; reload Prometheus to apply them"))
