"""The local stack started by the project itself: Kafka from its own jars (`infra.stack.kafka`),
the embedded schema registry, the database and the object store (`mca stack up | down | status`,
`mca kafka TOOL`). Import the submodules directly; this package module stays empty so
`python -m infra.stack.classpath` runs cleanly."""
