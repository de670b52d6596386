"""iMessage: imessage-exporter TXT and CSV exports (iMazing, simple columns)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reattune.errors import MalformedFileError, TruncatedFileError
from reattune.ingest import (
    DateOrder,
    ParseOptions,
    load,
    load_source,
    read_source,
    source_from_bytes,
)
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.formats.imessage import IMessageCsvParser, IMessageParser
from reattune.ingest.registry import sniff
from reattune.model import Conversation, MessageKind, Reaction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imessage"
TXT = FIXTURES / "+15125550143.txt"
IMAZING = FIXTURES / "imazing_rosa_ben.csv"
SIMPLE = FIXTURES / "simple_export.csv"
CHICAGO = ZoneInfo("America/Chicago")
LA = ZoneInfo("America/Los_Angeles")


def write(tmp_path: Path, text: str, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def parse_text(tmp_path: Path, text: str, name: str = "chat.txt", **opts: object) -> Conversation:
    return load(write(tmp_path, text, name), ParseOptions(**opts), strict_roles=False)  # type: ignore[arg-type]


CASES = {
    "txt": dict(
        path=TXT,
        tz="America/Chicago",
        count=17,
        system=0,
        speakers=["Me", "Jamie Chen"],
        first=(
            "Hey, are you on your way? The Hendersons get here at 7:30",
            datetime(2023, 10, 3, 18, 41, 9, tzinfo=CHICAGO),
        ),
        last=("❤️", datetime(2023, 10, 4, 7, 17, 2, tzinfo=CHICAGO)),
        zone="America/Chicago",
        warnings=["W103", "W104"],
    ),
    "imazing": dict(
        path=IMAZING,
        tz="America/Los_Angeles",
        count=16,
        system=1,
        speakers=["Me", "Ben Adeyemi"],
        first=(
            "Ben Adeyemi named the conversation “us”",
            datetime(2024, 2, 11, 20, 14, 3, tzinfo=LA),
        ),
        last=("❤️", datetime(2024, 2, 12, 8, 3, 2, tzinfo=LA)),
        zone="America/Los_Angeles",
        warnings=["W103", "W104"],
    ),
    "simple": dict(
        path=SIMPLE,
        tz="Europe/Berlin",
        count=15,
        system=0,
        speakers=["Maren", "Dev"],
        first=("are you coming to bed?", datetime(2024, 5, 2, 21, 4, 10, tzinfo=UTC)),
        last=("👍", datetime(2024, 5, 3, 7, 2, 31, tzinfo=UTC)),
        zone="UTC",
        warnings=["W104"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fixture_reads_completely(case: dict[str, object]) -> None:
    path = case["path"]
    assert isinstance(path, Path) and isinstance(case["tz"], str)
    source = read_source(path)
    conv = load_source(source, ParseOptions(timezone=case["tz"]))
    assert len(conv.messages) == case["count"]
    assert [m.index for m in conv.messages] == list(range(len(conv.messages)))
    assert len(conv.system_messages) == case["system"]
    assert all(m.sender is None for m in conv.system_messages)
    assert [p.id for p in conv.participants] == case["speakers"]
    first, last = conv.messages[0], conv.messages[-1]
    assert (first.text, first.timestamp) == case["first"]
    assert (last.text, last.timestamp) == case["last"]
    assert conv.source.timezone == case["zone"]
    assert [w.code for w in conv.warnings] == case["warnings"]
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()


@pytest.mark.parametrize(
    ("path", "name"), [(TXT, "imessage"), (IMAZING, "imessage-csv"), (SIMPLE, "imessage-csv")]
)
def test_sniff_picks_the_parser(path: Path, name: str) -> None:
    assert sniff(read_source(path)).name == name


OTHER_HEADS = [
    "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>Hello\n",
    '{"messages": [{"date_unixtime": "1", "from_id": "user1"}]}',
    "Ana: are you coming home?\nBen: later\n",
    "12/03/2024, 21:04 - Ana: are you coming home?\n",
    "[17/03/2024, 09:15:02] Ana: hi\n",
    "speaker,start,end,text\nAna,0,1,hi\n",
    "1\n00:00:01,000 --> 00:00:02,000\nhello\n",
]


@pytest.mark.parametrize("head", OTHER_HEADS)
def test_sniffers_decline_other_formats(head: str) -> None:
    source = source_from_bytes(head.encode(), "x.txt")
    assert IMessageParser().sniff(source) < 0.5
    assert IMessageCsvParser().sniff(source) < 0.5


# --- TXT ---------------------------------------------------------------------------------------


def txt() -> Conversation:
    return load_source(read_source(TXT), ParseOptions(timezone="America/Chicago"))


def test_txt_read_receipts_and_multiline_text() -> None:
    m = txt().messages
    assert m[2].text == "Hello??"  # the header's "(Read by them after …)" is not text
    assert (
        m[4].text
        == "k what? Are you getting the ice or not\nI asked you this morning and you said yes"
    )
    assert m[14].text == (
        "That makes sense. I spiral when you go quiet.\n\n"
        'Can we try something? If you need a minute, just say "need a minute" and I\'ll back off.'
    )


def test_txt_tapbacks_become_reactions() -> None:
    m = txt().messages
    assert m[4].reactions == (Reaction("‼️", "Jamie Chen"),)
    assert m[12].reactions == (Reaction("❤️", "Jamie Chen"), Reaction("🫂", "Jamie Chen"))
    assert m[15].reactions == (Reaction("❤️", "Me"),)
    assert "Tapbacks" not in " ".join(x.text for x in m)


def test_txt_edited_unsent_and_deleted() -> None:
    m = txt().messages
    assert m[5].edited
    assert m[5].text == "This is exactly what happens every time we have people over"
    assert m[6].deleted and m[6].text == "" and m[6].sender == "Me"
    assert m[10].deleted and m[10].sender == "Jamie Chen" and m[10].text == ""
    assert m[10].location.line == m[10].location.end_line == 47
    assert sum(x.edited for x in m) == 1
    assert sum(x.deleted for x in m) == 2


def test_txt_attachments_effects_and_replies() -> None:
    m = txt().messages
    assert m[8].media == (
        "~/Library/Messages/Attachments/4c/12/0A1B2C3D-4E5F-4711-8899-AABBCCDDEEFF/IMG_4471.HEIC",
    )
    assert m[8].text == "This is what the freezer looks like right now"
    assert m[9].media == ("Attachment missing!",) and m[9].text == ""
    assert m[7].text == "fine"  # "Sent with Gentle" is the app's
    assert m[16].text == "❤️"
    assert m[15].media == ("Audio Message.caf",)
    assert m[15].text == "yeah I can do that. I'd rather say it than disappear on you"
    # the indented copy of the reply is not part of the message it answers
    assert m[12].text == "Thanks for tonight. I'm sorry I blew up at you before they came"
    assert m[12].location.end_line == 61
    assert m[13].text.startswith("me too. i froze")
    assert "responded" not in m[13].text


def test_txt_older_reactions_layout_and_announcements(tmp_path: Path) -> None:
    text = (
        "Jan 05, 2023  9:02:11 AM\n"
        "Me\n"
        "morning\n"
        "Reactions:\n"
        "Liked by +15125550143\n"
        "\n"
        "\n"
        "Jan 05, 2023  9:03:00 AM You named the conversation Home\n"
        "\n"
        "Jan 05, 2023 10:15:40 AM\n"
        "+15125550143\n"
        "/Users/dana/Library/Messages/Attachments/aa/10/F00D/IMG_0001.jpeg\n"
        "Questioned by Me\n"
        "\n"
        "Jan 05, 2023 10:16:02 AM +15125550143 left the conversation.\n"
        "\n"
        "Unable to format announcement!\n"
    )
    conv = parse_text(tmp_path, text, timezone="UTC")
    m = conv.messages
    assert [x.kind for x in m] == [
        MessageKind.SPEECH,
        MessageKind.SYSTEM,
        MessageKind.SPEECH,
        MessageKind.SYSTEM,
        MessageKind.SYSTEM,
    ]
    assert m[4].text == "Unable to format announcement!" and m[4].timestamp is None
    assert m[0].reactions == (Reaction("👍", "+15125550143"),)
    assert m[1].text == "You named the conversation Home"
    assert m[2].timestamp == datetime(2023, 1, 5, 10, 15, 40, tzinfo=UTC)
    assert m[2].media == ("/Users/dana/Library/Messages/Attachments/aa/10/F00D/IMG_0001.jpeg",)
    # outside a "Tapbacks:" list a "… by …" line is the person's text
    assert m[2].text == "Questioned by Me"
    assert m[3].text == "+15125550143 left the conversation."


def test_txt_text_before_the_first_message_is_a_fragment(tmp_path: Path) -> None:
    text = "exported for therapy\n\nMar 01, 2024  8:00:00 PM\nMe\nhi\n"
    path = write(tmp_path, text)
    source = read_source(path)
    conv = load_source(source, ParseOptions(format="imessage"), strict_roles=False)
    assert len(conv.messages) == 1
    assert [f.location.line for f in conv.fragments] == [1]
    assert "W101" in [w.code for w in conv.warnings]
    assert unaccounted_lines(source, conv) == []


def test_txt_date_without_sender_is_kept(tmp_path: Path) -> None:
    text = "Mar 01, 2024  8:00:00 PM\nMe\nhi\n\nMar 01, 2024  8:01:00 PM\n"
    source = read_source(write(tmp_path, text))
    conv = load_source(source, ParseOptions(format="imessage"), strict_roles=False)
    assert len(conv.messages) == 1
    assert [f.location.line for f in conv.fragments] == [5]
    assert "W107" in [w.code for w in conv.warnings]
    assert unaccounted_lines(source, conv) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ana: hello\nBen: hi\n",
        "just some notes\nabout nothing\n",
        "2024-03-01 Me hi\n",
        "Feb 30, 2024  8:00:00 PM\nMe\nhi\n",
    ],
)
def test_txt_forced_on_other_text_is_malformed(tmp_path: Path, text: str) -> None:
    with pytest.raises(MalformedFileError) as info:
        load(write(tmp_path, text), ParseOptions(format="imessage"))
    assert info.value.line == 1 and info.value.expected


def test_txt_zone_and_dst(tmp_path: Path) -> None:
    text = "Jul 04, 2024 11:59:59 PM\nMe\nhi\n\nDec 04, 2024 12:00:01 AM\nSam\nyo\n"
    conv = parse_text(tmp_path, text, timezone="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert conv.messages[0].timestamp == datetime(2024, 7, 4, 23, 59, 59, tzinfo=berlin)
    assert conv.messages[1].timestamp == datetime(2024, 12, 4, 0, 0, 1, tzinfo=berlin)
    assert conv.source.timezone == "Europe/Berlin"


# --- CSV ---------------------------------------------------------------------------------------


def test_imazing_directions_attachments_edits_and_multiline() -> None:
    source = read_source(IMAZING)
    conv = load_source(source, ParseOptions(timezone="America/Los_Angeles"))
    m = conv.messages
    assert m[0].kind is MessageKind.SYSTEM
    assert m[3].sender == "Me"
    assert m[3].text == (
        "I don't want to decide this alone again.\n"
        'Last year I did all of it and you said "whatever you think" and then hated the place'
    )
    assert (m[3].location.line, m[3].location.end_line) == (5, 6)
    assert m[4].sender == "Ben Adeyemi" and m[4].text == "later"
    assert m[6].edited and sum(x.edited for x in m) == 1
    assert m[7].media == ("IMG_2207.HEIC",) and m[7].text == ""
    assert m[11].media == ("Audio Message.amr",)
    assert conv.source.detail("variant") == "imazing"
    assert conv.source.structural_lines == ((1, 1),)


def test_csv_row_with_missing_cells_is_a_fragment(tmp_path: Path) -> None:
    text = (
        "date,sender,text\n"
        "2024-01-01 10:00:00,Ana,hi\n"
        "2024-01-01 10:01:00,Ben\n"
        "\n"
        '2024-01-01 10:02:00,Ana,"two\nlines"\n'
    )
    source = read_source(write(tmp_path, text, "chat.csv"))
    conv = load_source(source)
    assert [m.text for m in conv.messages] == ["hi", "two\nlines"]
    assert [(f.location.line, f.text) for f in conv.fragments] == [(3, "2024-01-01 10:01:00,Ben")]
    warning = next(w for w in conv.warnings if w.code == "W107")
    assert warning.location is not None and warning.location.line == 3
    assert "Ben" not in warning.message
    assert unaccounted_lines(source, conv) == []


def test_csv_unclosed_quote_is_truncated_with_line(tmp_path: Path) -> None:
    text = 'date,sender,text\n2024-01-01 10:00:00,Ana,hi\n2024-01-01 10:01:00,Ben,"and then\n'
    with pytest.raises(TruncatedFileError) as info:
        load(write(tmp_path, text, "chat.csv"), ParseOptions(format="imessage-csv"))
    assert info.value.line == 3


@pytest.mark.parametrize(
    "header", ["speaker,start,end,text", "date,text", "a,b,c", "when,who,what"]
)
def test_csv_without_the_needed_columns_is_malformed(tmp_path: Path, header: str) -> None:
    text = f"{header}\n1,2,3,4\n"
    with pytest.raises(MalformedFileError) as info:
        load(write(tmp_path, text, "chat.csv"), ParseOptions(format="imessage-csv"))
    assert info.value.line == 1 and "Sender" in (info.value.expected or "")


def test_csv_ambiguous_slash_dates_are_stated(tmp_path: Path) -> None:
    text = "Date,From,Message\n03/04/2024 9:15 PM,Ana,hi\n03/04/2024 9:16 PM,Ben,k\n"
    conv = parse_text(tmp_path, text, "chat.csv", timezone="UTC")
    assert conv.messages[0].timestamp == datetime(2024, 3, 4, 21, 15, tzinfo=UTC)
    assert "W102" in [w.code for w in conv.warnings]
    assert conv.source.detail("date_order") == "month-first"
    flipped = parse_text(tmp_path, text, "chat.csv", timezone="UTC", date_order=DateOrder.DAY_FIRST)
    assert flipped.messages[0].timestamp == datetime(2024, 4, 3, 21, 15, tzinfo=UTC)
    assert "W102" not in [w.code for w in flipped.warnings]


def test_csv_day_first_is_decided_by_the_file(tmp_path: Path) -> None:
    text = "date;sender;text\n03/04/2024 21:15;Ana;hi\n25/04/2024 08:00:05;Ben;k\n"
    conv = parse_text(tmp_path, text, "chat.csv", timezone="UTC")
    assert conv.messages[0].timestamp == datetime(2024, 4, 3, 21, 15, tzinfo=UTC)
    assert conv.messages[1].timestamp == datetime(2024, 4, 25, 8, 0, 5, tzinfo=UTC)
    assert conv.source.detail("delimiter") == "semicolon"
    assert "W102" not in [w.code for w in conv.warnings]


def test_csv_date_and_time_columns_epochs_and_is_from_me(tmp_path: Path) -> None:
    text = (
        "Date\tTime\tIs From Me\tHandle\tText\n"
        "2024-06-01\t08:00:00\t1\t+15550001111\tmorning\n"
        "2024-06-01\t08:05:30\t0\t+15550001111\tmorning you\n"
    )
    conv = parse_text(tmp_path, text, "chat.csv", timezone="UTC")
    assert [m.sender for m in conv.messages] == ["Me", "+15550001111"]
    assert conv.messages[1].timestamp == datetime(2024, 6, 1, 8, 5, 30, tzinfo=UTC)
    epochs = "timestamp,sender,text\n1717228800,Ana,a\n1717228860000,Ben,b\n"
    conv2 = parse_text(tmp_path, epochs, "chat2.csv")
    assert conv2.messages[1].timestamp == datetime(2024, 6, 1, 8, 1, tzinfo=UTC)
    assert conv2.source.timezone == "UTC"


def test_csv_unreadable_date_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    text = "date,sender,text\nyesterday,Ana,hi\n2024-01-01 10:00,Ben,k\n"
    conv = parse_text(tmp_path, text, "chat.csv")
    assert conv.messages[0].timestamp is None
    assert "W107" in [w.code for w in conv.warnings]


def test_csv_stray_quote_in_last_unquoted_cell_is_text(tmp_path: Path) -> None:
    text = 'date,sender,text\n2024-01-01 10:00:00,Ana,she said "fine\n'
    conv = parse_text(tmp_path, text, "chat.csv")
    assert conv.messages[0].text == 'she said "fine'
