"""WebVTT transcripts: Zoom, Microsoft Teams and Google Meet exports, and the container rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reattune.errors import MalformedFileError, RoleMappingError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.registry import parsers, sniff
from reattune.model import Conversation, ConversationKind, PartnerLabel, Role

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webvtt"


@dataclass(frozen=True)
class Expected:
    file: str
    therapist: str
    dialect: str
    messages: int
    speakers: tuple[str, ...]
    first_text: str
    first_times: tuple[float, float]
    last_text: str
    last_times: tuple[float, float]


CASES = [
    Expected(
        "zoom.vtt",
        "Dr. Rivera",
        "zoom",
        45,
        ("Dr. Rivera", "Jordan Lee", "Sam Lee"),
        "Good evening, both of you. Last week we left off talking about Saturday. "
        "Where would you like to start tonight?",
        (2.0, 10.481),
        "Okay. Thanks.",
        (395.942, 397.739),
    ),
    Expected(
        "teams.vtt",
        "Dr. Priya Nair",
        "teams",
        32,
        ("Dr. Priya Nair", "Marcus Bell", "Elise Bell"),
        "Hi both, thanks for joining. Marcus, Elise, how has the week been since we last met?",
        (2.0, 9.083),
        "That was a real moment. Let's end on that, and we'll check in on the first minute "
        "next week.",
        (308.079, 316.122),
    ),
    Expected(
        "meet.vtt",
        "Dr. Tom Okafor",
        "meet",
        38,
        ("Dr. Tom Okafor", "Hannah", "Luis"),
        "Okay, we're recording. Hannah, Luis, welcome back.",
        (2.0, 5.328),
        "We'll see how it goes after the next visit.",
        (249.64, 253.663),
    ),
]


def vtt(text: str, **options: object) -> Conversation:
    source = source_from_bytes(text.encode("utf-8"), "session.vtt")
    return load_source(source, ParseOptions(**options), strict_roles=False)  # type: ignore[arg-type]


def accounted(text: str) -> list[int]:
    source = source_from_bytes(text.encode("utf-8"), "session.vtt")
    return unaccounted_lines(source, load_source(source, strict_roles=False))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_fixture_reads_exactly(case: Expected) -> None:
    path = FIXTURES / case.file
    source = read_source(path)
    conv = load_source(source, ParseOptions(therapists=(case.therapist,)))
    assert conv.kind is ConversationKind.SESSION
    assert conv.source.format == "webvtt"
    assert conv.source.detail("dialect") == case.dialect
    assert len(conv.messages) == case.messages
    assert tuple(p.id for p in conv.participants) == case.speakers
    assert {m.sender for m in conv.messages} == set(case.speakers)
    first, last = conv.messages[0], conv.messages[-1]
    assert (first.text, (first.start, first.end)) == (case.first_text, case.first_times)
    assert (last.text, (last.start, last.end)) == (case.last_text, case.last_times)
    assert all(m.timestamp is None for m in conv.messages)
    assert all(m.is_speech for m in conv.messages)
    assert not conv.system_messages
    assert not any(m.media or m.edited or m.deleted for m in conv.messages)
    assert [m.index for m in conv.messages] == list(range(case.messages))
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()
    assert [w.code for w in conv.warnings] == ["W104"]
    assert conv.therapists[0].id == case.therapist
    assert conv.partner(PartnerLabel.A) is not None
    assert conv.partner(PartnerLabel.B) is not None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_registry_sniffs_webvtt(case: Expected) -> None:
    source = read_source(FIXTURES / case.file)
    assert sniff(source).name == "webvtt"
    assert parsers()["webvtt"].sniff(source) >= 0.9


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_turns_merge_cues_and_have_rates(case: Expected) -> None:
    conv = load(FIXTURES / case.file, ParseOptions(therapists=(case.therapist,)))
    assert len(conv.turns) < len(conv.messages)
    merged = [t for t in conv.turns if len(t.messages) > 1]
    assert merged
    for turn in merged:
        assert {m.sender for m in turn.messages} == {turn.speaker}
        assert turn.start == turn.messages[0].start
        assert turn.end == turn.messages[-1].end
    timed = [t for t in conv.turns if (t.duration or 0) >= 1.0]
    assert timed
    assert all(t.words_per_minute is not None for t in timed)


def test_zoom_long_speech_splits_into_cues_that_form_one_turn() -> None:
    conv = load(FIXTURES / "zoom.vtt", ParseOptions(therapists=("Dr. Rivera",)))
    turn = conv.turns[1]
    assert turn.speaker == "Jordan Lee"
    assert [m.index for m in turn.messages] == [1, 2, 3, 4]
    assert (turn.start, turn.end) == (11.597, 38.408)
    assert turn.text.startswith("I'll start, because honestly")
    assert turn.words_per_minute is not None and turn.words_per_minute > 150
    sam = [t for t in conv.turns if t.speaker == "Sam Lee"]
    jordan = [t for t in conv.turns if t.speaker == "Jordan Lee"]
    assert max(t.latency or 0 for t in sam) > 5  # long pauses before the withdrawer answers
    median = sorted(t.words_per_minute or 0 for t in jordan)[len(jordan) // 2]
    assert median > sorted(t.words_per_minute or 0 for t in sam)[len(sam) // 2]


def test_three_speakers_need_roles() -> None:
    path = FIXTURES / "zoom.vtt"
    with pytest.raises(RoleMappingError) as info:
        load(path)
    for name in ("Dr. Rivera", "Jordan Lee", "Sam Lee"):
        assert name in info.value.message
    conv = load(path, ParseOptions(therapists=("Dr. Rivera",)))
    roles = {p.id: (p.role, p.partner) for p in conv.participants}
    assert roles == {
        "Dr. Rivera": (Role.THERAPIST, None),
        "Jordan Lee": (Role.PARTNER, PartnerLabel.A),
        "Sam Lee": (Role.PARTNER, PartnerLabel.B),
    }
    assert [w.code for w in conv.warnings] == ["W104"]


def test_teams_two_voices_in_one_cue_and_entities() -> None:
    conv = load(FIXTURES / "teams.vtt", ParseOptions(therapists=("Dr. Priya Nair",)))
    shared = [m for m in conv.messages if m.start == 239.411]
    assert [(m.sender, m.text) for m in shared] == [
        ("Marcus Bell", "I didn't know that. You didn't say."),
        ("Elise Bell", "I know. I should have said."),
    ]
    assert {m.end for m in shared} == {256.476}
    assert (shared[0].location.line or 0) < (shared[1].location.line or 0)
    assert any("together & we can't" in m.text for m in conv.messages)
    assert not any("&amp;" in m.text or "&apos;" in m.text or "<" in m.text for m in conv.messages)


def test_meet_parenthesised_speakers_and_dash_separator() -> None:
    conv = load(FIXTURES / "meet.vtt", ParseOptions(therapists=("Dr. Tom Okafor",)))
    shared = [m for m in conv.messages if m.start == 33.727]
    assert [(m.sender, m.text) for m in shared] == [
        ("Dr. Tom Okafor", "Luis, what was that dinner like for you?"),
        ("Luis", "Uncomfortable."),
    ]
    assert not any(m.text.startswith(("(", "-")) for m in conv.messages)


HEADERED = """WEBVTT - exported
Kind: captions
Language: en

