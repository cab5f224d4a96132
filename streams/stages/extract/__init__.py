"""Extraction: one pure extractor per document type, from words-with-boxes to Fields.

Entry point: `streams.stages.extract.document.extract_document` classifies a document and runs
the matching extractor; every value it returns is a Field (value, confidence, page, box, label).
"""
