"""The Bridge's entries in the audit log (approvals, triggers, sequence control): who, what, from where."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from slogate.api.clients import client_of
from slogate.domain.access import Grant, Principal, Role
from slogate.services.usecases.audit import ALLOWED
from slogate.web.pages import context_of
from slogate.web.session import Session

BRIDGE_USER = "bridge"


def bridge_principal(session: Session) -> Principal:
    """Who acts in the Bridge: today's token and basic-auth logins act as the admin (the OIDC login
    replaces this with the user's name and grants)."""
    del session
    return Principal(BRIDGE_USER, "user", (Grant(Role.ADMIN),))


def record(
    request: Request,
    session: Session,
    action: str,
    project: str,
    stage: str = "",
    target: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append what the Bridge's user did to the audit log."""
    context = context_of(request)
    context.audit.record(
        bridge_principal(session),
        action,
        ALLOWED,
        project=project,
        stage=stage,
        target=target,
        source_ip=client_of(request.scope, context.settings.proxy_networks()),
        details=details,
    )
