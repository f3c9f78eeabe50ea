"""Who may do what: roles per project (optionally narrowed to stages), global roles, and the decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from slogate.domain.protocol.event_types import (
    APPROVAL_FINISHED,
    MONITORING_CONFIGURE,
    PROBLEM,
    parse_event_type,
)


class Role(StrEnum):
    """A role: the first five are held on a project, ``admin`` and ``auditor`` everywhere."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    MAINTAINER = "maintainer"
    OWNER = "owner"
    INTEGRATION = "integration"
    ADMIN = "admin"
    AUDITOR = "auditor"


PROJECT_ROLES = (Role.VIEWER, Role.OPERATOR, Role.MAINTAINER, Role.OWNER, Role.INTEGRATION)
GLOBAL_ROLES = (Role.ADMIN, Role.AUDITOR)


class Action(StrEnum):
    """What a request does; every API route and Bridge button names one."""

    PROJECT_READ = "project.read"
    TASK_ANSWER = "task.answer"
    SEQUENCE_TRIGGER = "sequence.trigger"
    SEQUENCE_CONTROL = "sequence.control"
    APPROVAL_DECIDE = "approval.decide"
    EVALUATION_INVALIDATE = "evaluation.invalidate"
    EVENT_SEND = "event.send"
    CONFIG_WRITE = "config.write"
    SECRET_READ = "secret.read"
    SECRET_WRITE = "secret.write"
    PROJECT_DELETE = "project.delete"
    MEMBERS_MANAGE = "members.manage"
    TOKEN_MANAGE = "token.manage"
    PROJECT_CREATE = "project.create"
    GLOBAL_MANAGE = "global.manage"
    AUDIT_READ = "audit.read"


_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.MAINTAINER: 3, Role.OWNER: 4}

# The least project role that allows each action; ``None``: only the global admin may.
NEEDED: dict[Action, Role | None] = {
    Action.PROJECT_READ: Role.VIEWER,
    Action.TASK_ANSWER: Role.OPERATOR,
    Action.SEQUENCE_TRIGGER: Role.OPERATOR,
    Action.SEQUENCE_CONTROL: Role.OPERATOR,
    Action.APPROVAL_DECIDE: Role.OPERATOR,
    Action.EVALUATION_INVALIDATE: Role.OPERATOR,
    Action.EVENT_SEND: Role.OPERATOR,
    Action.CONFIG_WRITE: Role.MAINTAINER,
    Action.SECRET_READ: Role.MAINTAINER,
    Action.SECRET_WRITE: Role.MAINTAINER,
    Action.PROJECT_DELETE: Role.OWNER,
    Action.MEMBERS_MANAGE: Role.OWNER,
    Action.TOKEN_MANAGE: Role.OWNER,
    Action.PROJECT_CREATE: None,
    Action.GLOBAL_MANAGE: None,
    Action.AUDIT_READ: None,
}
INTEGRATION_ACTIONS = frozenset({Action.PROJECT_READ, Action.TASK_ANSWER})
AUDITOR_ACTIONS = frozenset({Action.PROJECT_READ, Action.AUDIT_READ})
READ_ACTIONS = frozenset({Action.PROJECT_READ})


@dataclass(frozen=True, slots=True)
class Grant:
    """A role held on ``project`` (``""`` for a global role), in ``stages`` only when not empty."""

    role: Role
    project: str = ""
    stages: frozenset[str] = frozenset()

    def allows(self, action: Action, project: str, stage: str) -> bool:
        """Whether this grant alone allows ``action`` on ``project`` (and ``stage``, when given)."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.AUDITOR:
            return action in AUDITOR_ACTIONS
        if not project or project != self.project or not self._covers(action, stage):
            return False
        if self.role is Role.INTEGRATION:
            return action in INTEGRATION_ACTIONS
        needed = NEEDED[action]
        return needed is not None and _RANK[self.role] >= _RANK[needed]

    def _covers(self, action: Action, stage: str) -> bool:
        """A stage-narrowed grant reads the whole project but acts only in its stages."""
        return not self.stages or action in READ_ACTIONS or stage in self.stages


@dataclass(frozen=True, slots=True)
class Principal:
    """Who calls: a token's or a user's name, how it authenticated, and its grants."""

    name: str
    kind: str
    grants: tuple[Grant, ...] = ()

    @property
    def is_admin(self) -> bool:
        """Whether it holds the global admin role."""
        return any(grant.role is Role.ADMIN for grant in self.grants)

    @property
    def sees_everything(self) -> bool:
        """Whether it reads every project (admin or auditor)."""
        return any(grant.role in GLOBAL_ROLES for grant in self.grants)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one action: allowed, or refused with the reason a 403 carries."""

    allowed: bool
    reason: str = ""


def decide(principal: Principal, action: Action, project: str = "", stage: str = "") -> Decision:
    """Allowed when any grant allows; the union of grants, no deny rules."""
    if any(grant.allows(action, project, stage) for grant in principal.grants):
        return Decision(True)
    return Decision(False, refusal(principal, action, project, stage))


def refusal(principal: Principal, action: Action, project: str, stage: str) -> str:
    """The message of a 403: who, what was missing, where."""
    needed = NEEDED[action]
    role = f"role {needed.value} or higher" if needed is not None else "the global admin role"
    if action is Action.AUDIT_READ:
        role = "the global admin or auditor role"
    where = f" on project {project!r}" if project and needed is not None else ""
    where += f" in stage {stage!r}" if where and stage else ""
    return f"{principal.kind} {principal.name!r} may not {action.value}: it needs {role}{where}"


def visible(principal: Principal, projects: Iterable[str]) -> list[str]:
    """The projects ``principal`` may read, in the given order."""
    if principal.sees_everything:
        return list(projects)
    readable = {grant.project for grant in principal.grants if grant.project}
    return [project for project in projects if project in readable]


def event_action(event_type: str) -> Action:
    """What sending an event of ``event_type`` does (``POST /api/v1/event``)."""
    if event_type == APPROVAL_FINISHED:
        return Action.APPROVAL_DECIDE
    if event_type == MONITORING_CONFIGURE:
        return Action.CONFIG_WRITE
    if event_type == PROBLEM:
        return Action.SEQUENCE_TRIGGER
    parsed = parse_event_type(event_type)
    if parsed.is_sequence and parsed.kind == "triggered":
        return Action.SEQUENCE_TRIGGER
    if parsed.is_task and parsed.task == "evaluation" and parsed.kind == "invalidated":
        return Action.EVALUATION_INVALIDATE
    if parsed.is_task and parsed.kind != "triggered":
        return Action.TASK_ANSWER
    return Action.EVENT_SEND


def parse_role(text: str, *, global_scope: bool) -> Role:
    """A role by name; ``ValueError`` naming the roles allowed for that scope."""
    allowed = GLOBAL_ROLES if global_scope else PROJECT_ROLES
    for role in allowed:
        if role.value == text.strip().lower():
            return role
    names = ", ".join(role.value for role in allowed)
    scope = "without --project" if global_scope else "on a project"
    raise ValueError(f"unknown role {text!r} {scope}: use one of {names}")
