"""Who calls: scoped API tokens (``slg_<id>_<secret>``, stored as hashes), role bindings of users and
groups, and the principal of a request; every check reads the store (a revocation holds at once on
every replica)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slogate.domain.access import Action, Decision, Grant, Principal, Role, decide, parse_role
from slogate.errors import InputError, NotFoundError
from slogate.ports.access import AccessStore, Binding, TokenRecord
from slogate.ports.tokens import ApiTokenStore

PREFIX = "slg_"
MAX_TOKEN_LENGTH = 512
ADMIN_TOKEN_NAME = "api-token"  # the server's SLOGATE_API_TOKEN: a full admin, as Keptn's token was
TOUCH_EVERY = timedelta(minutes=1)  # last_used is written at most this often per token
_TOKEN = re.compile(r"slg_([a-z0-9]{12})_([A-Za-z0-9_-]{20,100})")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SUBJECT = re.compile(r"(user|group):\S.{0,254}")
_DURATION = re.compile(r"(\d{1,6})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """A token's name: letters, digits, ``.``, ``_``, ``-`` (at most 100); else ``InputError``."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"token name {name!r} is not valid: use 1-100 letters, digits, '.', '_' or '-' (e.g. ci-sockshop)"
        )
    return name


def check_subject(subject: str) -> str:
    """``user:<name>`` or ``group:<name>``; else ``InputError``."""
    if not _SUBJECT.fullmatch(subject):
        raise InputError(f"subject {subject!r} is not valid: write user:<name> or group:<name>")
    return subject


def parse_expiry(text: str, now: datetime) -> datetime | None:
    """``30d``, ``12h``, ``90m``, ``2w``, a date (``2027-01-31``) or time with offset, or ``never``."""
    value = text.strip().lower()
    if value in ("", "never"):
        return None
    duration = _DURATION.fullmatch(value)
    if duration:
        amount = int(duration.group(1))
        if amount <= 0:
            raise InputError(f"--expires {text!r} is not in the future: give e.g. 30d")
        return now + timedelta(**{_UNITS[duration.group(2)]: amount})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"--expires {text!r} is not valid: give a duration (30d, 12h, 90m, 2w), a date "
            "(2027-01-31), or never"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment <= now:
        raise InputError(f"--expires {text!r} is in the past: give a later date or a duration")
    return moment


def grant_of(role: str, project: str = "", stages: Iterable[str] = ()) -> Grant:
    """A grant from user input: a global role without a project, a project role with one."""
    try:
        parsed = parse_role(role, global_scope=not project.strip())
    except ValueError as error:
        raise InputError(str(error)) from None
    stage_set = frozenset(stage.strip() for stage in stages if stage.strip())
    if stage_set and not project:
        raise InputError("--stage needs --project: a global role holds everywhere")
    return Grant(parsed, project.strip(), stage_set)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A created token: the secret (shown once) and its stored record."""

    token: str
    record: TokenRecord


class AccessService:
    """Tokens, bindings and the principal of a presented token."""

    def __init__(self, store: AccessStore, admin_token: ApiTokenStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._admin_token = admin_token
        self._now = now

    def principal_for_token(self, token: str | None) -> Principal | None:
        """The caller of ``token``: the server's token is the admin; a live ``slg_`` token its grants;
        anything else (missing, unknown, revoked, expired, malformed) None."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        if token.startswith(PREFIX):
            return self._scoped(token)
        if self._admin_token.verify(token):
            return Principal(ADMIN_TOKEN_NAME, "token", (Grant(Role.ADMIN),))
        return None

    def _scoped(self, token: str) -> Principal | None:
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        record = self._store.token(match.group(1))
        given = _digest(match.group(2))
        if record is None or not hmac.compare_digest(given, record.digest):
            return None
        now = self._now()
        if record.expires is not None and record.expires <= now:
            return None
        if record.last_used is None or now - record.last_used >= TOUCH_EVERY:
            self._store.touch_token(record.id, now)
        return Principal(record.name, "token", record.grants)

    def may_manage(self, actor: Principal, grants: Iterable[Grant]) -> Decision:
        """Admins manage every token and binding; a project's owner those on that project only."""
        for grant in grants:
            decision = decide(actor, Action.TOKEN_MANAGE, grant.project)
            if not decision.allowed:
                return decision
        return Decision(True)

    def create_token(
        self, name: str, grants: tuple[Grant, ...], expires: datetime | None, created_by: str
    ) -> NewToken:
        """A new token; ``ConflictError`` when ``name`` is taken."""
        if not grants:
            raise InputError("a token needs a role: give --role (and --project for a project role)")
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        record = TokenRecord(
            token_id, check_name(name), _digest(secret), grants, self._now(), created_by, expires
        )
        self._store.add_token(record)
        return NewToken(f"{PREFIX}{token_id}_{secret}", record)

    def tokens(self) -> list[TokenRecord]:
        """Every token (never a secret)."""
        return self._store.tokens()

    def token_named(self, name: str) -> TokenRecord:
        """The token named ``name``; ``NotFoundError`` otherwise."""
        for record in self._store.tokens():
            if record.name == name:
                return record
        raise NotFoundError(f"no token named {name!r}: see slogate token list")

    def revoke(self, name: str) -> TokenRecord:
        """Delete the token named ``name`` (no request with it passes from now on, on any replica)."""
        removed = self._store.delete_token(name)
        if removed is None:
            raise NotFoundError(f"no token named {name!r}: see slogate token list")
        return removed

    def grants_for_subjects(self, subjects: list[str]) -> tuple[Grant, ...]:
        """The grants bound to any of ``subjects`` (``user:<name>``, ``group:<name>``)."""
        return tuple(binding.grant for binding in self._store.bindings(subjects))

    def principal_for_user(self, name: str, groups: Iterable[str] = ()) -> Principal:
        """A logged-in user (the Bridge's OIDC login): the grants bound to ``user:<name>`` and to
        ``group:<group>`` of each of its groups; no binding, no grant (nothing visible)."""
        subjects = [f"user:{name}", *(f"group:{group}" for group in groups)]
        return Principal(name, "user", self.grants_for_subjects(subjects))

    def bind(self, subject: str, grant: Grant, created_by: str) -> Binding:
        """Give ``subject`` the role of ``grant`` (replacing its stages when it had that role)."""
        binding = Binding(check_subject(subject), grant, self._now(), created_by)
        self._store.bind(binding)
        return binding

    def unbind(self, subject: str, grant: Grant) -> None:
        """Take the role of ``grant`` from ``subject``; ``NotFoundError`` when it did not hold it."""
        if not self._store.unbind(check_subject(subject), grant.role.value, grant.project):
            where = f" on project {grant.project!r}" if grant.project else ""
            raise NotFoundError(f"{subject} does not hold role {grant.role.value}{where}")

    def bindings(self, subjects: list[str] | None = None) -> list[Binding]:
        """The bindings of ``subjects`` (None: all)."""
        return self._store.bindings(subjects)
