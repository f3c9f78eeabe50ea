"""Alerting rules for ``slogate configure monitoring prometheus``: SLOs read through the API, a rules
file written, and the Alertmanager receiver that sends the alerts to slogate."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from slogate.cli.resources import level_path
from slogate.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from slogate.cli.client import ApiClient

SLO_URI = "slo.yaml"
REMEDIATION_URI = "remediation.yaml"
SLI_URI = "prometheus/sli.yaml"
RECEIVER = "slogate"
TOKEN_FILE = "/etc/alertmanager/slogate-token"


@dataclass(frozen=True, slots=True)
class Timing:
    """How long a rule's query window is, and how long a violation lasts before the alert fires."""

    window: timedelta = timedelta(seconds=180)
    hold: str = "10m"


def timing(window: str | None, hold: str | None) -> Timing:
    """``--alert-window`` and ``--alert-for`` read (Keptn's 180s and 10m when not given)."""
    from slogate.adapters.providers.alert_rules import FOR, WINDOW, prometheus_duration

    found = Timing(WINDOW, FOR)
    for option, text in (("--alert-window", window), ("--alert-for", hold)):
        if text is None:
            continue
        try:
            length = prometheus_duration(text)
        except ValueError as error:
            raise InputError(f"{option}: {error}, e.g. {option} 30s") from None
        if option == "--alert-window":
            if length < timedelta(seconds=1):
                raise InputError(
                    f"--alert-window: {text!r} is shorter than a second; e.g. --alert-window 30s"
                )
            found = Timing(length, found.hold)
        else:
            found = Timing(found.window, text)
    return found


@dataclass(slots=True)
class AlertRules:
    """The rule groups (one per stage that has rules) and why stages or criteria got none."""

    groups: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many rules there are."""
        return sum(len(group["rules"]) for group in self.groups)


def rules_file(data_dir: Path, project: str, service: str) -> Path:
    """Where the rules go unless ``--rules`` says otherwise."""
    return data_dir / "prometheus" / "rules" / f"{project}-{service}.yml"


def read_resource(api: ApiClient, project: str, stage: str, service: str, uri: str) -> str | None:
    """The text of ``uri`` at one level (stage "" : the project; service "": the stage), or None."""
    try:
        found = api.get(f"{level_path(project, stage, service)}/{quote(uri, safe='')}")
    except NotFoundError:
        return None
    try:
        return base64.b64decode(str(found.get("resourceContent") or ""), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InputError(f"{uri} ({_level(stage, service)}) is not UTF-8 text; fix the file") from None


def alert_rules(
    api: ApiClient, project: str, service: str, stages: list[str], timed: Timing | None = None
) -> AlertRules:
    """The rules of each stage where ``service`` has both ``slo.yaml`` and ``remediation.yaml``."""
    found = AlertRules()
    for stage in stages:
        slo_text = read_resource(api, project, stage, service, SLO_URI)
        remediation = read_resource(api, project, stage, service, REMEDIATION_URI)
        if remediation is None:
            remediation = read_resource(api, project, stage, "", REMEDIATION_URI)
        if slo_text is None or remediation is None:
            missing = " and ".join(
                uri for uri, text in ((SLO_URI, slo_text), (REMEDIATION_URI, remediation)) if text is None
            )
            found.notes.append(f"stage {stage}: no {missing} for {service}: no alerting rules")
            continue
        try:
            rules = _stage_rules(api, project, stage, service, slo_text, timed or Timing())
        except InputError as error:
            found.notes.append(f"stage {stage}: {error.message}: no alerting rules")
            continue
        found.notes += rules.notes
        if rules.group["rules"]:
            found.groups.append(rules.group)
    return found


def _stage_rules(api: ApiClient, project: str, stage: str, service: str, slo_text: str, timed: Timing) -> Any:
    from slogate.adapters.providers.alert_rules import stage_rules
    from slogate.adapters.yamlfile import load_document
    from slogate.services.usecases.offline_gate import load_indicators, load_slo

    source = f"{SLO_URI} ({_level(stage, service)})"
    loaded = load_slo(slo_text, source, load_document)
    if loaded.slo is None:
        raise InputError(f"{source} cannot be used: {loaded.problem_text}")
    queries: dict[str, str] = {}
    for level_stage, level_service in (("", ""), (stage, ""), (stage, service)):
        text = read_resource(api, project, level_stage, level_service, SLI_URI)
        if text:
            where = f"{SLI_URI} ({_level(level_stage, level_service)})"
            queries.update(load_indicators(text, where, load_document))
    return stage_rules(project, stage, service, loaded.slo, queries, timed.window, timed.hold)


def write_rules(path: Path, rules: AlertRules) -> None:
    """Replace ``path`` with the rules (a Prometheus ``rule_files`` file), atomically."""
    import yaml

    from slogate.adapters.executors.deploy_history import write_atomically

    text = yaml.safe_dump({"groups": rules.groups}, sort_keys=False, allow_unicode=True)
    try:
        write_atomically(path, text)
    except OSError as error:
        raise InputError(f"{path}: cannot be written: {error.strerror}; choose another --rules") from None


def receiver(endpoint: str) -> dict[str, Any]:
    """The Alertmanager route and receiver that post ``severity: webhook`` alerts to slogate."""
    url = endpoint.rstrip("/") + "/api/v1/alertmanager"
    return {
        "route": {
            "routes": [
                {
                    "receiver": RECEIVER,
                    "matchers": ['severity="webhook"'],
                    "group_wait": "10s",
                    "repeat_interval": "1m",
                }
            ]
        },
        "receivers": [
            {
                "name": RECEIVER,
                "webhook_configs": [
                    {
                        "url": url,
                        "send_resolved": True,
                        "http_config": {"authorization": {"type": "Bearer", "credentials_file": TOKEN_FILE}},
                    }
                ],
            }
        ],
    }


def _level(stage: str, service: str) -> str:
    if service:
        return f"service {service} in stage {stage}"
    return f"stage {stage}" if stage else "project"
