"""Reading conversations from the files people have.

``load(path)`` reads a file, sniffs its format (or takes ``ParseOptions.format``), parses it
and returns a ``Conversation``. Every problem is a catalogued ``InputError``.
"""

from __future__ import annotations

from pathlib import Path

from reattune.collector import collector_paused
from reattune.ingest.base import DEFAULT_TURN_GAP_SECONDS, DateOrder, ParseOptions, ParseResult
from reattune.ingest.build import build_conversation
from reattune.ingest.registry import get, parsers, sniff
from reattune.ingest.source import Source, read_source, source_from_bytes
from reattune.model import Conversation

__all__ = [
    "DEFAULT_TURN_GAP_SECONDS",
    "DateOrder",
    "ParseOptions",
    "ParseResult",
    "Source",
    "load",
    "load_source",
    "parsers",
    "read_source",
    "source_from_bytes",
]


def load_source(
    source: Source, options: ParseOptions | None = None, *, strict_roles: bool = True
) -> Conversation:
    options = options or ParseOptions()
    _ = source.text  # decoding errors (binary, wrong encoding) come before format errors
    parser = get(options.format) if options.format else sniff(source)
    # Parsing builds 100,000s of small objects that make no reference cycles: the cyclic
    # collector would only scan them again and again, so it waits until the end (a third
    # less time on a 100,000-message export; measured with bench/ingest.py).
    with collector_paused():
        result = parser.parse(source, options)
        return build_conversation(result, source, parser.name, options, strict_roles=strict_roles)


def load(
    path: str | Path, options: ParseOptions | None = None, *, strict_roles: bool = True
) -> Conversation:
    """Read one file into a ``Conversation``."""
    options = options or ParseOptions()
    source = read_source(path, max_bytes=options.max_bytes, encoding=options.encoding)
    return load_source(source, options, strict_roles=strict_roles)
