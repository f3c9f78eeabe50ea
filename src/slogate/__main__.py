"""Run the slogate command line with ``python -m slogate``."""

from slogate.cli.app import main

main()
