"""Use cases the API, the Bridge and the CLI call: catalog, resources, secrets, events, gates, history."""
