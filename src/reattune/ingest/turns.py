"""Grouping messages into turns, with response latency and speaking rate."""

from __future__ import annotations

from collections.abc import Iterable

from reattune.model import TURN_JOINER, Message, Turn

MIN_RATE_SECONDS = 1.0
"""Turns shorter than this get no words-per-minute figure (too short to mean anything)."""


def _make_turn(
    index: int,
    group: list[Message],
    start: float | None,
    end: float | None,
    previous: Turn | None,
) -> Turn:
    if len(group) == 1:
        text = group[0].text
        spans: tuple[tuple[int, int], ...] = ((0, len(text)),)
    else:
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
        spans=spans,
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
    other speaker's (a reply); ``gap`` the same against any previous turn.
    ``words_per_minute`` is set for spoken turns that have start and end times.
    """

    turns: list[Turn] = []
    group: list[Message] = []
    start: float | None = None
    last_end: float | None = None
    sender: str | None = None
    previous: Turn | None = None
    for m in messages:
        if m.sender is None or not m.is_speech:
            continue
        clock = (
            m.start
            if m.start is not None
            else (m.timestamp.timestamp() if m.timestamp is not None else None)
        )
        clock_end = m.end if m.end is not None else clock
        if group and (
            m.sender != sender
            or (clock is not None and last_end is not None and clock - last_end > gap_seconds)
        ):
            previous = _make_turn(len(turns), group, start, last_end, previous)
            turns.append(previous)
            group = []
        if not group:
            start, sender = clock, m.sender
        group.append(m)
        last_end = clock_end
    if group:
        turns.append(_make_turn(len(turns), group, start, last_end, previous))
    return tuple(turns)
