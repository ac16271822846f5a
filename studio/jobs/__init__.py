"""Background jobs: a persistent queue in SQLite, one subprocess (and process group) per job."""
