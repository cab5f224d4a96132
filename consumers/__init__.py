"""Plain consumer-group processes: postgres-sink, s3-sink, webhooks."""
