"""The access decision: role ranks, stage narrowing, global roles, refusals, visibility, event actions."""

from __future__ import annotations

import pytest

from slogate.domain.access import (
    NEEDED,
    Action,
    Grant,
    Principal,
    Role,
    decide,
    event_action,
    parse_role,
    visible,
)


def _who(*grants: Grant) -> Principal:
    return Principal("ci", "token", grants)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VIEWER, {Action.PROJECT_READ}),
        (
            Role.OPERATOR,
            {
                Action.PROJECT_READ,
                Action.TASK_ANSWER,
                Action.SEQUENCE_TRIGGER,
                Action.SEQUENCE_CONTROL,
                Action.APPROVAL_DECIDE,
                Action.EVALUATION_INVALIDATE,
                Action.EVENT_SEND,
            },
        ),
        (Role.INTEGRATION, {Action.PROJECT_READ, Action.TASK_ANSWER}),
        (Role.OWNER, {action for action, needed in NEEDED.items() if needed is not None}),
    ],
)
def test_each_project_role_allows_exactly_its_actions(role: Role, allowed: set[Action]) -> None:
    who = _who(Grant(role, "shop"))
    assert {action for action in Action if decide(who, action, "shop", "qa").allowed} == allowed


def test_maintainer_manages_configuration_and_secrets_but_not_members() -> None:
    who = _who(Grant(Role.MAINTAINER, "shop"))
    assert decide(who, Action.CONFIG_WRITE, "shop").allowed
    assert decide(who, Action.SECRET_WRITE, "shop").allowed
    assert not decide(who, Action.PROJECT_DELETE, "shop").allowed
    assert not decide(who, Action.TOKEN_MANAGE, "shop").allowed


def test_a_grant_never_reaches_another_project_or_a_project_less_action() -> None:
    who = _who(Grant(Role.OWNER, "shop"))
    assert not decide(who, Action.PROJECT_READ, "bank").allowed
    assert not decide(who, Action.PROJECT_READ).allowed
    assert not decide(who, Action.PROJECT_CREATE, "shop").allowed


def test_stage_narrowing_limits_actions_but_not_reads() -> None:
    who = _who(Grant(Role.OPERATOR, "shop", frozenset({"production"})))
    assert decide(who, Action.APPROVAL_DECIDE, "shop", "production").allowed
    assert not decide(who, Action.APPROVAL_DECIDE, "shop", "qa").allowed
    assert not decide(who, Action.SEQUENCE_TRIGGER, "shop").allowed
    assert decide(who, Action.PROJECT_READ, "shop", "qa").allowed


def test_grants_add_up() -> None:
    who = _who(Grant(Role.VIEWER, "shop"), Grant(Role.OPERATOR, "shop", frozenset({"qa"})))
    assert decide(who, Action.SEQUENCE_TRIGGER, "shop", "qa").allowed
    assert not decide(who, Action.SEQUENCE_TRIGGER, "shop", "production").allowed


def test_admin_does_everything_and_auditor_only_reads() -> None:
    admin = _who(Grant(Role.ADMIN))
    auditor = _who(Grant(Role.AUDITOR))
    assert all(decide(admin, action, "any").allowed for action in Action)
    assert {action for action in Action if decide(auditor, action, "any").allowed} == {
        Action.PROJECT_READ,
        Action.AUDIT_READ,
    }
    assert admin.is_admin
    assert admin.sees_everything
    assert auditor.sees_everything
    assert not auditor.is_admin


def test_nobody_without_a_grant() -> None:
    assert not any(decide(_who(), action, "shop").allowed for action in Action)


@pytest.mark.parametrize(
    ("action", "project", "stage", "message"),
    [
        (
            Action.APPROVAL_DECIDE,
            "shop",
            "production",
            "token 'ci' may not approval.decide: it needs role operator or higher on project 'shop' "
            "in stage 'production'",
        ),
        (
            Action.PROJECT_READ,
            "shop",
            "",
            "token 'ci' may not project.read: it needs role viewer or higher on project 'shop'",
        ),
        (
            Action.PROJECT_CREATE,
            "shop",
            "qa",
            "token 'ci' may not project.create: it needs the global admin role",
        ),
        (
            Action.AUDIT_READ,
            "",
            "",
            "token 'ci' may not audit.read: it needs the global admin or auditor role",
        ),
    ],
)
def test_a_refusal_names_the_missing_role(action: Action, project: str, stage: str, message: str) -> None:
    decision = decide(_who(Grant(Role.VIEWER, "bank")), action, project, stage)
    assert not decision.allowed
    assert decision.reason == message


def test_visible_projects_keep_order_and_hide_the_rest() -> None:
    projects = ["a", "shop", "b", "bank"]
    assert visible(_who(Grant(Role.VIEWER, "bank"), Grant(Role.OWNER, "shop")), projects) == ["shop", "bank"]
    assert visible(_who(Grant(Role.AUDITOR)), projects) == projects
    assert visible(_who(), projects) == []


@pytest.mark.parametrize(
    ("event_type", "action"),
    [
        ("sh.keptn.event.approval.finished", Action.APPROVAL_DECIDE),
        ("sh.keptn.event.monitoring.configure", Action.CONFIG_WRITE),
        ("sh.keptn.events.problem", Action.SEQUENCE_TRIGGER),
        ("sh.keptn.event.production.delivery.triggered", Action.SEQUENCE_TRIGGER),
        ("sh.keptn.event.evaluation.invalidated", Action.EVALUATION_INVALIDATE),
        ("sh.keptn.event.deployment.finished", Action.TASK_ANSWER),
        ("sh.keptn.event.get-sli.started", Action.TASK_ANSWER),
        ("sh.keptn.event.deployment.triggered", Action.EVENT_SEND),
        ("sh.keptn.event.production.delivery.finished", Action.EVENT_SEND),
        ("com.example.custom", Action.EVENT_SEND),
    ],
)
def test_event_actions(event_type: str, action: Action) -> None:
    assert event_action(event_type) is action


def test_parse_role() -> None:
    assert parse_role(" Operator ", global_scope=False) is Role.OPERATOR
    assert parse_role("auditor", global_scope=True) is Role.AUDITOR
    with pytest.raises(ValueError, match="unknown role 'admin' on a project: use one of viewer, operator"):
        parse_role("admin", global_scope=False)
    with pytest.raises(ValueError, match="without --project: use one of admin, auditor"):
        parse_role("owner", global_scope=True)
