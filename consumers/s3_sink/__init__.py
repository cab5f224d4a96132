"""The s3-sink: every mca.* topic archived as Avro object container files in the object store.

Files are `<topic>/<partition>/<first-offset>-<last-offset>.avro` (offsets zero-padded to 20
digits), each holding consecutive records of one partition under one writer schema. Pure parts:
batching.py (cut points), container.py (Avro files), recovery.py (names and resume points); I/O
edges: listing.py, sink.py (setup/add/flush over the store), runner.py (consumer loop),
commands.py (`mca s3-sink`).
"""
