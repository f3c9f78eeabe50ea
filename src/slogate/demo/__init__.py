"""The demo: the sample service and the quality-gate tour."""