NOTE
This note has
two lines

STYLE
::cue { color: lime }

REGION
id:fred width:40%

1
00:01.000 --> 00:04.000 align:start position:0%
Ana Ruiz: <c.yellow>Hi</c> <00:00:02.000>there &lt;3 &amp; more&nbsp;words

2
00:00:05.000 --> 00:00:06.500
and this continues her cue

3
00:00:07.000 --> 00:00:09.000
Ben Ode: <i>ok</i>

4
00:00:10.000 --> 00:00:11.000
Ana Ruiz: Note: this is not a speaker.
"""


def test_header_blocks_markup_and_continuation() -> None:
    conv = vtt(HEADERED)
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Ana Ruiz", "Hi there <3 & more words"),
        ("Ana Ruiz", "and this continues her cue"),
        ("Ben Ode", "ok"),
        ("Ana Ruiz", "Note: this is not a speaker."),
    ]
    assert (conv.messages[0].start, conv.messages[0].end) == (1.0, 4.0)
    assert conv.messages[1].location.line == 19
    assert conv.source.detail("language") == "en"
    assert conv.source.detail("dialect") == "zoom"
    assert (1, 3) in conv.source.structural_lines
    assert accounted(HEADERED) == []
    assert conv.warnings[0].code == "W104"


def test_cue_without_speaker_first_is_unknown_with_one_warning() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n\n"
        "00:00:03.000 --> 00:00:04.000\nagain\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v Mia>Hi.</v>\n"
    )
    conv = vtt(text)
    assert [m.sender for m in conv.messages] == ["Unknown", "Unknown", "Mia"]
    w107 = [w for w in conv.warnings if w.code == "W107"]
    assert len(w107) == 1 and w107[0].location is not None and w107[0].location.line == 3
    assert "hello" not in w107[0].message
    assert conv.source.detail("dialect") == "teams"


def test_a_one_off_prefix_is_not_a_speaker() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Mia>So.</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\nReminder: we said Friday\n\n"
        "00:00:05.000 --> 00:00:06.000\nWeekend: we never agreed.\n"
    )
    conv = vtt(text)
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Mia", "So."),
        ("Mia", "Reminder: we said Friday"),
        ("Mia", "Weekend: we never agreed."),
    ]


def test_teams_voice_spans_over_lines_and_text_outside_tags() -> None:
    text = (
        "WEBVTT\n\nab12/3-0\n00:00:01.000 --> 00:00:05.000\n"
        "<v.loud Ana Ruiz>First line\nsecond line</v><v Ben Ode>Yes</v>\n\n"
        "ab12/4-0\n00:00:06.000 --> 00:00:07.000\n<v Ben Ode>Fine</v> trailing\n"
    )
    conv = vtt(text)
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Ana Ruiz", "First line second line"),
        ("Ben Ode", "Yes"),
        ("Ben Ode", "Fine trailing"),
    ]
    assert [(m.location.line, m.location.end_line) for m in conv.messages] == [
        (3, 6),
        (6, 6),
        (8, 10),
    ]
    assert accounted(text) == []


def test_bad_timing_line_is_a_fragment() -> None:
    text = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: one\n\n"
        "2\n00:00:0x.000 --> 00:00:04.000\nAna: lost timing\n\n"
        "3\n00:00:05.000 --> 00:00:06.000\nAna: three\n\n"
        "stray words without a cue\n"
    )
    conv = vtt(text)
    assert [m.text for m in conv.messages] == ["one", "three"]
    assert [f.text for f in conv.fragments] == [
        "2\n00:00:0x.000 --> 00:00:04.000\nAna: lost timing",
        "stray words without a cue",
    ]
    assert [w.code for w in conv.warnings if w.code == "W101"] == ["W101", "W101"]
    assert all("lost timing" not in w.message for w in conv.warnings)
    assert accounted(text) == []


def test_crlf_and_bom() -> None:
    data = "\ufeffWEBVTT\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.500\r\nAna: hi\r\n".encode()
    source = source_from_bytes(data, "bom.vtt")
    conv = load_source(source, strict_roles=False)
    assert [(m.sender, m.text, m.end) for m in conv.messages] == [("Ana", "hi", 2.5)]
    assert unaccounted_lines(source, conv) == []


def test_backwards_cues_warn_once() -> None:
    text = (
        "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nAna: a\n\n"
        "00:00:01.000 --> 00:00:02.000\nAna: b\n\n00:00:00.500 --> 00:00:01.000\nAna: c\n"
    )
    conv = vtt(text)
    assert [w.code for w in conv.warnings].count("W106") == 1
    assert [m.text for m in conv.messages] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("WEBVTT\n\nNOTE nothing here\n", 3, "cue"),
        ("WEBVTT\n", 1, "cue"),
        ("WEBVTT\n\n1\n00:00:aa --> 00:00:02.000\nAna: x\n", 3, "cue"),
        ("1\n00:00:01,000 --> 00:00:02,000\nAna: hi\n", 1, "WEBVTT"),
        ("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nhi\n", 1, "WEBVTT"),
        ('{"segments": []}', 1, "WEBVTT"),
    ],
)
def test_bad_files_raise_catalogued_errors(text: str, line: int, expected: str) -> None:
    with pytest.raises(MalformedFileError) as info:
        vtt(text, format="webvtt")
    assert info.value.file == "session.vtt"
    assert info.value.line == line
    assert expected in (info.value.expected or "")


@pytest.mark.parametrize(
    "head",
    [
        "1\n00:00:01,000 --> 00:00:04,000\nAna: hi\n",
        '{"segments": [{"speaker": "A", "start": 1, "text": "hi"}]}',
        "Ana: hi\nBen: hello\nAna: how are you\n",
        "Ana Ruiz  0:05\nHello there.\n",
        "speaker,start,end,text\nAna,1,2,hi\n",
        "12/03/2024, 21:14 - Ana: hi\n",
        "00:00:01.000 --> 00:00:02.000\nno header\n",
    ],
)
def test_sniff_rejects_other_shapes(head: str) -> None:
    source = source_from_bytes(head.encode(), "other.txt")
    assert parsers()["webvtt"].sniff(source) == 0.0


def test_sniff_accepts_header_variants() -> None:
    for head in ("WEBVTT\n", "WEBVTT - title\n\n", "\ufeffWEBVTT\tx\n", "\n\nWEBVTT\n"):
        source = source_from_bytes(head.encode(), "x.vtt")
        assert parsers()["webvtt"].sniff(source) >= 0.9, head
