"""The executors' own YAML files (webhook.yaml, deployment.yaml) are read within the YAML limits."""

from __future__ import annotations

import pytest

from slogate.adapters.executors.local_deploy import load_config
from slogate.adapters.executors.webhook_config import WebhookConfigError, parse_config
from slogate.errors import InputError
from tests.support.yaml_bombs import billion_laughs


def test_a_webhook_yaml_bomb_is_refused_naming_the_limit() -> None:
    with pytest.raises(WebhookConfigError, match="not valid YAML: more than the limit of 250000 nodes"):
        parse_config("apiVersion: webhookconfig.keptn.sh/v1beta1\n" + billion_laughs())


def test_a_deployment_yaml_bomb_is_refused_naming_the_limit() -> None:
    with pytest.raises(InputError, match=r"deployment\.yaml is not valid YAML: more than the limit of 2500"):
        load_config({}, billion_laughs(), "dev", "carts")
