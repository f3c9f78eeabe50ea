"""Tests of slogate."""
