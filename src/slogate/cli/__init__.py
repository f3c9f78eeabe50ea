"""The ``slogate`` command line (Typer + Rich)."""
