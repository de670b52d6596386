"""One message as written, with where it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reattune.model._construct import positional_constructor


class MessageKind(StrEnum):
    SPEECH = "speech"
    """Something a participant wrote or said."""
    SYSTEM = "system"
    """A notice of the app (joins, encryption notice, number changes, calls) — never speech."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a message stands in its source: ``line``..``end_line`` (1-based, inclusive) in
    text formats, a JSON pointer such as ``/messages/12`` in JSON formats."""

    file: str
    line: int | None = None
    end_line: int | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            if self.end_line is not None and self.end_line != self.line:
                return f"{self.file}:{self.line}-{self.end_line}"
            return f"{self.file}:{self.line}"
        if self.pointer is not None:
            return f"{self.file}#{self.pointer}"
        return self.file


@dataclass(frozen=True, slots=True)
class Reaction:
    """A reaction (emoji) left on a message, by whom where the format says."""

    emoji: str
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One message exactly as written.

    ``timestamp`` is timezone-aware wall-clock time (chats, or sessions whose date is known);
    ``start``/``end`` are seconds from the beginning of a recording (transcripts).
    ``media`` holds attachment markers as the source wrote them (``<Media omitted>``,
    ``image omitted``, a file name). ``sender`` is a speaker id, or ``None`` for system messages.
    """

    index: int
    sender: str | None
    text: str
    location: SourceLocation
    timestamp: datetime | None = None
    start: float | None = None
    end: float | None = None
    kind: MessageKind = MessageKind.SPEECH
    media: tuple[str, ...] = ()
    edited: bool = False
    deleted: bool = False
    reactions: tuple[Reaction, ...] = ()

    def __post_init__(self) -> None:
        if self.timestamp is not None and self.timestamp.utcoffset() is None:
            raise ValueError("message timestamps must be timezone-aware")

    @property
    def is_speech(self) -> bool:
        return self.kind is MessageKind.SPEECH

    @property
    def clock(self) -> float | None:
        """Seconds on the conversation's clock: recording offset, else POSIX time."""
        if self.start is not None:
            return self.start
        if self.timestamp is not None:
            return self.timestamp.timestamp()
        return None

    @property
    def clock_end(self) -> float | None:
        if self.end is not None:
            return self.end
        return self.clock


new_location: Callable[[str, int | None, int | None, str | None], SourceLocation] = (
    positional_constructor(SourceLocation)
)
"""``SourceLocation(file, line, end_line, pointer)``, fast (see ``model._construct``)."""

new_message: Callable[
    [
        int,
        str | None,
        str,
        SourceLocation,
        datetime | None,
        float | None,
        float | None,
        MessageKind,
        tuple[str, ...],
        bool,
        bool,
        tuple[Reaction, ...],
    ],
    Message,
] = positional_constructor(Message)
"""``Message`` with every field given in order, fast (see ``model._construct``); it skips
the check that ``timestamp`` is timezone-aware, which the caller guarantees."""

new_located_message: Callable[
    [
        int,
        str | None,
        str,
        str,
        int | None,
        int | None,
        str | None,
        datetime | None,
        float | None,
        float | None,
        MessageKind,
        tuple[str, ...],
        bool,
        bool,
        tuple[Reaction, ...],
    ],
    Message,
] = positional_constructor(Message, nested=("location", SourceLocation))
"""``new_message`` with its ``SourceLocation(file, line, end_line, pointer)`` made in the same
call from those four values, given in its place."""
