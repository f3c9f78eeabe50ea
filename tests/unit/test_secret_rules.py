"""Secret names and keys follow Kubernetes' rules, as Keptn's secrets were Kubernetes secrets."""

from __future__ import annotations

import pytest

from slogate.errors import InputError
from slogate.services.usecases.secrets import SCOPES, check_data, check_name


@pytest.mark.parametrize(
    "name", ["a", "prometheus-credentials-sockshop", "git-credentials-my.project", "0abc", "a" * 253]
)
def test_valid_names(name: str) -> None:
    """Lower-case DNS-1123 subdomains of at most 253 characters are accepted."""
    check_name(name)


@pytest.mark.parametrize(
    "name", ["", "Upper", "under_score", "-dash", "dash-", "dot.", ".dot", "a..b", "spa ce", "ümlaut", "a/b"]
)
def test_invalid_names(name: str) -> None:
    """Anything else is refused with Kubernetes' explanation."""
    with pytest.raises(InputError, match="a lowercase RFC 1123 subdomain must consist of lower case"):
        check_name(name)


def test_too_long_name() -> None:
    """254 characters are too many, with Keptn's message."""
    with pytest.raises(InputError, match="name and key values must be no more than 253 characters"):
        check_name("a" * 254)


def test_valid_data() -> None:
    """Keys of letters, digits, '-', '_' and '.' with any string values are accepted, also none."""
    check_data({"PROMETHEUS_URL": "http://x", "key.name": "", "key-name": "ü\n", "_x": "y"})
    check_data({})


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "invalid secret key '': a valid key must consist of"),
        ("with space", "invalid secret key 'with space'"),
        ("slash/key", "invalid secret key 'slash/key'"),
        ("k" * 254, "name and key values must be no more than 253 characters"),
    ],
)
def test_invalid_keys(key: str, message: str) -> None:
    """Empty keys, other characters and overlong keys are refused."""
    with pytest.raises(InputError, match=message):
        check_data({key: "v"})


def test_data_size_limit() -> None:
    """A map of more than 1 MiB is refused; one just below is fine."""
    check_data({"k": "x" * (1024 * 1024 - 20)})
    with pytest.raises(InputError, match="more than the limit of 1024 KB"):
        check_data({"k": "x" * (1024 * 1024)})


def test_scopes_are_keptns() -> None:
    """The four scopes of Keptn's scopes.yaml, plus those of the Datadog and Sumo Logic providers."""
    assert sorted(SCOPES) == [
        "datadog-service",
        "dynatrace-service",
        "keptn-default",
        "keptn-prometheus-service",
        "keptn-webhook-service",
        "sumologic-service",
    ]
