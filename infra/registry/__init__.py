"""The project's schema registry: Confluent's REST API (the subset its clients use) over a compacted topic.

Modules: records (what the topic holds), state (the pure fold and its queries), avro_schema and
compatibility (Apache avro), operations (what each request means), errors (Confluent's codes),
store (Kafka I/O), app (HTTP), commands (CLI: `mca registry serve`, `python -m infra.registry serve`).
"""
