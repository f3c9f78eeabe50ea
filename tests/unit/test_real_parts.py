"""A missing real part fails the test in CI and skips it locally (CI must run everything)."""

from __future__ import annotations

import pytest

from tests.support import real_parts


def test_a_missing_part_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(real_parts, "find_alertmanager", lambda: None)
    with pytest.raises(pytest.fail.Exception, match="Alertmanager"):
        real_parts.alertmanager()


def test_a_missing_part_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="axe-core is missing"):
        real_parts.missing("axe-core is missing")
