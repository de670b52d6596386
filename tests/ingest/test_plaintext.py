"""Plain-text chats: "Name: message" lines, with or without timestamps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reattune.errors import MalformedFileError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.registry import parsers, sniff
from reattune.model import Conversation, ConversationKind, PartnerLabel
from tests.ingest.helpers import read_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plaintext"
LONDON = ZoneInfo("Europe/London")


def chat(text: str, **options: object) -> tuple[Conversation, list[int]]:
    return read_text(text, "chat.txt", **options)


CASES = [
    (
        "no_timestamps.txt",
        19,
        ("are you coming home for dinner?", None),
        ("😊", None),
        "none",
        ["W101", "W104"],
    ),
    (
        "full_timestamps.txt",
        16,
        ("are you still at the office?", datetime(2024, 3, 12, 21, 2, tzinfo=LONDON)),
        (
            "good morning. 7 tonight, I put it in my calendar",
            datetime(2024, 3, 13, 7, 12, tzinfo=LONDON),
        ),
        "full",
        ["W103", "W104"],
    ),
    (
        "time_of_day.txt",
        11,
        ("did you call your mum back about Sunday?", None),
        ("thank you. that really helps", None),
        "time-of-day only",
        ["W104"],
    ),
]


@pytest.mark.parametrize(
    ("file", "count", "first", "last", "times", "warnings"), CASES, ids=[c[0] for c in CASES]
)
def test_fixture_reads_exactly(
    file: str,
    count: int,
    first: tuple[str, datetime | None],
    last: tuple[str, datetime | None],
    times: str,
    warnings: list[str],
) -> None:
    source = read_source(FIXTURES / file)
    conv = load_source(source, ParseOptions(timezone="Europe/London"))
    assert conv.kind is ConversationKind.CHAT
    assert conv.source.format == "plaintext"
    assert len(conv.messages) == count
    assert [p.id for p in conv.participants] == ["Robin", "Tess"]
    assert conv.partner(PartnerLabel.A) is not None and conv.partner(PartnerLabel.B) is not None
    assert conv.messages[0].sender == "Robin"
    assert conv.messages[-1].sender == ("Robin" if file == "time_of_day.txt" else "Tess")
    assert (conv.messages[0].text, conv.messages[0].timestamp) == first
    assert (conv.messages[-1].text, conv.messages[-1].timestamp) == last
    assert conv.source.detail("times") == times
    assert all(m.start is None and m.end is None for m in conv.messages)
    assert all(m.is_speech for m in conv.messages) and not conv.system_messages
    assert not any(m.media or m.edited or m.deleted for m in conv.messages)
    assert [w.code for w in conv.warnings] == warnings
    assert unaccounted_lines(source, conv) == []
    if times == "full":
        assert conv.source.timezone == "Europe/London"


@pytest.mark.parametrize("file", [c[0] for c in CASES])
def test_registry_sniffs_plaintext_modestly(file: str) -> None:
    source = read_source(FIXTURES / file)
    assert sniff(source).name == "plaintext"
    assert 0.6 <= parsers()["plaintext"].sniff(source) <= 0.7


def test_multi_line_messages_keep_labels_inside() -> None:
    conv = load(FIXTURES / "no_timestamps.txt")
    assert conv.fragments[0].text == "Copied from our chat, Tuesday night"
    assert conv.messages[7].text == (
        "ok I'm trying really hard not to be upset here\n"
        "but this is the third time this week and you didn't even text.\n"
        "Note: I'm not asking you to quit your job. I'm asking for one message."
    )
    assert (conv.messages[7].location.line, conv.messages[7].location.end_line) == (9, 11)
    assert conv.messages[16].text.endswith("\nPS: save me some lentils?")
    assert conv.source.detail("speaker_rule") == "repeated names"
    timed = load(FIXTURES / "time_of_day.txt")
    assert timed.messages[5].text.endswith("\nEdit: I mean chase it with her. not with you.")
    assert timed.source.detail("speaker_rule") == "timestamped lines"


def test_turns_group_consecutive_messages() -> None:
    conv = load(FIXTURES / "full_timestamps.txt", ParseOptions(timezone="Europe/London"))
    assert len(conv.turns) == 11
    first = conv.turns[0]
    assert [m.index for m in first.messages] == [0, 1]  # 21:02 and 21:02; 21:15 is >60 s later
    assert first.words_per_minute is None  # chats carry no speaking rate
    assert conv.turns[2].latency == 16 * 60.0  # Tess answers 21:31 after Robin's 21:15
    untimed = load(FIXTURES / "no_timestamps.txt")
    assert [len(t.messages) for t in untimed.turns][:3] == [2, 1, 3]


@pytest.mark.parametrize(
    ("line", "sender", "stamp"),
    [
        ("[21:14] Ana: hi", "Ana", None),
        ("[2024-03-12 21:14:05] Ana: hi", "Ana", datetime(2024, 3, 12, 21, 14, 5)),
        ("2024-03-12 21:14 Ana: hi", "Ana", datetime(2024, 3, 12, 21, 14)),
        ("2024-03-12T21:14 - Ana: hi", "Ana", datetime(2024, 3, 12, 21, 14)),
        ("2024/03/12, 9:14 PM Ana: hi", "Ana", datetime(2024, 3, 12, 21, 14)),
        ("[2024-03-12 12:05\u202fAM] Ana: hi", "Ana", datetime(2024, 3, 12, 0, 5)),
        ("21:14 Ana: hi", "Ana", None),
        ("(9:14 PM) Ana Maria Lopez: hi", "Ana Maria Lopez", None),
        ("9:14 am Amy: hi", "Amy", None),
    ],
)
def test_timestamp_forms(line: str, sender: str, stamp: datetime | None) -> None:
    conv, missing = chat(f"{line}\n[2024-03-12 23:00] Ben: ok\n", format="plaintext")
    assert (conv.messages[0].sender, conv.messages[0].text) == (sender, "hi")
    expected = stamp.replace(tzinfo=ZoneInfo("UTC")) if stamp else None
    assert conv.messages[0].timestamp == expected
    assert missing == []


def test_time_of_day_and_full_dates_mixed() -> None:
    conv, _ = chat("[21:14] Ana: hi\n[2024-03-12 21:15] Ben: yo\n[21:16] Ana: ok\n")
    assert [m.timestamp is None for m in conv.messages] == [True, False, True]
    assert conv.source.detail("times") == "mixed"
    assert conv.source.detail("clock") == "24h"


def test_speaker_rule_needs_repeated_names() -> None:
    text = (
        "Ana: so about tonight\nBen: yes\nAna: I was thinking\n"
        "Reminder: the plumber comes at 8\nSo here's the thing: I'm tired\nBen: ok\n"
    )
    conv, missing = chat(text)
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Ana", "so about tonight"),
        ("Ben", "yes"),
        ("Ana", "I was thinking\nReminder: the plumber comes at 8\nSo here's the thing: I'm tired"),
        ("Ben", "ok"),
    ]
    assert missing == []


def test_tiny_file_with_unrepeated_names() -> None:
    conv, _ = chat("Ana: are you up?\nBen: yes\n", format="plaintext")
    assert [m.sender for m in conv.messages] == ["Ana", "Ben"]


@pytest.mark.parametrize(
    "line",
    [
        "2024: what a year",
        "https://example.org/x: link",
        "Why did you say that, really: no",
        "one two three four five six: too many words",
        "Note: just a note",
    ],
)
def test_lines_that_are_not_speakers(line: str) -> None:
    conv, missing = chat(f"Ana: first\n{line}\nBen: second\nAna: third\nBen: fourth\n")
    assert [m.sender for m in conv.messages] == ["Ana", "Ben", "Ana", "Ben"]
    assert conv.messages[0].text == f"first\n{line}"
    assert missing == []


def test_backwards_times_warn_once_and_blank_lines_inside() -> None:
    conv, missing = chat(
        "2024-03-12 21:00 Ana: a\n\nstill a\n\n2024-03-12 20:00 Ben: b\n2024-03-12 19:00 Ana: c\n"
    )
    assert conv.messages[0].text == "a\n\nstill a"
    assert (conv.messages[0].location.line, conv.messages[0].location.end_line) == (1, 3)
    assert [w.code for w in conv.warnings].count("W106") == 1
    assert missing == []


def test_message_with_text_on_following_lines() -> None:
    conv, _ = chat("Ana:\nthe text is below\nBen: ok\nAna: fine\nBen:\n")
    assert [m.text for m in conv.messages] == ["the text is below", "ok", "fine", ""]
    assert "W108" in [w.code for w in conv.warnings]


@pytest.mark.parametrize("text", ["just words\nmore words\n", "12:00\n13:00\n", "- a\n- b\n"])
def test_not_a_chat_raises(text: str) -> None:
    with pytest.raises(MalformedFileError) as info:
        chat(text, format="plaintext")
    assert (info.value.file, info.value.line) == ("chat.txt", 1)
    assert "Name: message" in (info.value.expected or "")


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nAna: hi\n\n2\n00:00:05.000 --> 00:00:06.000\n"
        "Ben: yo\n",
        "1\n00:00:01,000 --> 00:00:04,000\nAna: hi\n\n2\n00:00:05,000 --> 00:00:06,000\nBen: yo\n",
        '{"segments": [{"speaker": "A", "start": 1, "text": "hi"}]}',
        '[\n {"speaker": "A", "start": 1, "text": "hi"}\n]',
        "speaker,start,end,text\nAna,1,2,hi\nBen,3,4,yo\n",
        "12/03/2024, 21:14 - Ana: hi\n12/03/2024, 21:15 - Ben: yo\n12/03/2024, 21:16 - Ana: ok\n",
        "[12/03/2024, 21:14:05] Ana: hi\n[12/03/2024, 21:15:05] Ben: yo\n",
        "Ana Ruiz  0:05\nHello there.\n\nBen Ode  0:09\nHi.\n",
        "Dear Ben: I wanted to write you a letter.\nIt has many lines.\nAnd no chat at all.\n",
    ],
)
def test_sniff_rejects_other_shapes(head: str) -> None:
    source = source_from_bytes(head.encode(), "other.txt")
    assert parsers()["plaintext"].sniff(source) < 0.5
