"""Performance benchmarks of slogate (run each as a script from the repository root)."""
