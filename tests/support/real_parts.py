"""A real part a test needs is missing: the test fails in CI (``CI`` set) and skips locally."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

from slogate.demo.alerting import NO_ALERTMANAGER, find_alertmanager


def missing(reason: str) -> NoReturn:
    """Fail in CI, where every real part is installed by ``.ci/run``; skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def alertmanager() -> str:
    """Debian's Alertmanager binary, or :func:`missing`."""
    found = find_alertmanager()
    if found is None:
        missing(NO_ALERTMANAGER)
    return found
