"""Built-in task executors (entry-point group ``slogate.executors``): local, load, webhook, job."""
