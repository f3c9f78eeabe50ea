"""Fixtures of the vendor end-to-end tests: each vendor in turn and its running fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.vendor_fakes import VENDORS, Vendor


@pytest.fixture(params=VENDORS, ids=[vendor.name for vendor in VENDORS])
def vendor(request: pytest.FixtureRequest) -> Vendor:
    """Each vendor in turn."""
    chosen: Vendor = request.param
    return chosen


@pytest.fixture
def fake(vendor: Vendor) -> Iterator[Any]:
    """The vendor's fake, running."""
    with vendor.start() as server:
        yield server
