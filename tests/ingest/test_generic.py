"""reattune's generic transcript format (docs/formats.md), as JSON and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reattune.errors import MalformedFileError, RoleMappingError, TruncatedFileError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.registry import parsers, sniff
from reattune.model import ConversationKind, PartnerLabel, Role
from tests.ingest.helpers import read_text as read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "generic"
THERAPIST = ParseOptions(therapists=("Dr. Rivera",))
FIRST_TEXT = "Good morning, Priya, Ben. Let's start with how the weekend went."


@pytest.mark.parametrize(
    ("file", "fmt"), [("session.json", "transcript-json"), ("session.csv", "transcript-csv")]
)
def test_fixture_reads_exactly(file: str, fmt: str) -> None:
    source = read_source(FIXTURES / file)
    conv = load_source(source, THERAPIST)
    assert conv.kind is ConversationKind.SESSION
    assert conv.source.format == fmt
    assert sniff(source).name == fmt
    assert len(conv.messages) == 28
    assert tuple(p.id for p in conv.participants) == ("Dr. Rivera", "Priya", "Ben")
    first, last = conv.messages[0], conv.messages[-1]
    assert (first.sender, first.text, first.start, first.end) == (
        "Dr. Rivera",
        FIRST_TEXT,
        2.0,
        6.728,
    )
    assert (last.sender, last.text, last.start, last.end) == ("Ben", "Thanks.", 273.253, 274.198)
    assert conv.messages[3].start == 30.28  # written as "00:00:30.280"
    assert all(m.is_speech for m in conv.messages)
    assert not any(m.media or m.edited or m.deleted for m in conv.messages)
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()
    assert [w.code for w in conv.warnings] == ["W104"]
    assert [(p.role, p.partner) for p in conv.participants] == [
        (Role.THERAPIST, None),
        (Role.PARTNER, PartnerLabel.A),
        (Role.PARTNER, PartnerLabel.B),
    ]


def test_json_locations_and_recorded_at() -> None:
    conv = load(FIXTURES / "session.json", THERAPIST)
    assert conv.messages[0].location.pointer == "/segments/0"
    assert (conv.messages[0].location.line, conv.messages[0].location.end_line) == (5, 11)
    assert conv.messages[27].location.pointer == "/segments/27"
    assert conv.messages[0].timestamp == datetime(2024, 3, 16, 9, 0, 2, tzinfo=UTC)
    assert conv.messages[-1].timestamp == datetime(2024, 3, 16, 9, 4, 33, 253000, tzinfo=UTC)
    assert conv.source.timezone == "UTC"
    assert conv.source.detail("container") == "segments"


def test_csv_has_no_wall_clock_and_names_lines() -> None:
    conv = load(FIXTURES / "session.csv", THERAPIST)
    assert all(m.timestamp is None for m in conv.messages)
    assert (conv.messages[0].location.line, conv.messages[1].location.line) == (2, 3)
    assert conv.source.detail("delimiter") == "comma"


@pytest.mark.parametrize("file", ["session.json", "session.csv"])
def test_turns_merge_and_rates(file: str) -> None:
    conv = load(FIXTURES / file, THERAPIST)
    assert len(conv.turns) == 27
    turn = conv.turns[1]
    assert (turn.speaker, [m.index for m in turn.messages]) == ("Priya", [1, 2])
    assert (turn.start, turn.end) == (7.706, 28.833)
    assert all(t.words_per_minute is not None for t in conv.turns if (t.duration or 0) >= 1)
    assert conv.turns[1].words_per_minute is not None


def test_three_speakers_need_roles() -> None:
    with pytest.raises(RoleMappingError) as info:
        load(FIXTURES / "session.json")
    assert "Priya" in info.value.message and "Dr. Rivera" in info.value.message


# --- JSON variants -----------------------------------------------------------------------


def test_list_document_and_utterances_key() -> None:
    conv, missing = read(
        '[{"speaker": "Ana", "start": 0, "text": "hi"},\n'
        ' {"speaker": "Ben", "start": "01:02.5", "end": "1:01:02", "text": " yo "}]',
        "t.json",
    )
    assert [(m.sender, m.text, m.start, m.end) for m in conv.messages] == [
        ("Ana", "hi", 0.0, None),
        ("Ben", "yo", 62.5, 3662.0),
    ]
    assert conv.messages[1].location.pointer == "/1"
    assert missing == []
    conv, missing = read(
        '{"utterances": [{"speaker": "Ana", "start": 1, "text": "a"}], "extra": {"x": [1]}}',
        "t.json",
    )
    assert conv.messages[0].location.pointer == "/utterances/0"
    assert conv.source.detail("container") == "utterances"
    assert missing == []


def test_naive_recorded_at_uses_timezone_option() -> None:
    conv, _ = read(
        '{"recorded_at": "2024-03-16T10:00:00", "segments": '
        '[{"speaker": "Ana", "start": 90, "text": "hi"}]}',
        "t.json",
        timezone="Europe/Berlin",
    )
    assert conv.messages[0].timestamp == datetime(
        2024, 3, 16, 10, 1, 30, tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert conv.source.timezone == "Europe/Berlin"
    assert "W103" in [w.code for w in conv.warnings]


def test_missing_speaker_backwards_and_empty_text_warn() -> None:
    conv, _ = read(
        '{"segments": [{"start": 5, "text": "a"}, {"speaker": "Ben", "start": 1, "text": ""},'
        ' {"speaker": null, "start": 6, "text": "c"}]}',
        "t.json",
    )
    assert [m.sender for m in conv.messages] == ["Unknown", "Ben", "Unknown"]
    codes = [w.code for w in conv.warnings]
    assert codes.count("W107") == 1 and codes.count("W106") == 1 and codes.count("W108") == 1


@pytest.mark.parametrize(
    ("text", "pointer", "line", "expected"),
    [
        ('{"segments": [\n{"speaker": "A", "text": "x"}\n]}', "/segments/0", 2, "seconds"),
        (
            '{"segments": [\n{"speaker": "A", "start": 1, "text": "x"},\n'
            '{"speaker": "B", "start": "soon", "text": "y"}]}',
            "/segments/1",
            3,
            "seconds",
        ),
        ('[{"speaker": "A", "start": -1, "text": "x"}]', "/0", 1, "seconds"),
        ('[{"speaker": "A", "start": true, "text": "x"}]', "/0", 1, "seconds"),
        ('[{"speaker": "A", "start": 5, "end": 4, "text": "x"}]', "/0", 1, "after the start"),
        ('[{"speaker": "A", "start": 5, "end": "later", "text": "x"}]', "/0", 1, "null"),
        ('[{"speaker": "A", "start": 5}]', "/0", 1, "string"),
        ('[{"speaker": "A", "start": 5, "text": 7}]', "/0", 1, "string"),
        ('[{"speaker": 3, "start": 5, "text": "x"}]', "/0", 1, "string"),
        ('[\n  "just a string"\n]', "/0", 2, '"speaker"'),
    ],
)
def test_bad_segments_name_pointer_and_line(
    text: str, pointer: str, line: int, expected: str
) -> None:
    with pytest.raises(MalformedFileError) as info:
        read(text, "t.json", format="transcript-json")
    err = info.value
    assert pointer in err.message
    assert (err.file, err.line) == ("t.json", line)
    assert expected in (err.expected or "")
    assert "soon" not in str(err) and '"x"' not in str(err)


@pytest.mark.parametrize(
    ("text", "error", "line"),
    [
        ('{"segments": [\n{"speaker": "A", "start": 1,', TruncatedFileError, 2),
        ('{"segments": [\n{"speaker": "A" "start": 1}]}', MalformedFileError, 2),
        ('"just text"', MalformedFileError, 1),
        ('{"messages": []}', MalformedFileError, 1),
        ('{"segments": []}', MalformedFileError, 1),
        ('{"segments": {"a": 1}}', MalformedFileError, 1),
        ("Ana: not json at all", MalformedFileError, 1),
    ],
)
def test_bad_json_documents(text: str, error: type[Exception], line: int) -> None:
    with pytest.raises(error) as info:
        read(text, "t.json", format="transcript-json")
    assert getattr(info.value, "line", None) == line
    assert getattr(info.value, "file", None) == "t.json"


def test_bad_recorded_at() -> None:
    with pytest.raises(MalformedFileError) as info:
        read('{"recorded_at": "last tuesday", "segments": []}', "t.json", format="transcript-json")
    assert "/recorded_at" in info.value.message
    assert "tuesday" not in str(info.value)


# --- CSV variants ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("SPEAKER;Start;TEXT\nAna;1.5;hi\nBen;00:00:03;yo\n", "semicolon"),
        ("text\tstart\tspeaker\nhi\t1.5\tAna\nyo\t00:00:03\tBen\n", "tab"),
        ("Speaker,Start,End,Text,Notes\nAna,1.5,,hi,x\nBen,00:00:03,,yo,\n", "comma"),
    ],
)
def test_csv_delimiters_and_column_order(text: str, delimiter: str) -> None:
    conv, missing = read(text, "t.csv")
    assert conv.source.format == "transcript-csv"
    assert [(m.sender, m.text, m.start, m.end) for m in conv.messages] == [
        ("Ana", "hi", 1.5, None),
        ("Ben", "yo", 3.0, None),
    ]
    assert conv.source.detail("delimiter") == delimiter
    assert missing == []


def test_csv_quoted_multiline_blank_rows_and_unknown_speaker() -> None:
    text = 'speaker,start,end,text\n\nAna,1,2,"one\nand two"\n,3,,"x, y"\n'
    conv, missing = read(text, "t.csv")
    assert [(m.sender, m.text, m.end) for m in conv.messages] == [
        ("Ana", "one\nand two", 2.0),
        ("Unknown", "x, y", None),
    ]
    assert (conv.messages[0].location.line, conv.messages[0].location.end_line) == (3, 4)
    assert conv.messages[1].location.line == 5
    assert [w.code for w in conv.warnings].count("W107") == 1
    assert missing == []


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("who,start,text\nAna,1,hi\n", 1, "speaker, start"),
        ("speaker,start,text\n", 1, "row"),
        ("speaker,start,text\nAna,1,hi\nBen,,yo\n", 3, "seconds"),
        ("speaker,start,text\nAna,1,hi\nBen,noon,yo\n", 3, "seconds"),
        ("speaker,start,end,text\nAna,5,4,hi\n", 2, "after the start"),
        ("speaker,start,end,text\nAna,5,x,hi\n", 2, "null"),
        ('speaker,start,text\nAna,1,"open quote\nnever closed\n', 2, "quotes"),
    ],
)
def test_bad_csv_names_the_line(text: str, line: int, expected: str) -> None:
    with pytest.raises(MalformedFileError) as info:
        read(text, "t.csv", format="transcript-csv")
    assert (info.value.file, info.value.line) == ("t.csv", line)
    assert expected in (info.value.expected or "")
    assert "noon" not in str(info.value) and "Ben" not in str(info.value)


# --- sniffing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nAna: hi\n",
        "1\n00:00:01,000 --> 00:00:04,000\nAna: hi\n",
        "Ana: hi\nBen: hello\n",
        '{"messages": [{"from": "Ana", "date": "2024-01-01T10:00:00", "text": "hi"}]}',
        '{"participants": [{"name": "Ana"}], "messages": [{"sender_name": "Ana"}]}',
        '[{"start": 1, "end": 2, "text": "no speaker"}]',
        "12/03/2024, 21:14 - Ana: hi\n",
        "Ana Ruiz  0:05\nHello there.\n",
    ],
)
def test_sniff_rejects_other_shapes(head: str) -> None:
    source = source_from_bytes(head.encode(), "other.txt")
    assert parsers()["transcript-json"].sniff(source) == 0.0
    assert parsers()["transcript-csv"].sniff(source) == 0.0
