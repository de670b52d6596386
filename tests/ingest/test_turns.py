"""Grouping messages into turns; latency and speaking rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reattune.ingest.turns import build_turns
from reattune.model import Message, MessageKind, SourceLocation

LOC = SourceLocation("f")
T0 = datetime(2024, 3, 12, 21, 0, tzinfo=UTC)


def chat(*rows: tuple[str | None, int, str]) -> list[Message]:
    return [
        Message(
            i,
            sender,
            text,
            LOC,
            timestamp=T0 + timedelta(seconds=sec),
            kind=MessageKind.SPEECH if sender else MessageKind.SYSTEM,
        )
        for i, (sender, sec, text) in enumerate(rows)
    ]


def test_consecutive_messages_under_the_gap_merge() -> None:
    turns = build_turns(chat(("a", 0, "hey"), ("a", 30, "you there?"), ("a", 89, "hello??")))
    assert len(turns) == 1
    assert [m.index for m in turns[0].messages] == [0, 1, 2]
    assert turns[0].start == T0.timestamp()
    assert turns[0].end == T0.timestamp() + 89


def test_gap_over_threshold_splits_and_latency_only_for_replies() -> None:
    turns = build_turns(
        chat(("a", 0, "hey"), ("a", 61, "hello??"), ("b", 661, "k"), ("a", 700, "k?"))
    )
    assert [t.speaker for t in turns] == ["a", "a", "b", "a"]
    assert turns[0].latency is None and turns[0].gap is None
    assert turns[1].latency is None and turns[1].gap == 61
    assert turns[2].latency == 600
    assert turns[3].latency == 39


@pytest.mark.parametrize("gap", [0.0, 30.0, 60.0, 120.0])
def test_threshold_is_a_setting(gap: float) -> None:
    turns = build_turns(chat(("a", 0, "one"), ("a", 60, "two")), gap)
    assert len(turns) == (1 if gap >= 60 else 2)


def test_system_messages_are_in_no_turn_and_do_not_split() -> None:
    msgs = chat(("a", 0, "hi"), (None, 5, "joined"), ("a", 10, "there"))
    turns = build_turns(msgs)
    assert len(turns) == 1
    assert [m.index for m in turns[0].messages] == [0, 2]


def test_every_speech_message_is_in_exactly_one_turn() -> None:
    msgs = chat(*[("ab"[i % 3 == 0], i * 50, f"m{i}") for i in range(40)])
    turns = build_turns(msgs)
    inside = [m.index for t in turns for m in t.messages]
    assert inside == [m.index for m in msgs]


def test_untimed_messages_of_one_sender_merge() -> None:
    msgs = [Message(i, s, "x", LOC) for i, s in enumerate("aab")]
    turns = build_turns(msgs)
    assert [len(t.messages) for t in turns] == [2, 1]
    assert turns[1].latency is None


def test_words_per_minute_for_spoken_turns() -> None:
    msgs = [
        Message(0, "a", "one two three four five six", LOC, start=10.0, end=13.0),
        Message(1, "b", "okay", LOC, start=15.0, end=15.0),
    ]
    turns = build_turns(msgs)
    assert turns[0].words_per_minute == pytest.approx(120.0)
    assert turns[1].words_per_minute is None  # no duration
    assert turns[1].latency == pytest.approx(2.0)


def test_chat_turns_have_no_speaking_rate() -> None:
    (turn,) = build_turns(chat(("a", 0, "hi there"), ("a", 20, "ok")))
    assert turn.words_per_minute is None


def test_no_speech_makes_no_turns() -> None:
    assert build_turns([]) == ()
    notice = Message(0, None, "Bob joined", LOC, timestamp=T0, kind=MessageKind.SYSTEM)
    assert build_turns([notice]) == ()
