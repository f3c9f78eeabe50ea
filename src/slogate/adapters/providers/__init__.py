"""SLI providers: adapters that measure SLIs in a monitoring system (Prometheus)."""
