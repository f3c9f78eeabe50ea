"""The Keptn protocol: event types, ingestion rules, the gate's events and Keptn's JSON codecs."""
