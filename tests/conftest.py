"""Fixtures shared by every test directory: real Prometheus servers and the sample service."""

pytest_plugins = ["tests.support.prometheus"]
