"""TheDrive core: storage, metadata, ingestion, the entity graph and the job queue."""
