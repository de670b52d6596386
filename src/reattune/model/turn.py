"""One speaker's run of messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reattune.model._construct import positional_constructor
from reattune.model.message import Message

TURN_JOINER = "\n"
"""How a turn's messages are joined into its text."""


@dataclass(frozen=True, slots=True)
class Turn:
    """Consecutive speech messages of one speaker.

    ``text`` joins the messages with ``TURN_JOINER``; ``spans[i]`` is the ``(start, end)``
    character range of ``messages[i]`` inside ``text``, so any finding on the turn maps back to
    the message it came from. ``start``/``end`` are on the conversation's clock (seconds;
    see ``Message.clock``). ``latency`` is the time since the end of the other speaker's
    previous turn; ``gap`` the time since the previous turn of anyone.
    """

    index: int
    speaker: str
    messages: tuple[Message, ...]
    text: str
    spans: tuple[tuple[int, int], ...]
    start: float | None
    end: float | None
    latency: float | None = None
    gap: float | None = None
    words_per_minute: float | None = None

    def __post_init__(self) -> None:
        if not self.messages:
            raise ValueError("a turn holds at least one message")
        if len(self.spans) != len(self.messages):
            raise ValueError("one span per message")

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def message_at(self, offset: int) -> Message:
        """The message that holds character ``offset`` of ``text``."""
        for message, (lo, hi) in zip(self.messages, self.spans, strict=True):
            if lo <= offset <= hi:
                return message
        raise IndexError(f"offset {offset} is outside the turn")

    @property
    def started_at(self) -> datetime | None:
        """Wall-clock start, where the first message has a timestamp."""
        return self.messages[0].timestamp


new_turn: Callable[
    [
        int,
        str,
        tuple[Message, ...],
        str,
        tuple[tuple[int, int], ...],
        float | None,
        float | None,
        float | None,
        float | None,
        float | None,
    ],
    Turn,
] = positional_constructor(Turn)
"""``Turn`` with every field given in order, fast (see ``model._construct``); it skips the
checks of ``__post_init__`` (messages, one span each), which the caller guarantees."""
