"""A real Prometheus Alertmanager for the demo and the end-to-end tests: found, set to post to slogate."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

NO_ALERTMANAGER = (
    "Prometheus Alertmanager is not installed: install Debian's package "
    "(`sudo apt-get install -y --no-install-recommends prometheus-alertmanager`) or pass --alertmanager PATH"
)
BINARIES = ("prometheus-alertmanager", "alertmanager")
DEBIAN_BINARY = "/usr/bin/prometheus-alertmanager"


def find_alertmanager(explicit: str | None = None) -> str | None:
    """The alertmanager binary: ``explicit`` (only it, when given), else one on PATH, else Debian's; None
    when there is none."""
    found = [explicit] if explicit else [*(shutil.which(name) for name in BINARIES), DEBIAN_BINARY]
    for candidate in found:
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    return None


def alertmanager_config(server_url: str, token_file: Path) -> dict[str, Any]:
    """Alertmanager's configuration: every alert to slogate's webhook at once (1 s group wait and
    interval), repeated each minute, resolved alerts too, with the API token as a bearer token."""
    return {
        "route": {
            "receiver": "slogate",
            "group_by": ["alertname", "project", "stage", "service"],
            "group_wait": "1s",
            "group_interval": "1s",
            "repeat_interval": "1m",
        },
        "receivers": [
            {
                "name": "slogate",
                "webhook_configs": [
                    {
                        "url": server_url.rstrip("/") + "/api/v1/alertmanager",
                        "send_resolved": True,
                        "http_config": {
                            "authorization": {"type": "Bearer", "credentials_file": str(token_file)}
                        },
                    }
                ],
            }
        ],
    }


def alertmanager_argv(binary: str, directory: Path, port: int, server_url: str, token: str) -> list[str]:
    """Write the configuration and token file into ``directory``; the command line that runs Alertmanager
    on 127.0.0.1:``port`` with its own storage and without gossip (no cluster)."""
    directory.mkdir(parents=True, exist_ok=True)
    token_file = directory / "slogate-token"
    token_file.touch(mode=0o600)
    token_file.chmod(0o600)
    token_file.write_text(token, encoding="utf-8")
    config = directory / "alertmanager.yml"
    config.write_text(json.dumps(alertmanager_config(server_url, token_file), indent=2), encoding="utf-8")
    return [
        binary,
        f"--config.file={config}",
        f"--storage.path={directory / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]


def prometheus_alerting(rules_dir: Path, alertmanager_port: int | None) -> dict[str, Any]:
    """What Prometheus' configuration gains: the rule files that ``configure monitoring`` writes, and
    the Alertmanager to send alerts to (if any)."""
    config: dict[str, Any] = {"rule_files": [str(rules_dir / "*.yml")]}
    if alertmanager_port is not None:
        targets = [f"127.0.0.1:{alertmanager_port}"]
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": targets}]}]}
    return config
