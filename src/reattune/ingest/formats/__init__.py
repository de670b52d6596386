"""One module per source format. Each module exposes ``PARSERS``, a tuple of parser
instances; ``ingest.registry`` finds them all."""
