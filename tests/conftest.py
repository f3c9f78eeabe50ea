"""Fixtures shared by every test directory: real Prometheus, the sample service, throwaway PostgreSQL,
a real browser."""

pytest_plugins = ["tests.support.prometheus", "tests.support.postgres", "tests.support.browser"]
