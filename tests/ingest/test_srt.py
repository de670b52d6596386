"""SubRip transcripts: numbered blocks, comma timings, speaker labels in the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from reattune.errors import MalformedFileError, RoleMappingError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.registry import parsers, sniff
from reattune.model import Conversation, ConversationKind, PartnerLabel, Role
from tests.ingest.helpers import read_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "srt" / "session.srt"
THERAPIST = ParseOptions(therapists=("Dr. Rivera",))


def srt(text: str, **options: object) -> tuple[Conversation, list[int]]:
    return read_text(text, "session.srt", **options)


def test_fixture_reads_exactly() -> None:
    source = read_source(FIXTURE)
    conv = load_source(source, THERAPIST)
    assert conv.kind is ConversationKind.SESSION
    assert conv.source.format == "srt"
    assert len(conv.messages) == 31
    assert conv.source.detail("cues") == "30"
    assert conv.source.detail("speaker_labels") == "colon"
    assert tuple(p.id for p in conv.participants) == ("Dr. Rivera", "Nadia", "Chris")
    first, last = conv.messages[0], conv.messages[-1]
    assert first.text == "Welcome, Nadia, Chris. Where would you like to begin today?"
    assert (first.sender, first.start, first.end) == ("Dr. Rivera", 2.0, 6.463)
    assert last.text == "Thank you, both of you."
    assert (last.sender, last.start, last.end) == ("Nadia", 234.11, 235.936)
    assert all(m.timestamp is None and m.is_speech for m in conv.messages)
    assert not any(m.media or m.edited or m.deleted for m in conv.messages)
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()
    assert [w.code for w in conv.warnings] == ["W104"]


def test_registry_sniffs_srt() -> None:
    source = read_source(FIXTURE)
    assert sniff(source).name == "srt"
    assert parsers()["srt"].sniff(source) >= 0.9


def test_blocks_without_label_continue_and_merge_into_turns() -> None:
    conv = load(FIXTURE, THERAPIST)
    assert [(m.sender, m.text) for m in conv.messages[1:3]] == [
        ("Nadia", "With the texts, honestly. On Thursday I sent Chris five messages during "
         "the day. Five."),
        ("Nadia", "Nothing back until nine at night. I was sure something had happened to him."),
    ]  # fmt: skip
    turn = conv.turns[1]
    assert turn.speaker == "Nadia"
    assert [m.index for m in turn.messages] == [1, 2, 3, 4]
    assert (turn.start, turn.end) == (7.56, 23.595)
    assert turn.words_per_minute is not None and turn.words_per_minute > 150
    assert all(
        t.words_per_minute is not None
        for t in conv.turns
        if t.start is not None and t.end is not None and t.end - t.start >= 1
    )
    assert len(conv.turns) == 24


def test_dialogue_block_missing_index_and_markup() -> None:
    conv = load(FIXTURE, THERAPIST)
    pair = [m for m in conv.messages if m.start == 52.637]
    assert [(m.sender, m.text, m.end) for m in pair] == [
        ("Chris", "I know.", 58.764),
        ("Nadia", "Then why don't you do it? Do you even read them?", 58.764),
    ]
    assert pair[0].location.line == 41  # the block has no index line
    assert any(m.text == "No. I just freeze." and m.sender == "Chris" for m in conv.messages)


def test_role_mapping() -> None:
    with pytest.raises(RoleMappingError) as info:
        load(FIXTURE)
    assert "Dr. Rivera" in info.value.message and "Chris" in info.value.message
    conv = load(FIXTURE, THERAPIST)
    assert [(p.role, p.partner) for p in conv.participants] == [
        (Role.THERAPIST, None),
        (Role.PARTNER, PartnerLabel.A),
        (Role.PARTNER, PartnerLabel.B),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[Ana] hi\n\n2\n00:00:03,000 --> 00:00:04,000\n[Ben] yo", [("Ana", "hi"), ("Ben", "yo")]),
        ("ANA: hi\n\n2\n00:00:03,000 --> 00:00:04,000\nBEN: yo", [("ANA", "hi"), ("BEN", "yo")]),
        (
            "SPEAKER_00: hi\n\n2\n00:00:03,000 --> 00:00:04,000\nSPEAKER_01: yo",
            [("SPEAKER_00", "hi"), ("SPEAKER_01", "yo")],
        ),
        (
            "Ana: hi\n\n2\n00:00:03,000 --> 00:00:04,000\nNote: this is hers",
            [("Ana", "hi"), ("Ana", "Note: this is hers")],
        ),
        (
            '<font color="#ffff00">Ana:</font> a &amp; b\n\n2\n00:00:03,000 --> 00:00:04,000\n'
            "Ana: c --> d",
            [("Ana", "a & b"), ("Ana", "c --> d")],
        ),
    ],
)
def test_speaker_labels(body: str, expected: list[tuple[str, str]]) -> None:
    conv, missing = srt("1\n00:00:01,000 --> 00:00:02,000\n" + body + "\n")
    assert [(m.sender, m.text) for m in conv.messages] == expected
    assert missing == []


def test_tolerates_dots_missing_numbers_and_blank_runs() -> None:
    text = (
        "\n\n00:00:01.000 --> 00:00:02.000\nAna: one\n\n\n\n"
        "00:00:03,500 --> 00:00:04,250\nBen: two\n\n7\n00:00:05,000 --> 00:00:06,000\nAna: three\n"
    )
    conv, missing = srt(text)
    assert [(m.sender, m.text, m.start, m.end) for m in conv.messages] == [
        ("Ana", "one", 1.0, 2.0),
        ("Ben", "two", 3.5, 4.25),
        ("Ana", "three", 5.0, 6.0),
    ]
    assert missing == []


def test_unknown_speaker_before_any_label() -> None:
    conv, _ = srt(
        "1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n00:00:03,000 --> 00:00:04,000\nyes\n"
    )
    assert [m.sender for m in conv.messages] == ["Unknown", "Unknown"]
    assert [w.code for w in conv.warnings].count("W107") == 1


def test_bad_blocks_are_fragments() -> None:
    text = (
        "Title: our session\n\n1\n00:00:01,000 --> 00:00:02,000\nAna: one\n\n"
        "2\n00:00:0x,000 --> 00:00:04,000\nBen: broken\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nAna: three\n"
    )
    conv, missing = srt(text)
    assert [m.text for m in conv.messages] == ["one", "three"]
    assert [f.text for f in conv.fragments] == [
        "Title: our session",
        "2\n00:00:0x,000 --> 00:00:04,000\nBen: broken",
    ]
    assert [w.code for w in conv.warnings].count("W101") == 2
    assert not any("broken" in w.message or "Ben" in w.message for w in conv.warnings)
    assert missing == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Ana: hi\nBen: hello\n", 1),
        ("\n\nWEBVTT\n\n", 3),
        ("1\n00:00:xx,000 --> 00:00:02,000\nAna: hi\n", 2),
    ],
)
def test_not_srt_raises(text: str, line: int) -> None:
    with pytest.raises(MalformedFileError) as info:
        srt(text, format="srt")
    assert info.value.file == "session.srt"
    assert info.value.line == line
    assert "-->" in (info.value.expected or "")


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nAna: hi\n",
        '{"segments": [{"speaker": "A", "start": 1, "text": "hi"}]}',
        "Ana: hi\nBen: hello\nAna: how are you\n",
        "Ana Ruiz  0:05\nHello there.\n",
        "speaker,start,end,text\nAna,1,2,hi\n",
        "[12/03/2024, 21:14:05] Ana: hi\n",
    ],
)
def test_sniff_rejects_other_shapes(head: str) -> None:
    source = source_from_bytes(head.encode(), "other.txt")
    assert parsers()["srt"].sniff(source) == 0.0
