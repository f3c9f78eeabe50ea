"""The HTTP API: Keptn-compatible routes under /api, served by FastAPI."""
