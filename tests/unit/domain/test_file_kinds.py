"""Keptn and slogate file kinds: by resource URI (uploads), by content and by file name (slogate lint)."""

from __future__ import annotations

import pytest

from slogate.domain.file_kinds import kind_of_document, kind_of_path, kind_of_uri


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("slo.yaml", "slo"),
        ("prometheus/sli.yaml", "sli"),
        ("dynatrace/sli.yaml", "sli"),
        ("webhook/webhook.yaml", "webhook"),
        ("slogate/executors.yaml", "executors"),
        ("slogate/deployment.yaml", "deployment"),
        ("dynatrace/dynatrace.conf.yaml", "dynatrace-conf"),
        ("remediation.yaml", "remediation"),
        ("sli.yaml", None),
        ("a/b/sli.yaml", None),
        ("helm/carts/values.yaml", None),
        ("shipyard.yaml", None),  # checked by the catalog as Keptn does
    ],
)
def test_kind_of_uri(uri: str, kind: str | None) -> None:
    """Only the URIs Keptn's services and slogate's executors read are checked on upload."""
    assert kind_of_uri(uri) == kind


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"apiVersion": "webhookconfig.keptn.sh/v1beta1"}, "webhook"),
        ({"kind": "WebhookConfig"}, "webhook"),
        ({"apiVersion": "spec.keptn.sh/0.2.2", "kind": "Shipyard"}, "shipyard"),
        ({"kind": "Executors"}, "executors"),
        ({"apiVersion": "slogate/v1", "tasks": {}}, "executors"),
        ({"apiVersion": "spec.keptn.sh/0.2.2"}, "shipyard"),
        ({"apiVersion": "spec.keptn.sh/0.1.4", "kind": "Remediation", "spec": {}}, "remediation"),
        ({"remediations": [{"name": "Response time degradation", "actions": []}]}, "remediation"),
        ({"apiVersion": "v2", "actions": []}, "other"),  # the job-executor's config
        ({"tasks": {}}, None),
        ({"port": 80, "ports": {}}, None),  # a deployment file names its command
        ({"spec_version": "1.0", "indicators": {}}, "sli"),
        ({"objectives": []}, "slo"),
        ({"total_score": {}}, "slo"),
        ({"command": ["x"]}, "deployment"),
        ({"spec_version": "0.1.0", "dtCreds": "dynatrace"}, "dynatrace-conf"),
        ({"dashboard": "query"}, "dynatrace-conf"),
        ({"apiVersion": {"nested": 1}, "replicas": 2}, None),
        ({"kind": "Deployment", "spec": {"command": []}}, "other"),
        ({"kind": None, "apiVersion": None, "indicators": {}}, "sli"),
        (["a list"], None),
        (None, None),
    ],
)
def test_kind_of_document(document: object, kind: str | None) -> None:
    """The keys and apiVersion/kind a file's content carries say its kind."""
    assert kind_of_document(document) == kind


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("sli-config-prometheus.yaml", "sli"),
        ("onboarding-carts/slo-quality-gates.yaml", "slo"),
        ("C:\\keptn\\Shipyard.yaml", "shipyard"),
        ("hooks/webhook.yaml", "webhook"),
        ("executors.yaml", "executors"),
        ("slogate/deployment.yaml", "deployment"),
        ("dynatrace/dynatrace.conf.yaml", "dynatrace-conf"),
        ("my-dynatrace-conf.yml", "dynatrace-conf"),
        ("remediation.yaml", "remediation"),
        ("onboarding-carts/remediation-prometheus.yml", "remediation"),
        ("values.yaml", None),
    ],
)
def test_kind_of_path(path: str, kind: str | None) -> None:
    """A local file's name suggests its kind when its content does not."""
    assert kind_of_path(path) == kind
