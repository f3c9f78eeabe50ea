"""``slogate create|update|delete|get secret``: values are sent, never shown; scopes; errors."""

from __future__ import annotations

import json

import yaml

from tests.integration.cli.cli_helpers import assert_one_line_error
from tests.integration.cli.conftest import Cli


def rows(text: str) -> list[list[str]]:
    return [line.split(None, 2) for line in text.splitlines()[1:]]


def test_create_update_get_and_delete_a_secret(cli: Cli) -> None:
    created = cli(
        "create", "secret", "api-creds", "--from-literal", "user=admin", "--from-literal", "token=s3cr3t=x"
    )
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == "Secret api-creds created (scope keptn-default, keys token, user)"
    table = cli("get", "secrets")
    assert table.exit_code == 0, table.output
    assert ["api-creds", "keptn-default", "token, user"] in rows(table.stdout)
    assert "s3cr3t" not in table.stdout
    updated = cli(
        "update", "secret", "api-creds", "--from-literal", "token=other", "-s", "keptn-webhook-service"
    )
    assert updated.exit_code == 0, updated.output
    assert updated.stdout.strip() == "Secret api-creds updated (scope keptn-webhook-service, keys token)"
    as_json = json.loads(cli("get", "secret", "api-creds", "-o", "json").stdout)
    assert as_json == [{"name": "api-creds", "scope": "keptn-webhook-service", "keys": ["token"]}]
    as_yaml = yaml.safe_load(cli("get", "secret", "-o", "yaml").stdout)
    assert {"name": "api-creds", "scope": "keptn-webhook-service", "keys": ["token"]} in as_yaml
    deleted = cli("delete", "secret", "api-creds")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout.strip() == "Secret api-creds deleted (scope keptn-webhook-service)"
    assert "api-creds" not in cli("get", "secrets").stdout


def test_delete_with_an_explicit_scope(cli: Cli) -> None:
    assert (
        cli(
            "create", "secret", "scoped", "--from-literal", "k=v", "--scope", "keptn-webhook-service"
        ).exit_code
        == 0
    )
    wrong = cli("delete", "secret", "scoped", "--scope", "keptn-default")
    assert_one_line_error(wrong, "scoped")
    assert cli("delete", "secret", "scoped", "-s", "keptn-webhook-service", "-y").exit_code == 0


def test_errors(cli: Cli) -> None:
    assert_one_line_error(
        cli("create", "secret", "bad", "--from-literal", "novalue"), "'novalue' is not key=value"
    )
    assert_one_line_error(cli("create", "secret", "bad", "--from-literal", "=v"), "is not key=value")
    missing = cli("create", "secret", "bad")
    assert missing.exit_code == 2
    assert "Missing option '--from-literal'" in missing.stderr
    assert cli("create", "secret", "twice", "--from-literal", "a=b").exit_code == 0
    assert_one_line_error(cli("create", "secret", "twice", "--from-literal", "a=b"), "twice")
    assert_one_line_error(cli("update", "secret", "ghost", "--from-literal", "a=b"), "ghost")
    assert_one_line_error(cli("delete", "secret", "ghost"), "no secret ghost")
    assert_one_line_error(cli("get", "secret", "ghost"), "no secret ghost")
    unknown_scope = cli("create", "secret", "s", "--from-literal", "a=b", "--scope", "no-such-scope")
    assert_one_line_error(unknown_scope, "no-such-scope")
