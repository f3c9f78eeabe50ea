"""Use cases over the domain and the ports; no web framework, database or CLI code here."""
