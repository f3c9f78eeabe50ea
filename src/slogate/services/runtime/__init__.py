"""Runtime plumbing of the server: the dispatcher that feeds the services, and group commit."""
