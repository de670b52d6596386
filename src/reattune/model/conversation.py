"""A whole conversation: who, what, when, and from where."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reattune.model.message import Message, SourceLocation
from reattune.model.speaker import PartnerLabel, Role, Speaker
from reattune.model.turn import Turn
from reattune.model.warnings import ParseWarning


class ConversationKind(StrEnum):
    CHAT = "chat"
    """Written messages; minutes to days between them."""
    SESSION = "session"
    """A spoken session (transcript); seconds between turns."""


@dataclass(frozen=True, slots=True)
class Fragment:
    """Source text that belongs to no message (a line a parser could not read). Kept, so
    nothing in the input is lost, and listed with a warning."""

    location: SourceLocation
    text: str


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where a conversation came from and how it was read.

    ``structural_lines`` are ranges of lines that carry format structure only (a WebVTT
    header, an export banner) — together with message and fragment lines they account for
    every non-empty input line. ``details`` holds format-specific facts as sorted pairs
    (``("date_order", "day-first")``, ``("platform", "android")``).
    """

    path: str
    format: str
    encoding: str | None = None
    sha256: str | None = None
    size: int | None = None
    timezone: str | None = None
    structural_lines: tuple[tuple[int, int], ...] = ()
    details: tuple[tuple[str, str], ...] = ()

    def detail(self, key: str) -> str | None:
        for k, v in self.details:
            if k == key:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation, immutable. ``messages`` holds every message in source order,
    system notices included; ``turns`` groups the speech messages (see ``ingest.turns``)."""

    kind: ConversationKind
    participants: tuple[Speaker, ...]
    messages: tuple[Message, ...]
    turns: tuple[Turn, ...]
    source: SourceInfo
    warnings: tuple[ParseWarning, ...] = ()
    fragments: tuple[Fragment, ...] = ()
    turn_gap_seconds: float = 60.0

    def speaker(self, speaker_id: str) -> Speaker:
        for s in self.participants:
            if s.id == speaker_id:
                return s
        raise KeyError(speaker_id)

    def partner(self, label: PartnerLabel) -> Speaker | None:
        for s in self.participants:
            if s.partner is label:
                return s
        return None

    @property
    def therapists(self) -> tuple[Speaker, ...]:
        return tuple(s for s in self.participants if s.role is Role.THERAPIST)

    @property
    def speech(self) -> Iterator[Message]:
        return (m for m in self.messages if m.is_speech)

    @property
    def system_messages(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if not m.is_speech)

    @property
    def first_time(self) -> datetime | None:
        return next((m.timestamp for m in self.messages if m.timestamp is not None), None)

    @property
    def last_time(self) -> datetime | None:
        return next((m.timestamp for m in reversed(self.messages) if m.timestamp is not None), None)

    @property
    def clock_span(self) -> tuple[float, float] | None:
        """(first, last) on the conversation clock, or None if nothing is timed."""
        clocks = [c for m in self.messages if (c := m.clock) is not None]
        ends = [c for m in self.messages if (c := m.clock_end) is not None]
        if not clocks:
            return None
        return min(clocks), max(ends)
