"""Fixtures shared by every test directory: real Prometheus, the sample service, throwaway PostgreSQL."""

pytest_plugins = ["tests.support.prometheus", "tests.support.postgres"]
