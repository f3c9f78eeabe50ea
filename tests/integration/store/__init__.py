"""Integration tests of the SQL event store on real SQLite files."""
