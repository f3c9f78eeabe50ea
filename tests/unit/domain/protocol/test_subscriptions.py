"""Uniform subscriptions: NATS subject wildcards, Keptn's filter lists, registration ids and checks."""

from __future__ import annotations

import pytest

from slogate.domain.protocol.subscriptions import (
    MISSING_EVENT,
    SERVICE_WITHOUT_STAGE,
    Subscription,
    SubscriptionFilter,
    admits,
    filter_admits,
    integration_id,
    subject_matches,
    subscription_matches,
    subscription_problem,
)

TEST_TRIGGERED = "sh.keptn.event.test.triggered"


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        # exact subjects
        (TEST_TRIGGERED, TEST_TRIGGERED, True),
        (TEST_TRIGGERED, "sh.keptn.event.test.finished", False),
        ("sh.keptn.event.test", TEST_TRIGGERED, False),  # a prefix is not a match
        (TEST_TRIGGERED, "sh.keptn.event.test", False),  # nor is a longer pattern
        ("sh.keptn.event.te", "sh.keptn.event.test", False),  # tokens compare whole
        # '*' is exactly one token, anywhere
        ("sh.keptn.event.*.triggered", TEST_TRIGGERED, True),
        ("sh.keptn.event.*.triggered", "sh.keptn.event.qa.delivery.triggered", False),
        ("sh.keptn.event.*", TEST_TRIGGERED, False),
        ("sh.keptn.event.test.*", TEST_TRIGGERED, True),
        ("sh.keptn.event.test.*", "sh.keptn.event.test", False),
        ("*.keptn.event.test.triggered", TEST_TRIGGERED, True),
        ("sh.keptn.event.*.*", TEST_TRIGGERED, True),
        ("sh.keptn.event.te*.triggered", TEST_TRIGGERED, False),  # '*' inside a token is literal
        # '>' at the end is one or more tokens
        ("sh.keptn.>", TEST_TRIGGERED, True),
        ("sh.keptn.event.test.>", TEST_TRIGGERED, True),
        ("sh.keptn.event.test.triggered.>", TEST_TRIGGERED, False),  # needs at least one more token
        (">", TEST_TRIGGERED, True),
        (">", "single", True),
        ("sh.keptn.>", "sh.other.event", False),
        ("sh.*.>", TEST_TRIGGERED, True),
        # '>' elsewhere is a literal token
        ("sh.>.event.test.triggered", TEST_TRIGGERED, False),
        ("sh.>.x", "sh.>.x", True),
    ],
)
def test_subject_matches(pattern: str, subject: str, expected: bool) -> None:
    """Dot-separated tokens compare one by one; '*' takes one token, a final '>' the rest (at least one)."""
    assert subject_matches(pattern, subject) is expected


@pytest.mark.parametrize(
    ("values", "value", "expected"),
    [
        ((), "sockshop", True),  # empty: everything
        ((), "", True),
        (("",), "sockshop", True),  # joined to "": everything, as Keptn's matcher
        (("", ""), "sockshop", False),  # joined to ",": a list of two empty names
        (("", ""), "", True),
        (("sockshop",), "sockshop", True),
        (("sockshop",), "podtato", False),
        (("sockshop", "podtato"), "podtato", True),
        (("sockshop",), "", False),  # an event without a project does not pass a project filter
        (("sockshop,podtato",), "podtato", True),  # commas inside one entry split it, as Keptn's join/split
        (("sockshop",), "sock", False),  # whole names only
    ],
)
def test_admits(values: tuple[str, ...], value: str, expected: bool) -> None:
    """A filter list admits a value when it is empty or names it (after Keptn's comma join and split)."""
    assert admits(values, value) is expected


QA_CARTS = SubscriptionFilter(projects=("sockshop",), stages=("qa",), services=("carts",))


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({}, True),  # nothing asked: admitted
        ({"project": "sockshop"}, True),
        ({"project": "podtato"}, False),
        ({"stage": "qa"}, True),
        ({"stage": "production"}, False),
        ({"service": "carts"}, True),
        ({"service": "orders"}, False),
        ({"project": "sockshop", "stage": "qa", "service": "carts"}, True),
        ({"project": "sockshop", "stage": "qa", "service": "orders"}, False),
    ],
)
def test_filter_admits_each_given_value(scope: dict[str, str], expected: bool) -> None:
    """Only the values given are checked, each against its own list."""
    assert filter_admits(QA_CARTS, **scope) is expected


def test_an_empty_filter_admits_everything() -> None:
    """The default filter has empty lists: every project, stage and service."""
    assert filter_admits(SubscriptionFilter(), "any", "stage", "svc")


ANY_TRIGGERED = "sh.keptn.event.*.triggered"
CARTS_ONLY = SubscriptionFilter(services=("carts",))


@pytest.mark.parametrize(
    ("subscription", "event", "expected"),
    [
        (Subscription("1", TEST_TRIGGERED), (TEST_TRIGGERED, "p", "s", "v"), True),
        (Subscription("2", ANY_TRIGGERED, QA_CARTS), (TEST_TRIGGERED, "sockshop", "qa", "carts"), True),
        (Subscription("3", ANY_TRIGGERED, QA_CARTS), (TEST_TRIGGERED, "sockshop", "dev", "carts"), False),
        (
            Subscription("4", "sh.keptn.event.deployment.triggered", QA_CARTS),
            (TEST_TRIGGERED, "sockshop", "qa", "carts"),
            False,
        ),
        (Subscription("5", ">", CARTS_ONLY), (TEST_TRIGGERED, "x", "y", "carts"), True),
        (Subscription("6", ">", CARTS_ONLY), (TEST_TRIGGERED, "x", "y", "orders"), False),
    ],
)
def test_subscription_matches(
    subscription: Subscription, event: tuple[str, str, str, str], expected: bool
) -> None:
    """An event goes to a subscription when the subject matches and the filter admits its scope."""
    assert subscription_matches(subscription, *event) is expected


def test_integration_id_is_keptns_sha1() -> None:
    """SHA-1 hex of ``name-namespace-hostname`` (keptn/go-utils ``IntegrationID.Hash``)."""
    # printf 'job-executor-service-keptn-node-1' | sha1sum
    assert (
        integration_id("job-executor-service", "keptn", "node-1")
        == "a3080b737cbac8151857bc8253d179381395e4e8"
    )
    assert integration_id("job-executor-service", "keptn", "node-2") != integration_id(
        "job-executor-service", "keptn", "node-1"
    )


@pytest.mark.parametrize(
    ("event", "stages_given", "services_given", "expected"),
    [
        (TEST_TRIGGERED, False, False, None),
        (TEST_TRIGGERED, True, True, None),
        (TEST_TRIGGERED, True, False, None),
        ("", False, False, MISSING_EVENT),
        ("", False, True, MISSING_EVENT),  # the event is checked first
        (TEST_TRIGGERED, False, True, SERVICE_WITHOUT_STAGE),
    ],
)
def test_subscription_problem(
    event: str, stages_given: bool, services_given: bool, expected: str | None
) -> None:
    """Keptn's two rules: an event is required; a services list needs a stages list (even an empty one)."""
    assert subscription_problem(event, stages_given, services_given) == expected


def test_problem_messages_are_keptns() -> None:
    """The texts are the shipyard-controller's."""
    assert MISSING_EVENT == "the event must be specified when setting up a subscription"
    assert SERVICE_WITHOUT_STAGE == (
        "at least one stage must be specified when setting up a subscription filter for a service"
    )
