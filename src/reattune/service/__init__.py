"""Use cases that tie the pure steps (ingest → analyse → report) to files and storage."""
