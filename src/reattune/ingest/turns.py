"""Grouping messages into turns, with response latency and speaking rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from reattune.model import TURN_JOINER, Message, MessageKind, Turn
from reattune.model.turn import new_turn

MIN_RATE_SECONDS = 1.0
"""Turns shorter than this get no words-per-minute figure (too short to mean anything)."""


def _make_turn(
    index: int,
    speaker: str,
    group: list[Message],
    start: float | None,
    end: float | None,
    previous: Turn | None,
) -> Turn:
    if len(group) == 1:
        first = group[0]
        text = first.text
        spans: tuple[tuple[int, int], ...] = ((0, len(text)),)
    else:
        first = group[0]
        texts = [m.text for m in group]
        pos = 0
        span_list = []
        for t in texts:
            span_list.append((pos, pos + len(t)))
            pos += len(t) + len(TURN_JOINER)
        text = TURN_JOINER.join(texts)
        spans = tuple(span_list)
    gap = latency = None
    if previous is not None and start is not None and previous.end is not None:
        gap = start - previous.end
        if previous.speaker != speaker:
            latency = gap
    wpm = None
    if first.start is not None and start is not None and end is not None:
        duration = end - start
        if duration >= MIN_RATE_SECONDS:
            wpm = len(text.split()) * 60.0 / duration
    # ``new_turn`` skips Turn's checks: the group is never empty and has one span per message.
    return new_turn(index, speaker, tuple(group), text, spans, start, end, latency, gap, wpm)


def build_turns(messages: Iterable[Message], gap_seconds: float = 60.0) -> tuple[Turn, ...]:
    """Merge each sender's consecutive speech messages into turns while the gap between one
    message's end and the next one's start is at most ``gap_seconds`` (untimed messages of
    one sender always merge). System messages are not speech and belong to no turn.

    ``latency`` is the turn's start minus the end of the previous turn when that turn was the
    other speaker's (a reply); ``gap`` the same against any previous turn.
    ``words_per_minute`` is set for spoken turns that have start and end times.
    """

    turns: list[Turn] = []
    group: list[Message] = []
    start: float | None = None
    last_end: float | None = None
    sender = ""
    previous: Turn | None = None
    speech = MessageKind.SPEECH
    # Chats give consecutive messages of one minute the same datetime object: convert once.
    last_ts: datetime | None = None
    last_posix: float | None = None
    for m in messages:
        speaker = m.sender
        if speaker is None or m.kind is not speech:
            continue
        clock = m.start  # ``Message.clock``, inline
        if clock is None:
            ts = m.timestamp
            if ts is not None:
                if ts is not last_ts:
                    last_ts, last_posix = ts, ts.timestamp()
                clock = last_posix
        if not group:
            group = [m]
            start, sender = clock, speaker
        elif speaker != sender or (
            clock is not None and last_end is not None and clock - last_end > gap_seconds
        ):
            previous = _make_turn(len(turns), sender, group, start, last_end, previous)
            turns.append(previous)
            group = [m]
            start, sender = clock, speaker
        else:
            group.append(m)
        last_end = m.end if m.end is not None else clock
    if group:
        turns.append(_make_turn(len(turns), sender, group, start, last_end, previous))
    return tuple(turns)
