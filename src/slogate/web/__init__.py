"""Bridge: the web UI at /bridge, server-rendered (Jinja2 + htmx), over the same services as the API."""
