"""Bridge sessions: an idle session ends, a page view moves its idle clock on, an OpenID session carries
its user and groups under the signature, and the login's flow cookie is sealed."""

from __future__ import annotations

from collections.abc import Mapping

from slogate.web.session import REFRESH_SECONDS, SessionKeys


class MemoryFiles:
    """The session files in memory."""

    def __init__(self) -> None:
        self.revoked_ids: dict[str, int] = {}

    def key(self) -> bytes:
        return b"k" * 32

    def revoked(self) -> dict[str, int]:
        return dict(self.revoked_ids)

    def add_revoked(self, revoked: Mapping[str, int]) -> None:
        self.revoked_ids.update(revoked)

    def replace_revoked(self, revoked: Mapping[str, int]) -> None:
        self.revoked_ids = dict(revoked)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_session_ends_and_a_page_view_keeps_it_alive() -> None:
    clock = Clock()
    keys = SessionKeys(MemoryFiles(), now=clock, idle_seconds=600)
    cookie = keys.issue()
    session = keys.verify(cookie)
    assert session is not None
    assert session.user == ""
    assert keys.renewed(session) is None
    clock.now += 500
    renewed = keys.renewed(session)
    assert renewed is not None
    assert renewed.split(".")[0] == cookie.split(".")[0]
    clock.now += 500
    assert keys.verify(cookie) is None  # 1000 s idle
    assert keys.verify(renewed) is not None  # seen 500 s ago
    clock.now += 601
    assert keys.verify(renewed) is None


def test_a_view_within_the_refresh_interval_sends_no_new_cookie() -> None:
    clock = Clock()
    keys = SessionKeys(MemoryFiles(), now=clock)
    session = keys.verify(keys.issue())
    assert session is not None
    clock.now += REFRESH_SECONDS - 1
    assert keys.renewed(session) is None


def test_an_openid_session_carries_its_user_and_groups_under_the_signature() -> None:
    keys = SessionKeys(MemoryFiles())
    cookie = keys.issue(user="olivia", groups=("team-shop", "all"))
    session = keys.verify(cookie)
    assert session is not None
    assert (session.user, session.groups) == ("olivia", ("team-shop", "all"))
    session_id, expires, seen, identity, signature = cookie.split(".")
    for forged in (
        f"{session_id}.{expires}.{seen}..{signature}",  # dropping the identity would make an admin
        f"{session_id}.{expires}.{seen}.{identity}x.{signature}",
        f"{session_id}.{expires}.{int(seen) + 1}.{identity}.{signature}",
        f"{session_id}.{expires}.{signature}",  # the old three-part form
    ):
        assert keys.verify(forged) is None


def test_a_sealed_value_opens_only_for_its_purpose_and_unchanged() -> None:
    keys = SessionKeys(MemoryFiles())
    sealed = keys.seal("oidc-flow", "state-and-nonce")
    assert keys.unseal("oidc-flow", sealed) == "state-and-nonce"
    assert keys.unseal("other", sealed) is None
    assert keys.unseal("oidc-flow", "x" + sealed) is None
    assert keys.unseal("oidc-flow", "no-signature") is None
    assert keys.unseal("oidc-flow", None) is None
