"""Lighthouse over the real store: slogate/evaluation.yaml's outcome for an evaluation that evaluated nothing,
and the SLO's lint problems named in the message while the verdict stays Keptn's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from slogate.adapters.plugins import PluginRegistry
from slogate.adapters.store.dispatch_repository import SqlDispatchStore
from slogate.adapters.store.repository import SqlEventStore
from slogate.adapters.yamlfile import load_document
from slogate.ports.executors import ExecutorEnvironment
from slogate.services.keptn.get_sli_service import SLIService
from slogate.services.keptn.lighthouse_service import Lighthouse
from slogate.services.runtime.dispatcher import Dispatcher
from slogate.settings import Settings
from tests.fakes import FakeClock, FakeProvider
from tests.integration.keptn_services.test_lighthouse_flow import (
    TUTORIAL_FILES,
    Files,
    Secrets,
    finished,
    stores,
    trigger,
)
from tests.integration.usecases.test_quality_gate import FAST

__all__ = ["stores"]  # the fixture, shared with the flow's tests

Stores = tuple[SqlEventStore, SqlDispatchStore]
NO_SLO = "no evaluation performed by lighthouse because no SLO file configured for project fulltour"
NO_PROVIDER = "no evaluation performed by lighthouse because no SLI-provider configured for project fulltour"
SETTINGS = "slogate/evaluation.yaml"
SLI_ONLY = {("", "", "prometheus/sli.yaml"): TUTORIAL_FILES[("", "", "prometheus/sli.yaml")]}


def evaluate(
    stores: Stores, files: Mapping[tuple[str, str, str], str], provider: bool = True
) -> dict[str, Any]:
    """Run one evaluation of helloservice in qa through lighthouse and the SLI service; its finished data."""
    store, dispatch = stores
    context = str(uuid.uuid4())
    clock = FakeClock()
    settings = Settings(prometheus_url="http://127.0.0.1:9" if provider else "", query_timeout=3)
    reader, secrets = Files(files), Secrets(None)
    lighthouse = Lighthouse(store, reader, secrets, settings, load_document, clock)
    providers = PluginRegistry(
        ExecutorEnvironment(Path(), clock), sli_providers={"prometheus": lambda options: FakeProvider(FAST)}
    )
    sli = SLIService(reader, secrets, settings, providers, load_document, clock)
    trigger(store, context)
    asyncio.run(Dispatcher(dispatch, [lighthouse, sli], clock).drain())
    return dict(finished(store, context).data)


def verdict(data: Mapping[str, Any]) -> tuple[str, str, str, float]:
    return data["status"], data["result"], data["evaluation"]["result"], data["evaluation"]["score"]


def test_without_settings_no_slo_passes_as_in_keptn(stores: Stores) -> None:
    data = evaluate(stores, SLI_ONLY)
    assert verdict(data) == ("succeeded", "pass", "pass", 0)
    assert data["message"] == NO_SLO


def test_a_stage_setting_fails_an_evaluation_without_slo(stores: Stores) -> None:
    data = evaluate(stores, {**SLI_ONLY, ("qa", "", SETTINGS): "nothingEvaluated: fail\n"})
    assert verdict(data) == ("succeeded", "fail", "fail", 0)
    assert data["message"] == f"{NO_SLO}; {SETTINGS} (stage qa) makes it fail (nothingEvaluated)"


def test_a_project_warning_is_overridden_by_the_service(stores: Stores) -> None:
    project = {**SLI_ONLY, ("", "", SETTINGS): "kind: Evaluation\nnothingEvaluated: warning\n"}
    assert verdict(evaluate(stores, project))[:3] == ("succeeded", "warning", "warning")
    service = {**project, ("qa", "helloservice", SETTINGS): "nothingEvaluated: pass\n"}
    again = evaluate(stores, service)
    assert verdict(again) == ("succeeded", "pass", "pass", 0)
    assert again["message"] == NO_SLO


def test_an_invalid_setting_errors_the_evaluation_naming_file_and_field(stores: Stores) -> None:
    data = evaluate(stores, {**SLI_ONLY, ("", "", SETTINGS): "nothingEvaluated: fial\n"})
    assert verdict(data) == ("errored", "fail", "fail", 0)
    assert data["message"] == (
        f"{SETTINGS} (project): nothingEvaluated: 'fial' is not one of pass, warning, fail "
        f"(pass is Keptn's default); {NO_SLO}"
    )


def test_a_setting_fails_an_evaluation_without_sli_provider(stores: Stores) -> None:
    plain = evaluate(stores, TUTORIAL_FILES, provider=False)
    assert verdict(plain) == ("succeeded", "pass", "pass", 0)
    assert plain["message"] == NO_PROVIDER
    files = {**TUTORIAL_FILES, ("", "", SETTINGS): "nothingEvaluated: fail\n"}
    data = evaluate(stores, files, provider=False)
    assert verdict(data) == ("succeeded", "fail", "fail", 0)
    assert data["message"] == f"{NO_PROVIDER}; {SETTINGS} (project) makes it fail (nothingEvaluated)"


def test_an_evaluation_that_evaluated_something_ignores_the_setting(stores: Stores) -> None:
    """Even an invalid settings file is not read when the SLO was evaluated (verdict and reads: Keptn's)."""
    data = evaluate(stores, {**TUTORIAL_FILES, ("", "", SETTINGS): "nothingEvaluated: [\n"})
    assert verdict(data) == ("succeeded", "pass", "pass", 100)


def test_lint_problems_are_named_and_the_verdict_stays_keptns(stores: Stores) -> None:
    slo = TUTORIAL_FILES[("qa", "helloservice", "slo.yaml")]
    clean = evaluate(stores, TUTORIAL_FILES)
    typo = slo.replace("    key_sli: true\n", "    key_sli: true\n    wieght: 2\n", 1)
    data = evaluate(stores, {**TUTORIAL_FILES, ("qa", "helloservice", "slo.yaml"): typo})
    assert verdict(data) == verdict(clean) == ("succeeded", "pass", "pass", 100)
    scores = [(r["status"], r["score"]) for r in data["evaluation"]["indicatorResults"]]
    assert scores == [(r["status"], r["score"]) for r in clean["evaluation"]["indicatorResults"]]
    assert clean.get("message", "") == ""
    assert data["message"] == (
        "slo.yaml has 1 problem(s) (slogate slo lint): objectives[0].wieght: "
        "unknown key 'wieght' is ignored by Keptn (did you mean 'weight'?)"
    )


def test_an_invalid_criterion_keeps_keptns_failure_and_names_the_criterion(stores: Stores) -> None:
    slo = TUTORIAL_FILES[("qa", "helloservice", "slo.yaml")].replace('"<=30"', '"<= 30 goroutines"')
    data = evaluate(stores, {**TUTORIAL_FILES, ("qa", "helloservice", "slo.yaml"): slo})
    assert verdict(data) == ("succeeded", "fail", "fail", 0)
    keptn, note = data["message"].split("; ", 1)
    assert keptn == "error with Go Routines: could not parse criteria target value"
    assert note.startswith(
        "slo.yaml has 1 problem(s) (slogate slo lint): objectives[2].pass[0].criteria[0]: "
        "'<= 30 goroutines' is not a valid criterion"
    )


def test_a_settings_file_that_is_not_yaml_errors_the_evaluation(stores: Stores) -> None:
    data = evaluate(stores, {**SLI_ONLY, ("qa", "", SETTINGS): "nothingEvaluated: [fail\n"})
    assert (data["status"], data["result"]) == ("errored", "fail")
    assert data["message"].startswith(f"{SETTINGS} (stage qa): ")
    assert data["message"].endswith(f"; {NO_SLO}")
