"""From a parser's result to a ``Conversation``: speakers, roles, turns, source facts."""

from __future__ import annotations

from operator import attrgetter

from reattune.errors import RoleMappingError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.roles import assign_roles
from reattune.ingest.source import Source
from reattune.ingest.turns import build_turns
from reattune.model import Conversation, SourceInfo


def build_conversation(
    result: ParseResult,
    source: Source,
    format_name: str,
    options: ParseOptions,
    *,
    strict_roles: bool = True,
) -> Conversation:
    messages = tuple(result.messages)
    gap = options.turn_gap_seconds
    turns = result.turns
    if turns is None or result.turn_gap_seconds != gap:
        turns = build_turns(messages, gap)
    # The speakers in order of first speech: every speech message with a sender is in a turn.
    order = dict.fromkeys(map(attrgetter("speaker"), turns))
    speakers = [(sid, result.names.get(sid, sid)) for sid in order]
    try:
        participants, role_warnings = assign_roles(
            speakers,
            partner_a=options.partner_a,
            partner_b=options.partner_b,
            therapists=options.therapists,
            strict=strict_roles,
        )
    except RoleMappingError as exc:
        exc.file = exc.file or source.name
        raise
    return Conversation(
        kind=result.kind,
        participants=participants,
        messages=messages,
        turns=turns,
        source=SourceInfo(
            path=source.name,
            format=format_name,
            encoding=source.encoding,
            sha256=source.sha256(),
            size=source.size,
            timezone=result.timezone,
            structural_lines=tuple(result.structural_lines),
            details=tuple(sorted(result.details.items())),
        ),
        warnings=tuple(result.warnings) + tuple(role_warnings),
        fragments=tuple(result.fragments),
        turn_gap_seconds=options.turn_gap_seconds,
    )
