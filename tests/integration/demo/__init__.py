"""Integration tests of the demo's parts, run as real processes on free 127.0.0.1 ports."""
