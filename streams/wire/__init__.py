"""Pipeline values on the wire: pure conversions between the pipeline's own values
(streams/pipeline.py, streams/stages/) and the Avro event records, blobs and table values the Faust
agents exchange. Converting there and back gives the same values, so the Faust path assembles the
very application that `mca extract` assembles."""
