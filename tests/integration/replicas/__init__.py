"""Several replicas on one database: shared keys, start, readiness, database loss, timers."""
