"""slogate: SLO-based quality-gated releases, compatible with Keptn v1."""

__version__ = "0.1.0"
