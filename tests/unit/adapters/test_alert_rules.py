"""Alerting rules from SLOs as Keptn's prometheus-service wrote them: one rule per SLI from its absolute
pass criteria, negated, over 180 s, ``for: 10m``; hostile SLI names and values stay valid for promtool."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from slogate.adapters.providers.alert_rules import alert_name, stage_rules, template_text
from slogate.domain.evaluation.slo_parser import parse_slo
from tests.support.prometheus import needs_prometheus

LABELS = {
    "severity": "webhook",
    "project": "fulltour",
    "stage": "production",
    "service": "helloservice",
    "deployment": "primary",
}
HOSTILE = "p95 {{ $labels.x }} \"q\" 's'\n# {{ . }} `b` $(id)"


def rules_of(objectives: list[dict[str, Any]], queries: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    slo, _ = parse_slo({"objectives": objectives})
    found = stage_rules("fulltour", "production", "helloservice", slo, queries)
    return found.group, list(found.notes)


def test_one_rule_per_sli_from_its_absolute_pass_criteria_negated_over_180_seconds() -> None:
    objectives: list[dict[str, Any]] = [
        {"sli": "response_time_p95", "pass": [{"criteria": ["<600", "<=+10%"]}, {"criteria": [">=2"]}]},
        {"sli": "error_rate", "pass": [{"criteria": ["<=0.2"]}], "warning": [{"criteria": ["<=0.5"]}]},
        {"sli": "go_routines"},  # informational: no rule
    ]
    query = "sum(rate(x{job='$SERVICE-$PROJECT-$STAGE',d='$DEPLOYMENT'}[$DURATION_SECONDS]))"
    group, notes = rules_of(objectives, {"response_time_p95": query})
    assert group["name"] == "helloservice fulltour-production alerts"
    resolved = "sum(rate(x{job='helloservice-fulltour-production',d='primary'}[180s]))"
    default = "sum(rate(http_requests_total{job='helloservice-fulltour-production-canary'"
    assert [(rule["alert"], rule["expr"]) for rule in group["rules"]] == [
        ("response_time_p95", f"(({resolved}) >= 600) and (({resolved}) < 2)"),
        ("error_rate", f"({default},status!~'2..'}}[180s]))/{default}}}[180s]))) > 0.2"),
    ]
    first = group["rules"][0]
    assert (first["for"], first["labels"]) == ("10m", LABELS)
    assert first["annotations"] == {
        "summary": "response_time_p95",
        "description": "response_time_p95 of helloservice in fulltour/production violates its pass "
        "criteria (<600, >=2) for 10m",
    }
    assert notes == [
        "stage production: SLI 'response_time_p95': pass criterion '<=+10%' is relative to earlier "
        "evaluations: no rule (as Keptn)"
    ]


@pytest.mark.parametrize(
    ("criterion", "note"),
    [
        ("=5", "is no < or > comparison: no rule (as Keptn)"),
        ("<=-5", "is relative to earlier evaluations: no rule (as Keptn)"),
        ("<10%", "is relative to earlier evaluations: no rule (as Keptn)"),
        ("<NaN", "compares with NaN, which never holds: no rule"),
        ("<1e400", "is not valid (could not parse criteria target value): no rule"),
        ("600", "is not valid (invalid criteria string): no rule"),
    ],
)
def test_criteria_without_a_rule_are_noted(criterion: str, note: str) -> None:
    group, notes = rules_of([{"sli": "throughput", "pass": [{"criteria": [criterion]}]}], {})
    assert group["rules"] == []
    assert notes == [f"stage production: SLI 'throughput': pass criterion {criterion!r} {note}"]


def test_an_sli_without_a_query_gets_no_rule_and_a_note() -> None:
    group, notes = rules_of([{"sli": "custom", "pass": [{"criteria": ["<1"]}]}], {})
    assert group["rules"] == []
    assert notes == [
        "stage production: SLI 'custom' has no query (unable to get metriy query: unsupported SLI): no rule"
    ]


@pytest.mark.parametrize(
    ("value", "shown"), [("<1.5", "1.5"), ("<1e20", "1e+20"), ("<Inf", "+Inf"), ("<0.000001", "1e-06")]
)
def test_numbers_are_promql_literals(value: str, shown: str) -> None:
    group, _ = rules_of([{"sli": "throughput", "pass": [{"criteria": [value]}]}], {"throughput": "up"})
    assert group["rules"][0]["expr"] == f"(up) >= {shown}"


def test_criteria_of_one_set_are_ored_and_sets_anded() -> None:
    pass_sets = [{"criteria": ["<5", ">1"]}, {"criteria": ["<=+10%"]}, {"criteria": ["<=9"]}]
    group, _ = rules_of([{"sli": "t", "pass": pass_sets}], {"t": "up"})
    assert group["rules"][0]["expr"] == "((up) >= 5 or (up) <= 1) and ((up) > 9)"


def test_a_second_objective_of_the_same_alert_name_is_noted_not_duplicated() -> None:
    objectives = [
        {"sli": "a b", "pass": [{"criteria": ["<1"]}]},
        {"sli": "a-b", "pass": [{"criteria": ["<2"]}]},
    ]
    group, notes = rules_of(objectives, {"a b": "up", "a-b": "up"})
    assert [rule["expr"] for rule in group["rules"]] == ["(up) >= 1"]
    assert notes == ["stage production: SLI 'a-b': a rule of that alert name exists: no second"]


def test_a_query_ending_in_a_comment_cannot_swallow_the_comparison() -> None:
    group, _ = rules_of([{"sli": "t", "pass": [{"criteria": ["<1"]}]}], {"t": "up # the comment"})
    assert group["rules"][0]["expr"] == "(up # the comment\n) >= 1"


def test_hostile_sli_names_become_valid_alert_names_and_exact_summaries() -> None:
    assert alert_name("response_time:p95") == "response_time:p95"
    assert alert_name("9 lives") == "_9_lives"
    assert alert_name("") == "_"
    assert template_text("a{{{b}}") == 'a{{ "{{" }}{b}}'
    group, _ = rules_of([{"sli": HOSTILE, "pass": [{"criteria": ["<1"]}]}], {HOSTILE: "vector(2)"})
    rule = group["rules"][0]
    assert rule["alert"] == "p95_____labels_x_____q___s_____________b____id_"
    assert rule["annotations"]["summary"] == HOSTILE.replace("{{", '{{ "{{" }}')


@needs_prometheus
def test_promtool_accepts_the_rules_of_hostile_names_values_and_queries(tmp_path: Path) -> None:
    objectives = [
        {"sli": HOSTILE, "pass": [{"criteria": ["<1", ">=0.5"]}]},
        {"sli": "error_rate", "pass": [{"criteria": ["<=0.2"]}]},
        {"sli": "response_time_p95", "pass": [{"criteria": ["<Inf"]}]},
        {"sli": "commented", "pass": [{"criteria": ["<1e20"]}]},
    ]
    queries = {HOSTILE: "vector(2)", "commented": 'up{job="$SERVICE"} # a comment'}
    group, _ = rules_of(objectives, queries)
    assert len(group["rules"]) == 4
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [group]}, sort_keys=False, allow_unicode=True))
    checked = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 4 rules found" in checked.stdout, checked.stdout + checked.stderr


@needs_prometheus
def test_prometheus_expands_the_hostile_summary_to_exactly_the_sli_name(tmp_path: Path) -> None:
    """promtool's rule unit test evaluates the rule and expands its templates as Prometheus does."""
    group, _ = rules_of([{"sli": HOSTILE, "pass": [{"criteria": ["<1"]}]}], {HOSTILE: "vector(2)"})
    rule = group["rules"][0]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [group]}, allow_unicode=True))
    description = f"{HOSTILE} of helloservice in fulltour/production violates its pass criteria (<1) for 10m"
    expected = {"exp_labels": LABELS, "exp_annotations": {"summary": HOSTILE, "description": description}}
    tests = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [],
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": rule["alert"], "exp_alerts": []},
                    {"eval_time": "11m", "alertname": rule["alert"], "exp_alerts": [expected]},
                ],
            }
        ],
    }
    (tmp_path / "test.yml").write_text(yaml.safe_dump(tests, allow_unicode=True))
    checked = subprocess.run(
        ["promtool", "test", "rules", "test.yml"], capture_output=True, text=True, cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_window_and_a_hold_replace_keptns_180_seconds_and_10_minutes() -> None:
    from datetime import timedelta

    slo, _ = parse_slo({"objectives": [{"sli": "p95", "pass": [{"criteria": ["<600"]}]}]})
    query = "sum(rate(x[$DURATION_SECONDS]))"
    found = stage_rules("p", "production", "s", slo, {"p95": query}, timedelta(seconds=45), "0s")
    (rule,) = found.group["rules"]
    assert (rule["expr"], rule["for"]) == ("(sum(rate(x[45s]))) >= 600", "0s")
    assert rule["annotations"]["description"].endswith("(<600) for 0s")


@pytest.mark.parametrize(
    ("text", "seconds"), [("0s", 0), ("10m", 600), ("1m30s", 90), ("1h", 3600), ("1500ms", 1.5)]
)
def test_prometheus_durations_are_read(text: str, seconds: float) -> None:
    from slogate.adapters.providers.alert_rules import prometheus_duration

    assert prometheus_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "10", "1.5m", "-1s", "1m 30s", "10 minutes", "s"])
def test_what_is_no_prometheus_duration_is_refused(text: str) -> None:
    from slogate.adapters.providers.alert_rules import prometheus_duration

    with pytest.raises(ValueError, match="is not a Prometheus duration"):
        prometheus_duration(text)
