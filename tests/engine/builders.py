"""Hand-built conversations for engine tests: rows of (speaker, time, text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from reattune.ingest import ParseOptions, ParseResult
from reattune.ingest.build import build_conversation
from reattune.ingest.source import Source
from reattune.model import Conversation, ConversationKind, Message, SourceLocation

T0 = datetime(2024, 3, 14, 18, 0, tzinfo=UTC)


def _clock(value: str | float) -> float:
    """ "HH:MM" or "HH:MM:SS" → seconds after 00:00; numbers pass through."""
    if isinstance(value, int | float):
        return float(value)
    parts = [int(p) for p in value.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]


def chat(
    rows: Sequence[tuple[str, str | float, str]],
    *,
    partner_a: str | None = None,
    partner_b: str | None = None,
) -> Conversation:
    """A chat: times are "HH:MM[:SS]" on 14 March 2024 (later rows may pass 24:00)."""
    messages = [
        Message(
            i,
            who,
            text,
            SourceLocation("scenario", i + 1, i + 1),
            timestamp=T0.replace(hour=0) + timedelta(seconds=_clock(when)),
        )
        for i, (who, when, text) in enumerate(rows)
    ]
    return _build(messages, ConversationKind.CHAT, partner_a, partner_b, ())


def session(
    rows: Sequence[tuple[str, float, float, str]],
    *,
    therapists: tuple[str, ...] = (),
    partner_a: str | None = None,
    partner_b: str | None = None,
) -> Conversation:
    """A spoken session: rows of (speaker, start seconds, end seconds, text)."""
    messages = [
        Message(i, who, text, SourceLocation("scenario", i + 1, i + 1), start=a, end=b)
        for i, (who, a, b, text) in enumerate(rows)
    ]
    return _build(messages, ConversationKind.SESSION, partner_a, partner_b, therapists)


def _build(
    messages: list[Message],
    kind: ConversationKind,
    partner_a: str | None,
    partner_b: str | None,
    therapists: tuple[str, ...],
) -> Conversation:
    result = ParseResult(kind=kind, messages=messages)
    source = Source(name="scenario", data=b"scenario")
    options = ParseOptions(partner_a=partner_a, partner_b=partner_b, therapists=therapists)
    return build_conversation(result, source, "scenario", options)
