"""Sequencing, purely: the shipyard, executions, the engine's decide(), approval, the executor plan."""
