"""The Bridge's OpenID settings: an incomplete or wrong configuration stops the server with the variable
named; the client secret may come from a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from slogate.bootstrap import oidc_provider
from slogate.errors import ConfigError
from slogate.settings import Settings


def test_no_issuer_no_provider(tmp_path: Path) -> None:
    assert oidc_provider(Settings(data_dir=tmp_path)) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"oidc_issuer": "login.example.test", "oidc_client_id": "s"},
            "SLOGATE_OIDC_ISSUER: 'login.example.test'",
        ),
        ({"oidc_issuer": "https://login.example.test"}, "SLOGATE_OIDC_CLIENT_ID is needed"),
        (
            {"oidc_issuer": "https://id.test", "oidc_client_id": "s", "oidc_scopes": "profile groups"},
            "SLOGATE_OIDC_SCOPES: 'profile groups' lacks 'openid'",
        ),
        (
            {
                "oidc_issuer": "https://id.test",
                "oidc_client_id": "s",
                "oidc_client_secret_file": "/nonexistent/x",
            },
            "SLOGATE_OIDC_CLIENT_SECRET_FILE: cannot read /nonexistent/x",
        ),
    ],
)
def test_a_wrong_configuration_names_the_variable(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        oidc_provider(Settings(data_dir=tmp_path, **values))  # type: ignore[arg-type]


def test_the_secret_file_wins_and_the_button_names_the_host(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("from-the-file\n")
    settings = Settings(
        data_dir=tmp_path,
        oidc_issuer="https://login.example.test/realms/ops",
        oidc_client_id="slogate",
        oidc_client_secret="from-the-environment",  # type: ignore[arg-type]
        oidc_client_secret_file=tmp_path / "secret",
    )
    provider = oidc_provider(settings)
    assert provider is not None
    assert provider.display_name == "login.example.test"
    assert provider._config.client_secret == "from-the-file"
