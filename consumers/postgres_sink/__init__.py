"""postgres-sink: projects `mca.application` into the database tables, effectively once."""
