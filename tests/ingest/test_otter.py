"""Otter.ai text export: "Name  m:ss" headers, paragraphs, the otter.ai footer."""

from __future__ import annotations

from pathlib import Path

import pytest

from reattune.errors import MalformedFileError, RoleMappingError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.registry import parsers, sniff
from reattune.model import Conversation, ConversationKind, PartnerLabel, Role
from tests.ingest.helpers import read_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "otter" / "otter.txt"
THERAPIST = ParseOptions(therapists=("Dr. Rivera",))


def otter(text: str, **options: object) -> tuple[Conversation, list[int]]:
    return read_text(text, "otter.txt", **options)


def test_fixture_reads_exactly() -> None:
    source = read_source(FIXTURE)
    conv = load_source(source, THERAPIST)
    assert conv.kind is ConversationKind.SESSION
    assert conv.source.format == "otter"
    assert conv.source.detail("headers") == "name-and-time"
    assert len(conv.messages) == 26
    assert tuple(p.id for p in conv.participants) == ("Dr. Rivera", "Kim", "Alex")
    first, last = conv.messages[0], conv.messages[-1]
    assert first.text == (
        "So, Kim, Alex, last session we talked about bedtime. What's been happening this week?"
    )
    assert (first.sender, first.start, first.end) == ("Dr. Rivera", 2.0, 9.0)
    assert (last.sender, last.text, last.start, last.end) == ("Kim", "Thank you.", 249.0, None)
    for before, after in zip(conv.messages, conv.messages[1:], strict=False):
        assert before.end == after.start
    assert all(m.timestamp is None and m.is_speech for m in conv.messages)
    assert not any(m.media or m.edited or m.deleted for m in conv.messages)
    assert unaccounted_lines(source, conv) == []
    assert conv.source.structural_lines == ((79, 79),)  # the footer
    assert conv.fragments == ()
    assert [w.code for w in conv.warnings] == ["W104"]


def test_registry_sniffs_otter() -> None:
    source = read_source(FIXTURE)
    assert sniff(source).name == "otter"


def test_turns_and_rates() -> None:
    conv = load(FIXTURE, THERAPIST)
    assert len(conv.turns) == 25
    turn = conv.turns[1]
    assert (turn.speaker, [m.index for m in turn.messages]) == ("Kim", [1, 2])
    assert (turn.start, turn.end) == (9.0, 29.0)
    assert turn.words_per_minute is not None
    assert all(t.words_per_minute is not None for t in conv.turns[:-1])
    # Otter gives no end times: a paragraph lasts until the next header, so no gaps show.
    assert all(t.latency in (None, 0.0) for t in conv.turns)


def test_role_mapping() -> None:
    with pytest.raises(RoleMappingError) as info:
        load(FIXTURE)
    assert all(n in info.value.message for n in ("Dr. Rivera", "Kim", "Alex"))
    conv = load(FIXTURE, THERAPIST)
    assert [(p.role, p.partner) for p in conv.participants] == [
        (Role.THERAPIST, None),
        (Role.PARTNER, PartnerLabel.A),
        (Role.PARTNER, PartnerLabel.B),
    ]


def test_hours_tabs_and_multi_line_paragraphs() -> None:
    text = (
        "Alice Smith\t59:58\nStill on it.\n\nSpeaker 2  1:00:03  \nYes.\nAnd more.\n\n"
        "Unknown Speaker  1:02:03\nmm-hm\n\nTranscribed by https://otter.ai\n"
    )
    conv, missing = otter(text)
    assert [(m.sender, m.text, m.start, m.end) for m in conv.messages] == [
        ("Alice Smith", "Still on it.", 3598.0, 3603.0),
        ("Speaker 2", "Yes.\nAnd more.", 3603.0, 3723.0),
        ("Unknown Speaker", "mm-hm", 3723.0, None),
    ]
    assert missing == []


def test_time_only_headers_read_as_unknown() -> None:
    text = "0:01  \nWhen we got home.\n\n0:15  \nIt was late.\n\nTranscribed by https://otter.ai\n"
    conv, missing = otter(text)
    assert [(m.sender, m.start) for m in conv.messages] == [("Unknown", 1.0), ("Unknown", 15.0)]
    assert conv.source.detail("headers") == "time-only"
    assert [w.code for w in conv.warnings].count("W107") == 1
    assert missing == []
    assert parsers()["otter"].sniff(source_from_bytes(text.encode(), "o.txt")) >= 0.9


def test_text_before_first_header_is_a_fragment_and_empty_paragraph_warns() -> None:
    text = "Session notes export\n\nAna  0:02\nHi.\n\nBen  0:09\n\nAna  0:12\nOk.\n"
    conv, missing = otter(text)
    assert [f.text for f in conv.fragments] == ["Session notes export"]
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Ana", "Hi."),
        ("Ben", ""),
        ("Ana", "Ok."),
    ]
    codes = [w.code for w in conv.warnings]
    assert "W101" in codes and "W108" in codes
    assert missing == []


def test_backwards_headers_warn_once() -> None:
    conv, _ = otter("Ana  0:20\nb\n\nBen  0:10\nc\n\nAna  0:05\nd\n")
    assert [w.code for w in conv.warnings].count("W106") == 1
    assert conv.messages[0].end is None  # the next header is earlier: no end


@pytest.mark.parametrize(
    "text", ["just some words\nwith no headers\n", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n"]
)
def test_not_otter_raises(text: str) -> None:
    with pytest.raises(MalformedFileError) as info:
        otter(text, format="otter")
    assert info.value.file == "otter.txt"
    assert info.value.line == 1
    assert "0:05" in (info.value.expected or "")


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nAna: hi\n",
        "1\n00:00:01,000 --> 00:00:04,000\nAna: hi\n",
        '{"segments": [{"speaker": "A", "start": 1, "text": "hi"}]}',
        "Ana: hi\nBen: hello\nAna: how are you\n",
        "[21:14] Ana: hi\n[21:15] Ben: hello\n",
        "speaker,start,end,text\nAna,1,2,hi\n",
        "12/03/2024, 21:14 - Ana: hi\n12/03/2024, 21:15 - Ben: yo\n",
    ],
)
def test_sniff_rejects_other_shapes(head: str) -> None:
    source = source_from_bytes(head.encode(), "other.txt")
    assert parsers()["otter"].sniff(source) < 0.5
