"""In-process tests of the HTTP API (FastAPI TestClient over the real SQLite store)."""
