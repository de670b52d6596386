"""Proof that nothing was lost: every non-empty input line is in a message, a fragment or a
structural range."""

from __future__ import annotations

from reattune.ingest.source import Source
from reattune.model import Conversation


def covered_lines(conversation: Conversation, file: str | None = None) -> set[int]:
    """Lines of ``file`` (default: the conversation's own source) that hold something.
    Locations in other files (the other parts of a multi-part export) do not count."""
    file = file if file is not None else conversation.source.path
    covered: set[int] = set()
    locations = [m.location for m in conversation.messages]
    locations += [f.location for f in conversation.fragments]
    for loc in locations:
        if loc.line is not None and loc.file == file:
            covered.update(range(loc.line, (loc.end_line or loc.line) + 1))
    for lo, hi in conversation.source.structural_lines:
        covered.update(range(lo, hi + 1))
    return covered


def unaccounted_lines(source: Source, conversation: Conversation) -> list[int]:
    """Numbers of the non-empty lines of ``source`` that the conversation does not hold."""
    covered = covered_lines(conversation, source.name)
    return [
        n for n, line in enumerate(source.lines(), start=1) if line.strip() and n not in covered
    ]
