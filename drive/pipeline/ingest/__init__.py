"""The ingest job: sniff -> extract (formats/, OCR) -> chunk -> embed -> store; the file is then searchable.
"""
