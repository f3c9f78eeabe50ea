"""Integration tests: the command line end to end, through Typer's runner and the real console script."""
