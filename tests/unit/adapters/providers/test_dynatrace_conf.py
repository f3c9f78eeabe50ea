"""dynatrace/dynatrace.conf.yaml: dtCreds with placeholders, dashboard mode refused, bad files named."""

from __future__ import annotations

import pytest

from slogate.adapters.providers.dynatrace import check_conf, parse_conf
from slogate.adapters.providers.dynatrace_conf import DASHBOARD_PROBLEM, DynatraceConf
from slogate.errors import InputError

SOURCE = "dynatrace/dynatrace.conf.yaml"


def test_keptns_example_reads_the_default_secret() -> None:
    conf = parse_conf("spec_version: '0.1.0'\ndtCreds: dynatrace\n", SOURCE)
    assert conf == DynatraceConf(spec_version="0.1.0", dt_creds="dynatrace")
    assert conf.credentials_secret("sockshop", "qa", "carts") == "dynatrace"
    assert check_conf("spec_version: '0.1.0'\ndtCreds: dynatrace\n", SOURCE) == []


@pytest.mark.parametrize("text", ["", "spec_version: '0.1.0'\n", "dtCreds: ''\n", "dtCreds:\n"])
def test_missing_dtcreds_means_the_dynatrace_secret(text: str) -> None:
    assert parse_conf(text, SOURCE).dt_creds == "dynatrace"


def test_dtcreds_placeholders_resolve_per_project_stage_and_service() -> None:
    conf = parse_conf("dtCreds: dt-$PROJECT-$STAGE-$SERVICE\nattachRules: {tagRule: []}\n", SOURCE)
    assert conf.credentials_secret("sockshop", "prod", "carts") == "dt-sockshop-prod-carts"
    assert conf.attach_rules == {"tagRule": []}


def test_a_dtcreds_that_resolves_to_no_secret_name_is_refused() -> None:
    conf = parse_conf("dtCreds: $SERVICE\n", SOURCE)
    with pytest.raises(InputError, match=r"dtCreds: '\$SERVICE' gives '\.\./x', which is not a secret name"):
        conf.credentials_secret("p", "s", "../x")


def test_dashboard_mode_is_reported_not_built() -> None:
    conf = parse_conf("spec_version: '0.1.0'\ndashboard: query\n", SOURCE)
    assert conf.dashboard == "query"
    assert conf.problems == (f"{SOURCE}: {DASHBOARD_PROBLEM}",)
    assert (
        "dashboard mode is not supported by slogate: list the SLIs in dynatrace/sli.yaml" in DASHBOARD_PROBLEM
    )
    assert check_conf("dashboard: 311f4aa7-5257-41d7-abd1-70420500e1c8\n", SOURCE) == [
        f"{SOURCE}: {DASHBOARD_PROBLEM}"
    ]
    assert parse_conf("dashboard: ''\n", SOURCE).problems == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("dtCreds: [a, b]\n", "dtCreds must be a string, found list"),
        ("dashboard: {a: 1}\n", "dashboard must be a string, found dict"),
        ("dtCreds: dt-$ENV.HOME\n", "dtCreds: placeholder $ENV.HOME is not known"),
        ("dtCreds: dt-$LABEL.x\n", "placeholder $LABEL.x is not known"),
        ("dtCreds: [unclosed\n", "not valid YAML"),
    ],
)
def test_unusable_files_name_the_file_and_the_field(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_conf(text, SOURCE)
    assert SOURCE in str(caught.value)
    assert message in str(caught.value)
    assert len(check_conf(text, SOURCE)) == 1
    assert message in check_conf(text, SOURCE)[0]
