"""The conversation model survives JSON exactly (property-based)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.errors import MalformedFileError
from reattune.ingest.turns import build_turns
from reattune.model import (
    Conversation,
    ConversationKind,
    Fragment,
    Message,
    MessageKind,
    ParseWarning,
    PartnerLabel,
    Reaction,
    Role,
    SourceInfo,
    SourceLocation,
    Speaker,
)
from reattune.model.jsonio import conversation_from_dict, conversation_to_dict, dumps, loads

names = st.sampled_from(["Ana", "Ben", "Dr. Rivera", "Zoë", "李"])
finite = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
locations = st.builds(
    SourceLocation,
    file=st.text(min_size=1, max_size=20),
    line=st.none() | st.integers(1, 10**6),
    end_line=st.none() | st.integers(1, 10**6),
    pointer=st.none() | st.text(max_size=20),
)
stamps = st.none() | st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()
)


@st.composite
def messages(draw: st.DrawFn) -> list[Message]:
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        system = draw(st.booleans()) and draw(st.booleans())
        start = draw(st.none() | finite)
        out.append(
            Message(
                index=i,
                sender=None if system else draw(names),
                text=draw(st.text(max_size=40)),
                location=draw(locations),
                timestamp=draw(stamps),
                start=start,
                end=None if start is None else start + draw(finite),
                kind=MessageKind.SYSTEM if system else MessageKind.SPEECH,
                media=tuple(draw(st.lists(st.text(max_size=10), max_size=2))),
                edited=draw(st.booleans()),
                deleted=draw(st.booleans()),
                reactions=tuple(
                    draw(
                        st.lists(
                            st.builds(Reaction, st.text(min_size=1, max_size=2), st.none() | names),
                            max_size=2,
                        )
                    )
                ),
            )
        )
    return out


@st.composite
def conversations(draw: st.DrawFn) -> Conversation:
    msgs = draw(messages())
    ids = list(dict.fromkeys(m.sender for m in msgs if m.sender is not None))
    people = []
    for k, sid in enumerate(ids):
        if k < 2:
            people.append(Speaker(sid, sid.upper(), Role.PARTNER, PartnerLabel("AB"[k])))
        else:
            people.append(Speaker(sid, sid, draw(st.sampled_from([Role.THERAPIST, Role.OTHER]))))
    gap = draw(st.sampled_from([0.0, 60.0, 3600.0]))
    return Conversation(
        kind=draw(st.sampled_from(list(ConversationKind))),
        participants=tuple(people),
        messages=tuple(msgs),
        turns=build_turns(msgs, gap),
        source=SourceInfo(
            path=draw(st.text(max_size=20)),
            format=draw(st.sampled_from(["whatsapp", "webvtt"])),
            encoding=draw(st.none() | st.just("utf-8")),
            sha256=draw(st.none() | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
            size=draw(st.none() | st.integers(0, 10**9)),
            timezone=draw(st.none() | st.just("Europe/Berlin")),
            structural_lines=tuple(
                draw(st.lists(st.tuples(st.integers(1, 9), st.integers(1, 9)), max_size=3))
            ),
            details=tuple(
                sorted(
                    draw(
                        st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
                    ).items()
                )
            ),
        ),
        warnings=tuple(
            draw(
                st.lists(
                    st.builds(
                        ParseWarning, st.just("W101"), st.text(max_size=20), st.none() | locations
                    ),
                    max_size=3,
                )
            )
        ),
        fragments=tuple(
            draw(st.lists(st.builds(Fragment, locations, st.text(max_size=20)), max_size=2))
        ),
        turn_gap_seconds=gap,
    )


@settings(max_examples=200, deadline=None)
@given(conversations())
def test_json_round_trip_is_lossless(conversation: Conversation) -> None:
    text = dumps(conversation)
    back = loads(text)
    assert back == conversation
    # offsets and timestamps survive exactly, including the UTC offset of each timestamp
    for a, b in zip(conversation.messages, back.messages, strict=True):
        assert (a.timestamp is None) == (b.timestamp is None)
        if a.timestamp is not None and b.timestamp is not None:
            assert a.timestamp.utcoffset() == b.timestamp.utcoffset()
    assert dumps(back) == text


@given(conversations())
def test_turn_spans_map_back_to_messages(conversation: Conversation) -> None:
    for turn in conversation.turns:
        for message, (lo, hi) in zip(turn.messages, turn.spans, strict=True):
            assert turn.text[lo:hi] == message.text


def test_turn_message_at_offset() -> None:
    loc = SourceLocation("f")
    t0 = datetime(2024, 1, 1, 21, 0, tzinfo=UTC)
    msgs = [
        Message(0, "a", "hi", loc, timestamp=t0),
        Message(1, "a", "are you there", loc, timestamp=t0.replace(second=30)),
    ]
    (turn,) = build_turns(msgs)
    assert turn.text == "hi\nare you there"
    assert turn.message_at(0).index == 0
    assert turn.message_at(5).index == 1
    with pytest.raises(IndexError):
        turn.message_at(99)


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Message(0, "a", "x", SourceLocation("f"), timestamp=datetime(2024, 1, 1))


def test_partner_label_only_with_partner_role() -> None:
    with pytest.raises(ValueError):
        Speaker("x", "X", Role.THERAPIST, PartnerLabel.A)
    with pytest.raises(ValueError):
        Speaker("x", "X", Role.PARTNER)


@pytest.mark.parametrize(
    "payload",
    ["[]", '{"schema": "other/9"}', '{"schema": "reattune.conversation/1"}', "{bad json"],
)
def test_bad_conversation_json_is_a_catalogued_error(payload: str) -> None:
    with pytest.raises(MalformedFileError):
        loads(payload)


def test_dict_form_is_plain_json() -> None:
    loc = SourceLocation("f", 1, 1)
    c = Conversation(
        kind=ConversationKind.CHAT,
        participants=(Speaker("a", "A", Role.PARTNER, PartnerLabel.A),),
        messages=(Message(0, "a", "ok", loc),),
        turns=build_turns([Message(0, "a", "ok", loc)]),
        source=SourceInfo(path="f", format="plaintext"),
    )
    d = conversation_to_dict(c)
    assert json.loads(json.dumps(d)) == d
    assert conversation_from_dict(d) == c


def build_conversation_with(message: Message) -> Conversation:
    return Conversation(
        kind=ConversationKind.CHAT,
        participants=(Speaker("a", "a"),),
        messages=(message,),
        turns=tuple(build_turns([message])),
        source=SourceInfo("f", "plaintext"),
    )


def test_named_zones_and_the_side_of_a_clock_change_survive() -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    loc = SourceLocation("f")
    stamps = [
        datetime(2024, 11, 3, 1, 30, tzinfo=zone),  # first 01:30 (EDT)
        datetime(2024, 11, 3, 1, 30, tzinfo=zone, fold=1),  # second 01:30 (EST)
        datetime(2024, 3, 10, 2, 30, tzinfo=zone),  # inside the spring-forward gap
    ]
    for t in stamps:
        conv = build_conversation_with(Message(0, "a", "x", loc, timestamp=t))
        back = loads(dumps(conv))
        assert back == conv
        stamp = back.messages[0].timestamp
        assert stamp is not None and stamp.tzinfo == zone
        assert stamp.utcoffset() == t.utcoffset()


def test_an_unknown_zone_is_a_malformed_file() -> None:
    conv = build_conversation_with(
        Message(0, "a", "x", SourceLocation("f"), timestamp=datetime(2024, 1, 1, tzinfo=UTC))
    )
    text = dumps(conv).replace("+00:00", "+00:00[Mars/Olympus_Mons]")
    with pytest.raises(MalformedFileError):
        loads(text)
