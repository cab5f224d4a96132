"""Avro contracts of every topic, their serde, the registry client side and PII field encryption."""
