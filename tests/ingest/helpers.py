"""What several format tests do alike: read a text as a file of a given name; edit a line."""

from __future__ import annotations

from reattune.ingest import ParseOptions, load_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.model import Conversation


def read_text(text: str, name: str, **options: object) -> tuple[Conversation, list[int]]:
    """``text`` read as the file ``name`` with ``ParseOptions(**options)`` (speaker roles not
    required), and the numbers of its lines that nothing read accounts for."""
    source = source_from_bytes(text.encode("utf-8"), name)
    conv = load_source(source, ParseOptions(**options), strict_roles=False)  # type: ignore[arg-type]
    return conv, unaccounted_lines(source, conv)


def edit(seed: str, edits: list[tuple[int, str, bool]]) -> str:
    """``seed`` with each ``(position, character, insert)`` applied in turn: the character
    inserted at the position (or at the end), or put in place of the one there."""
    chars = list(seed)
    for position, ch, insert in edits:
        at = min(position, len(chars))
        if insert:
            chars.insert(at, ch)
        elif at < len(chars):
            chars[at] = ch
    return "".join(chars)
