"""End-to-end tests: the installed ``slogate`` program against real Prometheus servers."""
