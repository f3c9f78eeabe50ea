"""The checks of the Keptn and slogate files whose parsers live in the executors: ``webhook/webhook.yaml``,
``slogate/executors.yaml``, ``slogate/deployment.yaml`` (for ``FileChecks``), each by the parser that
reads the file when a task runs, so that an upload or ``slogate lint`` reports what the task would."""

from __future__ import annotations

from collections.abc import Callable

from slogate.adapters import yamlfile
from slogate.adapters.executors.local_deploy import DEPLOYMENT_FILE, load_config
from slogate.adapters.executors.webhook_config import parse_config
from slogate.domain.file_kinds import DEPLOYMENT, DYNATRACE_CONF, EXECUTORS, WEBHOOK, FileCheck
from slogate.domain.problems import Problem
from slogate.domain.sequencing.executor_plan import parse_plan
from slogate.errors import DocumentError, InputError

# Stand-ins for what the executors' task config may give a deployment file (checked in that file)
_DEFAULTS = {"command": ["service"], "port": 1}


def check_webhook(text: str, source: str, strict: bool) -> list[Problem]:
    """The webhook-service's checks of ``webhook.yaml`` (the first problem, as Keptn reports it)."""
    try:
        parse_config(text)
    except InputError as error:
        return [Problem("", error.message)]
    return []


def check_executors(text: str, source: str, strict: bool) -> list[Problem]:
    """``slogate/executors.yaml`` as the executor runner reads it."""
    try:
        parse_plan(yamlfile.load_plain(text, source), source)
    except DocumentError as error:
        return [Problem("", error.detail)]
    except InputError as error:
        return [Problem("", error.message.removeprefix(f"{source}: "))]
    return []


def check_deployment(text: str, source: str, strict: bool) -> list[Problem]:
    """``slogate/deployment.yaml`` as the local deploy executor reads it; ``command`` and ``port`` may
    come from the task's config in ``slogate/executors.yaml``, so their absence is not a problem."""
    try:
        load_config(_DEFAULTS, text, "", "")
    except InputError as error:
        if "no port for stage" in error.message:  # ports per stage: which stage is up to the delivery
            return []
        return [Problem("", error.message.removeprefix(f"{DEPLOYMENT_FILE}: "))]
    return []


def check_dynatrace_conf(text: str, source: str, strict: bool) -> list[Problem]:
    """``dynatrace/dynatrace.conf.yaml`` as the Dynatrace provider reads it (a dashboard is an error:
    slogate has no dashboard mode)."""
    from slogate.adapters.providers.dynatrace_conf import check_conf

    return [Problem("", message.removeprefix(f"{source}: ")) for message in check_conf(text, source)]


CHECKS: dict[str, FileCheck] = {
    WEBHOOK: check_webhook,
    EXECUTORS: check_executors,
    DEPLOYMENT: check_deployment,
    DYNATRACE_CONF: check_dynatrace_conf,
}


def query_checks() -> dict[str, Callable[[str], list[str]]]:
    """Per vendor provider, the problems of one of its sli.yaml queries (its ``check_query``)."""
    from slogate.adapters.providers.datadog import check_query as datadog_query
    from slogate.adapters.providers.dynatrace import check_query as dynatrace_query
    from slogate.adapters.providers.sumologic import check_query as sumologic_query

    return {"dynatrace": dynatrace_query, "datadog": datadog_query, "sumologic": sumologic_query}
