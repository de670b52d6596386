"""What ``reattune inspect`` reports about a conversation, as plain data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from reattune.model import Conversation


def _clock(conversation: Conversation, first: bool) -> str | float | None:
    stamp = conversation.first_time if first else conversation.last_time
    if stamp is not None:
        return stamp.isoformat()
    span = conversation.clock_span
    if span is None:
        return None
    return span[0] if first else span[1]


def summarize(conversation: Conversation) -> dict[str, Any]:
    """A JSON-ready summary: format, participants and roles, counts, time span, warnings.

    ``start``/``end`` are ISO timestamps where the source has wall-clock times, otherwise
    seconds from the start of the recording (transcripts), or ``null``.
    """

    per_speaker = Counter(m.sender for m in conversation.speech)
    turns_per = Counter(t.speaker for t in conversation.turns)
    span = conversation.clock_span
    duration = None if span is None else span[1] - span[0]
    return {
        "file": conversation.source.path,
        "format": conversation.source.format,
        "kind": conversation.kind.value,
        "encoding": conversation.source.encoding,
        "participants": [
            {
                "name": s.display_name,
                "id": s.id,
                "role": s.role.value,
                "partner": None if s.partner is None else s.partner.value,
                "messages": per_speaker.get(s.id, 0),
                "turns": turns_per.get(s.id, 0),
            }
            for s in conversation.participants
        ],
        "messages": sum(per_speaker.values()),
        "system_messages": len(conversation.system_messages),
        "turns": len(conversation.turns),
        "start": _clock(conversation, True),
        "end": _clock(conversation, False),
        "duration_seconds": duration,
        "timezone": conversation.source.timezone,
        "details": dict(conversation.source.details),
        "fragments": len(conversation.fragments),
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "location": None if w.location is None else str(w.location),
            }
            for w in conversation.warnings
        ],
    }
