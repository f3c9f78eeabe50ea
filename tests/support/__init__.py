"""Reusable test machinery: the sample service, a recording proxy and real Prometheus servers."""
