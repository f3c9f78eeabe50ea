"""Run the slogate command line with ``python -m slogate``."""

from slogate.cli.entry import main

main()
