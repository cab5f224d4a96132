"""Email ingest: three doors (SMTP, IMAP, files) and one code path to the object store and Kafka."""
