"""CLI commands of the server (Keptn's CLI under slogate) against a real server in the test process."""
