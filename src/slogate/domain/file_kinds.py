"""The kinds of Keptn and slogate files, recognised by resource URI, by content or by file name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from slogate.domain.document import as_scalar
from slogate.domain.problems import Problem

SLO, SLI, WEBHOOK, EXECUTORS, DEPLOYMENT, SHIPYARD, DYNATRACE_CONF, REMEDIATION = (
    "slo",
    "sli",
    "webhook",
    "executors",
    "deployment",
    "shipyard",
    "dynatrace-conf",
    "remediation",
)
KINDS = (SLO, SLI, WEBHOOK, EXECUTORS, DEPLOYMENT, SHIPYARD, DYNATRACE_CONF, REMEDIATION)
OTHER = "other"  # a document of a kind slogate does not check (a Kubernetes manifest)
# (text, source, strict) -> problems: a kind checked by the parser its executor uses
FileCheck = Callable[[str, str, bool], list[Problem]]
_URIS = {
    "slo.yaml": SLO,
    "webhook/webhook.yaml": WEBHOOK,
    "slogate/executors.yaml": EXECUTORS,
    "slogate/deployment.yaml": DEPLOYMENT,
    "dynatrace/dynatrace.conf.yaml": DYNATRACE_CONF,
    "remediation.yaml": REMEDIATION,
}
_DYNATRACE_CONF_KEYS = frozenset({"dtCreds", "dashboard", "attachRules"})


def kind_of_uri(uri: str) -> str | None:
    """The kind of a resource by its (canonical) URI as Keptn's services read it; None for others.

    ``slo.yaml``, ``<provider>/sli.yaml``, ``webhook/webhook.yaml``, ``slogate/executors.yaml``,
    ``slogate/deployment.yaml``, ``dynatrace/dynatrace.conf.yaml``, ``remediation.yaml``; a shipyard is
    checked by the catalog, so it is not one of them.
    """
    if uri in _URIS:
        return _URIS[uri]
    parts = uri.split("/")
    return SLI if len(parts) == 2 and parts[1] == "sli.yaml" else None


def kind_of_document(document: object) -> str | None:
    """The kind a parsed YAML document looks like (plain keys); ``OTHER`` for a document that declares
    another kind (a Kubernetes manifest), None when it says nothing."""
    if not isinstance(document, Mapping):
        return None
    keys = {str(key) for key in document}
    api_version, kind = _text(document.get("apiVersion")), _text(document.get("kind"))
    found = [
        (WEBHOOK, api_version.startswith("webhookconfig.keptn.sh") or kind == "WebhookConfig"),
        (SHIPYARD, kind == "Shipyard" or (api_version.startswith("spec.keptn.sh") and not kind)),
        (EXECUTORS, kind == "Executors" or api_version.startswith("slogate")),
        (REMEDIATION, kind == "Remediation" or "remediations" in keys),  # also Keptn 0.6's format
        (OTHER, bool(kind or api_version)),
        (SLI, "indicators" in keys),
        (DYNATRACE_CONF, bool(keys & _DYNATRACE_CONF_KEYS)),
        (SLO, bool(keys & {"objectives", "total_score", "comparison"})),
        (DEPLOYMENT, "command" in keys),
    ]
    return next((name for name, matches in found if matches), None)


def kind_of_path(path: str) -> str | None:
    """The kind a local file name suggests (``sli-config-prometheus.yaml``, ``slo-quality-gates.yaml``)."""
    name = PurePosixPath(path.replace("\\", "/")).name.lower()
    if "dynatrace" in name and "conf" in name:
        return DYNATRACE_CONF
    for kind in (SHIPYARD, WEBHOOK, EXECUTORS, DEPLOYMENT, REMEDIATION):
        if kind in name:
            return kind
    if "sli" in name:
        return SLI
    return SLO if "slo" in name else None


def _text(node: object) -> str:
    scalar = as_scalar(node)
    return "" if scalar is None or scalar.is_null else scalar.text
