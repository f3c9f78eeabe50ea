"""Adapters: the edges of slogate that touch files, networks and databases."""
