"""Grouping messages into turns, with response latency and speaking rate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from reattune.model import TURN_JOINER, Message, MessageKind, Turn
from reattune.model.turn import new_turn

MIN_RATE_SECONDS = 1.0
"""Turns shorter than this get no words-per-minute figure (too short to mean anything)."""


def build_turns(messages: Iterable[Message], gap_seconds: float = 60.0) -> tuple[Turn, ...]:
    """Merge each sender's consecutive speech messages into turns while the gap between one
    message's end and the next one's start is at most ``gap_seconds`` (untimed messages of
    one sender always merge). System messages are not speech and belong to no turn.

    ``latency`` is the turn's start minus the end of the previous turn when that turn was the
    other speaker's (a reply); ``gap`` the same against any previous turn.
    ``words_per_minute`` is set for spoken turns that have start and end times.
    """
    # First find the groups: each is a run of ``spoken`` (the speech messages in order),
    # from ``firsts[k]`` to the next group's first, timed ``starts[k]``..``ends[k]``.
    spoken: list[Message] = []
    firsts: list[int] = []
    starts: list[float | None] = []
    ends: list[float | None] = []
    sender: str | None = None  # no speaker: the first message always opens a group
    last_end: float | None = None
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
        if speaker != sender or (
            clock is not None and last_end is not None and clock - last_end > gap_seconds
        ):
            if spoken:
                ends.append(last_end)
            firsts.append(len(spoken))
            starts.append(clock)
            sender = speaker
        spoken.append(m)
        last_end = m.end if m.end is not None else clock
    if spoken:
        ends.append(last_end)

    # Then make the turns.
    turns: list[Turn] = []
    previous: Turn | None = None
    lasts = firsts[1:]
    if spoken:
        lasts.append(len(spoken))
    for index, (lo, hi, start, end) in enumerate(zip(firsts, lasts, starts, ends, strict=True)):
        held = (spoken[lo],) if hi - lo == 1 else tuple(spoken[lo:hi])
        previous = make_turn(index, held, start, end, previous)
        turns.append(previous)
    return tuple(turns)


def make_turn(
    index: int,
    held: tuple[Message, ...],
    start: float | None,
    end: float | None,
    previous: Turn | None,
) -> Turn:
    """Turn ``index``: the speech messages ``held`` (one sender's, at least one), timed
    ``start``..``end`` on the conversation clock, after the turn ``previous`` (or none).

    ``build_turns`` finds the groups; a parser that finds them in its own pass (the same way:
    see ``build_turns``) makes its turns with this, so a turn is made in one place."""
    first = held[0]
    speaker = first.sender
    assert speaker is not None
    count = len(held)
    if count == 1:
        text = first.text
        spans: tuple[tuple[int, int], ...] = ((0, len(text)),)
    elif count == 2:  # the loop below, unrolled
        text, after = first.text, held[1].text
        cut = len(text) + _JOINER_LEN
        spans = ((0, len(text)), (cut, cut + len(after)))
        text = TURN_JOINER.join((text, after))
    else:
        texts = [m.text for m in held]
        pos = 0
        span_list = []
        for t in texts:
            span_list.append((pos, pos + len(t)))
            pos += len(t) + _JOINER_LEN
        text = TURN_JOINER.join(texts)
        spans = tuple(span_list)
    gap = latency = None
    if start is not None and previous is not None:
        previous_end = previous.end
        if previous_end is not None:
            gap = start - previous_end
            if previous.speaker != speaker:
                latency = gap
    wpm = None
    if first.start is not None and start is not None and end is not None:
        duration = end - start
        if duration >= MIN_RATE_SECONDS:
            wpm = len(text.split()) * 60.0 / duration
    # ``new_turn`` skips Turn's checks: a group is never empty and has a span per message.
    return new_turn(index, speaker, held, text, spans, start, end, latency, gap, wpm)


_JOINER_LEN = len(TURN_JOINER)
