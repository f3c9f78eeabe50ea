"""What the local executor keeps on disk: each service's deployment history and Prometheus targets.

Layout under the executor's data directory::

    deployments/<project>/<stage>/<service>/history.json   newest entry last, at most 50
    deployments/<project>/<stage>/<service>/output.log      the running process's stdout and stderr
    prometheus/targets/<service>-<project>-<stage>.json     file-based service discovery

Every file is written atomically (a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from slogate.adapters.executors.processes import seconds
from slogate.errors import InputError

DEPLOYED, FAILED, RELEASED, ROLLED_BACK = "deployed", "failed", "released", "rolled back"
RESTARTED = "restarted"  # the same image started anew (the remediation action ``restart``)
SUCCESSFUL = frozenset({DEPLOYED, RELEASED, ROLLED_BACK, RESTARTED})
KEEP = 50
KEPTN_SCRAPE_TIMEOUT = 3.0  # seconds, as configure-monitoring writes it


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One thing that happened to a service's deployment in a stage."""

    image: str
    version: str
    time: str
    keptnContext: str  # noqa: N815 - the JSON field name
    triggeredId: str  # noqa: N815
    outcome: str
    rolledBackFrom: str = ""  # noqa: N815 - for "rolled back": the image that was replaced


def service_dir(data_dir: Path, project: str, stage: str, service: str) -> Path:
    """The directory of one service's deployment in one stage."""
    return data_dir / "deployments" / project / stage / service


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new content, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class DeployHistory:
    """The history file of one (project, stage, service); not safe for concurrent writers (lock outside)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "history.json"

    def entries(self) -> list[HistoryEntry]:
        """All entries, oldest first; a damaged file is a :class:`InputError` saying how to recover."""
        try:
            raw: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            raise InputError(
                f"deployment history {self.path} cannot be read ({error}): fix or delete it"
            ) from error
        if not isinstance(raw, list):
            raise InputError(f"deployment history {self.path} is not a JSON list: fix or delete it")
        return [_entry(item) for item in raw if isinstance(item, Mapping)]

    def append(self, entry: HistoryEntry) -> None:
        """Add ``entry`` as the newest and keep the last :data:`KEEP` (blocking file I/O)."""
        entries = [*self.entries(), entry][-KEEP:]
        write_atomically(self.path, json.dumps([asdict(item) for item in entries], indent=2) + "\n")


def _entry(item: Mapping[str, Any]) -> HistoryEntry:
    names = HistoryEntry.__dataclass_fields__
    return HistoryEntry(**{name: str(item.get(name) or "") for name in names})


def latest_image(entries: Iterable[HistoryEntry]) -> str:
    """The image of the newest entry, or ""."""
    images = [entry.image for entry in entries]
    return images[-1] if images else ""


def rollback_target(entries: list[HistoryEntry], current: Iterable[str]) -> HistoryEntry | None:
    """The newest successful entry whose image is none of ``current`` and was never rolled back from since."""
    avoid = set(current)
    for entry in reversed(entries):
        if entry.outcome in SUCCESSFUL and entry.image not in avoid:
            return entry
        if entry.outcome == ROLLED_BACK and entry.rolledBackFrom:
            avoid.add(entry.rolledBackFrom)
    return None


def job_name(project: str, stage: str, service: str) -> str:
    """Keptn's scrape job name of a service in a stage: ``<service>-<project>-<stage>``."""
    return f"{service}-{project}-{stage}"


def write_targets(data_dir: Path, project: str, stage: str, service: str, port: int) -> Path:
    """Write the service's file-based service discovery entry: one target whose ``job`` is Keptn's name."""
    job = job_name(project, stage, service)
    path = data_dir / "prometheus" / "targets" / f"{job}.json"
    targets = [{"targets": [f"127.0.0.1:{port}"], "labels": {"job": job}}]
    write_atomically(path, json.dumps(targets, indent=2) + "\n")
    return path


def prometheus_scrape_config(targets_dir: Path, interval: str = "5s") -> dict[str, Any]:
    """The ``scrape_configs`` entry that scrapes every deployment in ``targets_dir`` (file-based discovery).

    Each target's ``job`` label replaces the job name, so series carry configure-monitoring's job names.
    """
    timeout = min(seconds(interval, "scrape interval"), KEPTN_SCRAPE_TIMEOUT)
    return {
        "job_name": "slogate-deployments",
        "scrape_interval": interval,
        "scrape_timeout": _prometheus_duration(timeout),
        "metrics_path": "/metrics",
        "file_sd_configs": [{"files": [str(targets_dir / "*.json")], "refresh_interval": "1s"}],
    }


def _prometheus_duration(amount: float) -> str:
    milliseconds = round(amount * 1000)  # Prometheus takes no fractions of a unit
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"
