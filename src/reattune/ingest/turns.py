"""Grouping messages into turns, with response latency and speaking rate."""

from __future__ import annotations

from collections.abc import Iterable

from reattune.model import TURN_JOINER, Message, Turn

MIN_RATE_SECONDS = 1.0
"""Turns shorter than this get no words-per-minute figure (too short to mean anything)."""


def _same_turn(prev: Message, nxt: Message, gap_seconds: float) -> bool:
    if prev.sender != nxt.sender:
        return False
    end, start = prev.clock_end, nxt.clock
    if end is None or start is None:
        return True
    return start - end <= gap_seconds


def _make_turn(index: int, group: list[Message], previous: Turn | None) -> Turn:
    texts = [m.text for m in group]
    spans: list[tuple[int, int]] = []
    pos = 0
    for t in texts:
        spans.append((pos, pos + len(t)))
        pos += len(t) + len(TURN_JOINER)
    text = TURN_JOINER.join(texts)
    start = group[0].clock
    end = group[-1].clock_end
    gap = latency = None
    if previous is not None and start is not None and previous.end is not None:
        gap = start - previous.end
        if previous.speaker != group[0].sender:
            latency = gap
    wpm = None
    if group[0].start is not None and start is not None and end is not None:
        duration = end - start
        if duration >= MIN_RATE_SECONDS:
            wpm = len(text.split()) * 60.0 / duration
    assert group[0].sender is not None
    return Turn(
        index=index,
        speaker=group[0].sender,
        messages=tuple(group),
        text=text,
        spans=tuple(spans),
        start=start,
        end=end,
        latency=latency,
        gap=gap,
        words_per_minute=wpm,
    )


def build_turns(messages: Iterable[Message], gap_seconds: float = 60.0) -> tuple[Turn, ...]:
    """Merge each sender's consecutive speech messages into turns while the gap between one
    message's end and the next one's start is at most ``gap_seconds`` (untimed messages of
    one sender always merge). System messages are not speech and belong to no turn.

    ``latency`` is the turn's start minus the end of the previous turn when that turn was the
    other speaker's (a reply); ``gap`` is the same against any previous turn.
    ``words_per_minute`` is set for spoken turns that have start and end times.
    """

    turns: list[Turn] = []
    group: list[Message] = []
    previous: Turn | None = None
    for m in messages:
        if not m.is_speech or m.sender is None:
            continue
        if group and not _same_turn(group[-1], m, gap_seconds):
            previous = _make_turn(len(turns), group, previous)
            turns.append(previous)
            group = []
        group.append(m)
    if group:
        turns.append(_make_turn(len(turns), group, previous))
    return tuple(turns)
