"""WhatsApp exports: Android and iOS shapes, date order, notices, markers, encodings, zips."""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reattune.errors import InputError, MalformedFileError
from reattune.ingest import DateOrder, ParseOptions, load, load_source, read_source
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.formats.whatsapp import WhatsAppParser
from reattune.ingest.registry import sniff
from reattune.ingest.source import source_from_bytes
from reattune.model import Conversation, MessageKind

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
LRM = "\u200e"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@dataclass(frozen=True)
class Expect:
    file: str
    messages: int
    speakers: tuple[str, ...]
    system: int
    first: str
    first_time: datetime
    last: str
    last_time: datetime
    platform: str
    date_order: str
    clock: str


CASES = [
    Expect(
        "android_24h_dayfirst.txt",
        27,
        ("Priya", "Tom"),
        1,
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        utc(2023, 9, 21, 17, 48),
        "Deal ❤️",
        utc(2023, 9, 22, 7, 31),
        "android",
        "day-first",
        "24h",
    ),
    Expect(
        "android_12h_monthfirst.txt",
        18,
        ("Jordan", "Sam"),
        1,
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        utc(2024, 3, 8, 18, 2),
        "Deal. Lunch?",
        utc(2024, 3, 13, 12, 0),
        "android",
        "month-first",
        "12h",
    ),
    Expect(
        "android_12h_es.txt",
        13,
        ("Lucía", "Andrés"),
        1,
        "Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este "
        "chat, ni siquiera WhatsApp, puede leerlos ni escucharlos. Toca para obtener más "
        "información.",
        utc(2024, 3, 14, 19, 58),
        "¿Hablamos esta noche con calma?",
        utc(2024, 3, 15, 12, 15),
        "android",
        "day-first",
        "12h",
    ),
    Expect(
        "ios_24h.txt",
        22,
        ("Jess", "Marco"),
        2,
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them.",
        utc(2024, 3, 14, 18, 20, 11),
        "Yes 🙂",
        utc(2024, 3, 15, 8, 32, 55),
        "ios",
        "day-first",
        "24h",
    ),
    Expect(
        "ios_12h.txt",
        14,
        ("Hannah", "Leo"),
        1,
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them.",
        utc(2024, 3, 14, 21, 2, 11),
        "That's the electrician Dave recommended, shall we call him together tonight?",
        utc(2024, 3, 15, 12, 30, 20),
        "ios",
        "month-first",
        "12h",
    ),
    Expect(
        "ambiguous_dates.txt",
        11,
        ("Noor", "Sami"),
        0,
        "Are you awake?",
        utc(2024, 6, 5, 22, 10),
        "Ok. Thank you 💛",
        utc(2024, 6, 6, 7, 20),
        "android",
        "day-first",
        "24h",
    ),
    Expect(
        "android_utf8_bom.txt",
        7,
        ("Elif", "Kai"),
        0,
        "Did you book the vet for Luna?",
        utc(2023, 11, 18, 9, 12),
        "Thank you 🐾 Next time just tell me you're swamped and I'll stop pinging",
        utc(2023, 11, 18, 19, 25),
        "android",
        "day-first",
        "24h",
    ),
    Expect(
        "android_group_system.txt",
        19,
        ("Chris", "Robin"),
        10,
        'You created group "Moving house 🏠"',
        utc(2023, 9, 29, 19, 0),
        "Yes. Tonight 👍",
        utc(2023, 9, 30, 12, 5),
        "android",
        "day-first",
        "24h",
    ),
    Expect(
        "ios_group_system.txt",
        15,
        ("Chris", "Robin"),
        8,
        'Chris created group "Moving house 🏠"',
        utc(2023, 9, 29, 19, 0),
        "Yes. Tonight 👍",
        utc(2023, 9, 30, 8, 31, 10),
        "ios",
        "day-first",
        "24h",
    ),
]


def read(name: str) -> tuple[Conversation, list[int]]:
    source = read_source(FIXTURES / name)
    conv = load_source(source)
    return conv, unaccounted_lines(source, conv)


def by_index(conv: Conversation) -> dict[int, tuple[str | None, str]]:
    return {m.index: (m.sender, m.text) for m in conv.messages}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_fixture_reads_completely(case: Expect) -> None:
    conv, unaccounted = read(case.file)
    assert unaccounted == []
    assert conv.source.format == "whatsapp"
    assert len(conv.messages) == case.messages
    assert [m.index for m in conv.messages] == list(range(case.messages))
    assert tuple(p.id for p in conv.participants) == case.speakers
    assert {m.sender for m in conv.messages if m.is_speech} == set(case.speakers)
    first, last = conv.messages[0], conv.messages[-1]
    assert (first.text, first.timestamp) == (case.first, case.first_time)
    assert (last.text, last.timestamp) == (case.last, case.last_time)
    assert len(conv.system_messages) == case.system
    details = dict(conv.source.details)
    assert details["platform"] == case.platform
    assert details["date_order"] == case.date_order
    assert details["clock"] == case.clock
    assert conv.source.timezone == "UTC"
    assert [w.code for w in conv.warnings].count("W103") == 1
    assert not conv.fragments


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_every_message_is_well_formed(case: Expect) -> None:
    conv, _ = read(case.file)
    previous = None
    for m in conv.messages:
        assert m.timestamp is not None and m.timestamp.utcoffset() is not None
        assert m.location.line is not None and m.location.end_line is not None
        assert m.location.line <= m.location.end_line
        assert LRM not in m.text and LRM not in (m.sender or "")
        assert "\u202f" not in (m.sender or "")
        if m.kind is MessageKind.SYSTEM:
            assert m.sender is None and not m.media
        if previous is not None:
            assert m.timestamp >= previous
        previous = m.timestamp


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_sniff_picks_whatsapp(case: Expect) -> None:
    source = read_source(FIXTURES / case.file)
    assert WhatsAppParser().sniff(source) >= 0.9
    assert sniff(source).name == "whatsapp"


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nMaya: hi\n",
        '{"name": "Maya", "messages": [{"id": 1, "date": "2024-03-12T21:14:05"}]}',
        "1\n00:00:01,000 --> 00:00:04,000\nMaya: hi\n\n2\n00:00:05,000 --> 00:00:07,000\nok\n",
        "Maya: where are you?\nDaniel: at work\nMaya: again?\n",
        "date,time,sender,text\n2024-03-12,21:14,Maya,hi\n2024-03-12,21:15,Daniel,k\n",
        "Speaker 1  0:03\nSo how was the week?\n\nSpeaker 2  0:09\nHard.\n",
        "Dear diary,\n12/03/2024 was a long day.\n",
    ],
    ids=["vtt", "json", "srt", "name-colon", "csv", "otter", "prose"],
)
def test_sniff_is_low_on_other_formats(text: str) -> None:
    assert WhatsAppParser().sniff(source_from_bytes(text.encode(), "other.txt")) < 0.5


def test_sniff_never_raises_on_undecodable_bytes() -> None:
    source = source_from_bytes(b"caf\xe9 \xff\xfe\xfd\n" * 3, "latin.txt")
    assert WhatsAppParser().sniff(source) == 0.0


# -- markers, notices, multi-line ---------------------------------------------------------


def test_android_markers_and_multiline() -> None:
    conv, _ = read("android_24h_dayfirst.txt")
    msgs = conv.messages
    assert msgs[7].text == (
        "I asked you three days ago to sort out Sunday and you said you would. Now she's asking "
        "me and I look like the one who forgot.\nI'm tired of being the one who holds "
        "everything together.\nCan you at least tell me when you're home?"
    )
    assert (msgs[7].location.line, msgs[7].location.end_line) == (8, 10)
    assert (msgs[10].sender, msgs[10].text, msgs[10].deleted) == ("Priya", "", True)
    assert (msgs[12].text, msgs[12].media) == ("", ("<Media omitted>",))
    assert (msgs[17].text, msgs[17].edited) == ("I said fine. I'll deal with it tomorrow", True)
    assert (msgs[19].sender, msgs[19].deleted) == ("Tom", True)
    # the person's words are kept exactly, trailing space included
    assert msgs[25].text == "And tonight can we talk about Sunday properly? \nI'll cook"
    flagged = [m.index for m in msgs if m.media or m.deleted or m.edited]
    assert flagged == [10, 12, 17, 19]


def test_ios_markers_notices_and_marks() -> None:
    conv, _ = read("ios_24h.txt")
    msgs = conv.messages
    assert (msgs[0].sender, msgs[0].kind) == (None, MessageKind.SYSTEM)
    assert (msgs[3].sender, msgs[3].text, msgs[3].media) == ("Jess", "", ("image omitted",))
    assert msgs[6].kind is MessageKind.SYSTEM
    assert msgs[6].text == "Missed voice call, Tap to call back"
    assert msgs[8].text.split("\n") == [
        "Every time something matters to me you vanish.",
        "I planned this for weeks.",
        "Weeks, Marco.",
    ]
    assert (msgs[8].location.line, msgs[8].location.end_line) == (9, 11)
    assert (msgs[11].sender, msgs[11].deleted, msgs[11].text) == ("Marco", True, "")
    assert (msgs[13].sender, msgs[13].deleted) == ("Jess", True)
    assert (msgs[14].text, msgs[14].edited) == ("Fine. Go home then", True)
    assert msgs[15].media == ("document omitted",)
    assert msgs[15].text == '"Gallery tickets.pdf" • 2 pages'
    assert msgs[20].media == ("sticker omitted",)
    assert [m.index for m in conv.messages if m.media] == [3, 15, 20]


def test_ios_12h_clock_and_omitted_kinds() -> None:
    conv, _ = read("ios_12h.txt")
    times = {m.index: m.timestamp for m in conv.messages}
    assert times[7] == utc(2024, 3, 14, 23, 58, 20)  # 11:58:20 PM
    assert times[8] == utc(2024, 3, 15, 0, 5, 10)  # 12:05:10 AM
    assert times[12] == utc(2024, 3, 15, 12, 30, 0)  # 12:30:00 PM
    media = {m.index: m.media for m in conv.messages if m.media}
    assert media == {3: ("audio omitted",), 8: ("GIF omitted",), 12: ("Contact card omitted",)}
    assert conv.messages[10].text.endswith("stress me\nand then you end up carrying them")


def test_spanish_android_markers_and_dotted_meridiem() -> None:
    conv, _ = read("android_12h_es.txt")
    msgs = conv.messages
    assert msgs[0].kind is MessageKind.SYSTEM  # no "Name:" — a notice in any language
    assert (msgs[6].deleted, msgs[6].text) == (True, "")
    assert msgs[7].media == ("<Multimedia omitido>",)
    assert (msgs[9].text, msgs[9].edited) == ("Vale. Perdona, me agobié", True)
    assert msgs[10].timestamp == utc(2024, 3, 15, 8, 5)  # 8:05 a. m.
    assert msgs[12].timestamp == utc(2024, 3, 15, 12, 15)  # 12:15 p. m.


@pytest.mark.parametrize("name", ["android_group_system.txt", "ios_group_system.txt"])
def test_group_notices_are_system_and_never_speakers(name: str) -> None:
    conv, _ = read(name)
    notices = [m.text for m in conv.messages if m.kind is MessageKind.SYSTEM]
    assert any("joined using this group's invite link" in t for t in notices)
    assert any(t.startswith("Messages and calls are end-to-end encrypted") for t in notices)
    assert any("changed their phone number to a new number" in t for t in notices)
    assert any(t.startswith("Your security code with Dana changed") for t in notices)
    assert "Dana left" in notices
    assert any("created group" in t for t in notices)
    # a subject holding ": " is still one notice, not a sender called 'You changed …'
    assert any(t.endswith('"Moving day: Saturday 14th"') for t in notices)
    assert all(LRM not in t for t in notices)
    assert {p.id for p in conv.participants} == {"Chris", "Robin"}


def test_notice_words_without_the_marks_stay_speech(tmp_path: Path) -> None:
    text = (
        "12/03/2024, 21:14 - Maya: Daniel added milk to the list (finally)\n"
        "12/03/2024, 21:15 - Daniel: Maya left\n"
        "[12/03/2024, 21:16:00] Maya: Sam joined using this group's invite link\n"
    )
    conv = load(write(tmp_path, "chat.txt", text))
    assert [m.kind for m in conv.messages] == [MessageKind.SPEECH] * 3
    assert conv.messages[0].text == "Daniel added milk to the list (finally)"


def test_android_null_and_attached_files(tmp_path: Path) -> None:
    text = (
        "12/03/2024, 21:14 - Maya: null\n"
        "12/03/2024, 21:15 - Maya: IMG-20240312-WA0001.jpg (file attached)\n"
        "look at this\n"
        "12/03/2024, 21:16 - Daniel: Menu.pdf (file attached)\n"
        "12/03/2024, 21:17 - Daniel: Maya:\n"
    )
    conv = load(write(tmp_path, "chat.txt", text))
    m = conv.messages
    assert (m[0].text, m[0].media) == ("", ("null",))
    assert (m[1].text, m[1].media) == ("look at this", ("IMG-20240312-WA0001.jpg",))
    assert (m[2].text, m[2].media) == ("", ("Menu.pdf",))
    assert (m[3].sender, m[3].text) == ("Daniel", "Maya:")


def test_words_that_only_look_like_markers_stay_text(tmp_path: Path) -> None:
    text = (
        "12/03/2024, 21:14 - Maya: the best part of the video omitted\n"
        "12/03/2024, 21:15 - Maya: see the plan (file attached)\n"
        "12/03/2024, 21:16 - Maya: ok\n"
        "IMG-20240312-WA0001.jpg (file attached)\n"
        "12/03/2024, 21:17 - Daniel: This message was deleted, you said? no\n"
    )
    conv = load(write(tmp_path, "chat.txt", text))
    assert [m.text for m in conv.messages] == [
        "the best part of the video omitted",
        "see the plan (file attached)",
        "ok\nIMG-20240312-WA0001.jpg (file attached)",
        "This message was deleted, you said? no",
    ]
    assert not any(m.media or m.deleted or m.edited for m in conv.messages)


def test_a_trailing_mark_is_removed(tmp_path: Path) -> None:
    text = f"[12/03/2024, 21:14:05] Maya: hi\n[12/03/2024, 21:14:09] Daniel: see you {LRM}\n"
    conv = load(write(tmp_path, "chat.txt", text))
    assert conv.messages[-1].text == "see you "


def test_non_contact_names_keep_their_tilde(tmp_path: Path) -> None:
    text = "[12/03/2024, 21:14:05] ~\u202fMaya: hi\n[12/03/2024, 21:14:09] Daniel: hey\n"
    conv = load(write(tmp_path, "chat.txt", text), ParseOptions(partner_a="~ Maya"))
    assert conv.messages[0].sender == "~ Maya"


def test_empty_message_warns(tmp_path: Path) -> None:
    text = "[12/03/2024, 21:14:05] Maya:\n[12/03/2024, 21:14:09] Daniel: ok\n"
    conv = load(write(tmp_path, "chat.txt", text))
    assert (conv.messages[0].sender, conv.messages[0].text) == ("Maya", "")
    w108 = [w for w in conv.warnings if w.code == "W108"]
    assert len(w108) == 1 and w108[0].location is not None and w108[0].location.line == 1


def test_directional_marks_around_names_are_removed(tmp_path: Path) -> None:
    text = (
        "[12/03/2024, 21:14:05] \u200e\u202a+44 7700 900123\u202c: hi it's Maya\n"
        "12/03/2024, 21:15 - \u202a+44 7700 900456\u202c: hi\n"
    )
    conv = load(write(tmp_path, "chat.txt", text))
    assert [m.sender for m in conv.messages] == ["+44 7700 900123", "+44 7700 900456"]


# -- header shapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "order", "when", "sender", "text"),
    [
        ("12/03/2024, 21:14 - Ana: hi", None, (2024, 3, 12, 21, 14), "Ana", "hi"),
        ("3/12/24, 9:14 PM - Ana: hi", DateOrder.MONTH_FIRST, (2024, 3, 12, 21, 14), "Ana", "hi"),
        ("3/12/24, 9:14\u202fpm - Ana: hi", None, (2024, 12, 3, 21, 14), "Ana", "hi"),
        ("23/06/2018, 01:55 a.m. - Ana: hi", None, (2018, 6, 23, 1, 55), "Ana", "hi"),
        ("12/24/2019 11:30 p.m. - Ana: hi", None, (2019, 12, 24, 23, 30), "Ana", "hi"),
        ("17/10/2024, 3:37 p. m. - Ana: hi", None, (2024, 10, 17, 15, 37), "Ana", "hi"),
        ("13.06.18, 21:25 - Ana: hi", None, (2018, 6, 13, 21, 25), "Ana", "hi"),
        ("13-06-2018 21:25:15 - Ana: hi", None, (2018, 6, 13, 21, 25, 15), "Ana", "hi"),
        ("2024-03-12 21:14 - Ana: hi", None, (2024, 3, 12, 21, 14), "Ana", "hi"),
        ("[13/06/2018, 21:25:15] Ana: hi", None, (2018, 6, 13, 21, 25, 15), "Ana", "hi"),
        ("\u200e[13.06.18 21:25:15] Ana: a: b", None, (2018, 6, 13, 21, 25, 15), "Ana", "a: b"),
        ("[6/13/18, 9:25:15\u202fPM] Ana: hi", None, (2018, 6, 13, 21, 25, 15), "Ana", "hi"),
        ("[13/6/18, 9:25:15\u00a0a.\u00a0m.] Ana: hi", None, (2018, 6, 13, 9, 25, 15), "Ana", "hi"),
        (
            "13/06/2018, 21:25 - John-John Doe: a - b",
            None,
            (2018, 6, 13, 21, 25),
            "John-John Doe",
            "a - b",
        ),
    ],
)
def test_header_shapes(
    tmp_path: Path,
    line: str,
    order: DateOrder | None,
    when: tuple[int, ...],
    sender: str,
    text: str,
) -> None:
    conv = load(write(tmp_path, "chat.txt", line + "\n"), ParseOptions(date_order=order))
    (m,) = conv.messages
    assert (m.timestamp, m.sender, m.text) == (utc(*when), sender, text)


# -- date order ---------------------------------------------------------------------------


def test_ambiguous_dates_assume_day_first_and_say_so() -> None:
    conv, _ = read("ambiguous_dates.txt")
    w102 = [w for w in conv.warnings if w.code == "W102"]
    assert len(w102) == 1 and "day-first" in w102[0].message
    assert dict(conv.source.details)["date_order_basis"] == "assumed"


def test_date_order_option_flips_ambiguous_dates() -> None:
    conv = load(FIXTURES / "ambiguous_dates.txt", ParseOptions(date_order=DateOrder.MONTH_FIRST))
    assert conv.messages[0].timestamp == utc(2024, 5, 6, 22, 10)
    assert conv.messages[-1].timestamp == utc(2024, 6, 6, 7, 20)
    assert dict(conv.source.details)["date_order"] == "month-first"
    assert "W102" not in [w.code for w in conv.warnings]


def test_chronology_breaks_the_tie(tmp_path: Path) -> None:
    # day-first: 12 Jan -> 1 Feb; month-first: 1 Dec -> 2 Jan, backwards in one year.
    text = "12/01/2024, 21:00 - Ana: hi\n01/02/2024, 09:00 - Ben: hey\n"
    conv = load(write(tmp_path, "chat.txt", text))
    assert dict(conv.source.details)["date_order_basis"] == "chronology"
    assert conv.messages[1].timestamp == utc(2024, 2, 1, 9, 0)
    assert [w.code for w in conv.warnings].count("W102") == 1


def test_date_order_option_against_the_file_is_an_error(tmp_path: Path) -> None:
    path = FIXTURES / "android_24h_dayfirst.txt"
    with pytest.raises(MalformedFileError) as info:
        load(path, ParseOptions(date_order=DateOrder.MONTH_FIRST))
    assert info.value.line == 1 and info.value.expected
    assert info.value.file == str(path)


def test_one_day_over_twelve_settles_the_whole_file(tmp_path: Path) -> None:
    text = "".join(f"0{d}/03/2024, 21:00 - Ana: hi\n" for d in range(1, 10))
    text += "13/03/2024, 21:00 - Ben: ok\n"
    conv = load(write(tmp_path, "chat.txt", text))
    assert conv.messages[0].timestamp == utc(2024, 3, 1, 21, 0)
    assert "W102" not in [w.code for w in conv.warnings]


# -- time zones, order ----------------------------------------------------------------------


def test_times_are_read_in_the_given_zone() -> None:
    options = ParseOptions(timezone="Europe/Berlin")
    conv = load(FIXTURES / "ios_24h.txt", options)
    berlin = ZoneInfo("Europe/Berlin")
    assert conv.messages[1].timestamp == datetime(2024, 3, 14, 18, 20, 11, tzinfo=berlin)
    assert conv.messages[1].timestamp == utc(2024, 3, 14, 17, 20, 11)
    assert conv.source.timezone == "Europe/Berlin"
    (w103,) = [w for w in conv.warnings if w.code == "W103"]
    assert "Europe/Berlin" in w103.message


def test_same_clock_time_on_another_day_is_another_timestamp(tmp_path: Path) -> None:
    text = "13/03/2024, 21:00 - Ana: a\n14/03/2024, 21:00 - Ben: b\n13/03/2024, 21:00 - Ana: c\n"
    conv = load(write(tmp_path, "chat.txt", text))
    assert [m.timestamp.day for m in conv.messages if m.timestamp] == [13, 14, 13]
    w106 = [w for w in conv.warnings if w.code == "W106"]
    assert len(w106) == 1 and w106[0].location is not None and w106[0].location.line == 3


# -- encodings and archives -------------------------------------------------------------


def test_utf8_bom_is_removed() -> None:
    source = read_source(FIXTURES / "android_utf8_bom.txt")
    assert source.data.startswith(codecs.BOM_UTF8)
    conv = load_source(source)
    assert conv.source.encoding == "utf-8-sig"
    assert conv.messages[0].sender == "Elif"


@pytest.mark.parametrize("name", ["ios_24h.txt", "android_12h_monthfirst.txt"])
def test_utf16le_with_bom_reads_the_same(tmp_path: Path, name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    path = write_bytes(tmp_path, name, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    source = read_source(path)
    assert sniff(source).name == "whatsapp"
    conv = load_source(source)
    plain = load(FIXTURES / name)
    assert conv.source.encoding == "utf-16-le"
    assert [(m.sender, m.text, m.timestamp) for m in conv.messages] == [
        (m.sender, m.text, m.timestamp) for m in plain.messages
    ]
    assert unaccounted_lines(source, conv) == []


def test_crlf_line_ends(tmp_path: Path) -> None:
    text = (FIXTURES / "ios_24h.txt").read_text(encoding="utf-8").replace("\n", "\r\n")
    conv = load(write_bytes(tmp_path, "_chat.txt", text.encode()))
    assert len(conv.messages) == 22
    assert "\r" not in conv.messages[8].text


def test_ios_zip_with_media(tmp_path: Path) -> None:
    media = ["00000012-PHOTO-2024-03-14-21-14-09.jpg", "00000013-AUDIO-2024-03-14-21-15-30.opus"]
    chat = (
        f"[14/03/2024, 21:14:05] Jess: {LRM}Messages and calls are end-to-end encrypted. No one "
        "outside of this chat, not even WhatsApp, can read or listen to them.\n"
        "[14/03/2024, 21:14:05] Jess: Look what I found for the living room\n"
        f"{LRM}[14/03/2024, 21:14:09] Jess: {LRM}<attached: {media[0]}>\n"
        f"{LRM}[14/03/2024, 21:15:30] Marco: {LRM}<attached: {media[1]}>\n"
        "[14/03/2024, 21:16:02] Jess: Can't listen now, just write it please\n"
    )
    path = tmp_path / "WhatsApp Chat - Marco.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("_chat.txt", chat.encode())
        for name in media:
            zf.writestr(name, b"\xff\xd8\xff\xe0 not really media")
    source = read_source(path)
    assert source.name.endswith("!/_chat.txt")
    assert sorted(source.members) == media
    conv = load_source(source)
    assert unaccounted_lines(source, conv) == []
    assert [m.media for m in conv.messages if m.media] == [(media[0],), (media[1],)]
    assert all(m.text == "" for m in conv.messages if m.media)
    assert dict(conv.source.details)["attachments_in_archive"] == "2"
    assert conv.messages[0].kind is MessageKind.SYSTEM


def test_android_zip_with_media(tmp_path: Path) -> None:
    chat = (
        "14/03/2024, 21:14 - Priya: IMG-20240314-WA0001.jpg (file attached)\n"
        "this is the one I meant\n"
        "14/03/2024, 21:40 - Priya: PTT-20240314-WA0002.opus (file attached)\n"
        "14/03/2024, 22:02 - Tom: ok\n"
    )
    path = tmp_path / "WhatsApp Chat with Tom.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("WhatsApp Chat with Tom.txt", chat.encode())
        zf.writestr("IMG-20240314-WA0001.jpg", b"\xff\xd8")
        zf.writestr("PTT-20240314-WA0002.opus", b"OggS")
    source = read_source(path)
    assert sorted(source.members) == ["IMG-20240314-WA0001.jpg", "PTT-20240314-WA0002.opus"]
    conv = load_source(source)
    first = conv.messages[0]
    assert (first.media, first.text) == (("IMG-20240314-WA0001.jpg",), "this is the one I meant")
    assert conv.messages[1].media == ("PTT-20240314-WA0002.opus",)
    assert {m for msg in conv.messages for m in msg.media} == set(source.members)


# -- damaged input -------------------------------------------------------------------------


def test_garbled_headers_are_kept_as_fragments(tmp_path: Path) -> None:
    text = (
        "Exported from my old phone\n"  # 1: before the first header
        "12/03/2024, 21:14 - Ana: where are you?\n"  # 2
        "12/03/2024, 21:1 - Ana: pineapple\n"  # 3: starts like a header, is not one
        "and mango\n"  # 4
        "45/45/2024, 21:16 - Ana: papaya\n"  # 5: impossible date
        "12/03/2024, 25:17 - Ben: kiwi\n"  # 6: impossible hour
        "[12/03/2024, 21:18:00 Ben: lychee\n"  # 7: missing bracket
        "12/03/2024, 21:19 - Ben: home soon\n"  # 8
        "12/03 is also when we met\n"  # 9: a continuation, not a header
    )
    path = write(tmp_path, "chat.txt", text)
    source = read_source(path)
    conv = load_source(source)
    assert unaccounted_lines(source, conv) == []
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Ana", "where are you?"),
        ("Ben", "home soon\n12/03 is also when we met"),
    ]
    spans = [(f.location.line, f.location.end_line) for f in conv.fragments]
    assert spans == [(1, 1), (3, 4), (5, 5), (6, 6), (7, 7)]
    assert conv.fragments[1].text == "12/03/2024, 21:1 - Ana: pineapple\nand mango"
    w101 = [w for w in conv.warnings if w.code == "W101"]
    assert [w.location.line for w in w101 if w.location] == [1, 3, 5, 6, 7]
    private = ("Ana", "Ben", "phone", "pineapple", "mango", "papaya", "kiwi", "lychee", "soon")
    for w in conv.warnings:  # warnings say where, never what
        assert not any(word in w.message for word in private)


@pytest.mark.parametrize(
    "text",
    [
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nMaya: hi\n",
        '{"messages": [{"from": "Maya", "text": "hi"}]}\n',
        "Maya: hi\nDaniel: hello\n",
        "\n\nJust some notes\nabout the 12/03/2024 session\n",
    ],
    ids=["vtt", "json", "name-colon", "prose"],
)
def test_forced_on_another_format_is_a_catalogued_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "other.txt", text)
    with pytest.raises(MalformedFileError) as info:
        load(path, ParseOptions(format="whatsapp"))
    first = next(n for n, line in enumerate(text.splitlines(), 1) if line.strip())
    assert info.value.line == first
    assert info.value.file == str(path)
    assert "WhatsApp" in (info.value.expected or "")


@pytest.mark.parametrize("cut", [10, 25, 57, 200, 811])
def test_truncated_export_never_raises_a_raw_exception(tmp_path: Path, cut: int) -> None:
    data = (FIXTURES / "ios_24h.txt").read_bytes()[:cut]
    path = write_bytes(tmp_path, "chat.txt", data)
    try:
        source = read_source(path)
        conv = load_source(source, ParseOptions(format="whatsapp"), strict_roles=False)
    except InputError:
        return
    assert unaccounted_lines(source, conv) == []


# -- helpers ------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    return write_bytes(tmp_path, name, text.encode("utf-8"))


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_media_and_deletion_markers_in_other_languages(tmp_path: Path) -> None:
    """German, Portuguese, French and Italian exports write their own markers (the shapes
    other WhatsApp parsers document); they become media/deleted, never words."""
    text = (
        "12.03.24, 21:14 - Lena: <Medien ausgeschlossen>\n"
        "12.03.24, 21:15 - Jonas: Diese Nachricht wurde gelöscht\n"
        "12.03.24, 21:16 - Lena: IMG-20240312-WA0001.jpg (Datei angehängt)\n"
        "schau mal\n"
        "12.03.24, 21:17 - Jonas: Du hast diese Nachricht gelöscht\n"
        "12.03.24, 21:18 - Lena: Ok. <Diese Nachricht wurde bearbeitet>\n"
        "12.03.24, 21:19 - Jonas: <Mídia oculta>\n"
        "12.03.24, 21:20 - Lena: Esta mensagem foi apagada\n"
        "12.03.24, 21:21 - Jonas: <Médias omis>\n"
        "12.03.24, 21:22 - Lena: Ce message a été supprimé\n"
        "12.03.24, 21:23 - Jonas: Questo messaggio è stato eliminato\n"
        "12.03.24, 21:24 - Lena: <Media omesso>\n"
        "12.03.24, 21:25 - Jonas: Ich habe die Medien ausgeschlossen, okay?\n"
    )
    m = load(write(tmp_path, "chat.txt", text)).messages
    assert (m[0].text, m[0].media) == ("", ("<Medien ausgeschlossen>",))
    assert (m[1].text, m[1].deleted) == ("", True)
    assert (m[2].text, m[2].media) == ("schau mal", ("IMG-20240312-WA0001.jpg",))
    assert (m[3].text, m[3].deleted) == ("", True)
    assert (m[4].text, m[4].edited) == ("Ok.", True)
    assert m[5].media == ("<Mídia oculta>",) and m[6].deleted
    assert m[7].media == ("<Médias omis>",) and m[8].deleted and m[9].deleted
    assert m[10].media == ("<Media omesso>",)
    # the words themselves, inside a sentence, stay what the person wrote
    assert (m[11].text, m[11].media) == ("Ich habe die Medien ausgeschlossen, okay?", ())


def test_ios_omitted_markers_in_german_and_french(tmp_path: Path) -> None:
    text = (
        f"[12.03.24, 21:14:05] Lena: {LRM}Bild weggelassen\n"
        f"[12.03.24, 21:15:05] Jonas: {LRM}Audio weggelassen\n"
        f"[12.03.24, 21:16:05] Lena: {LRM}image absente\n"
        f"[12.03.24, 21:17:05] Jonas: das Bild weggelassen hat er\n"
    )
    m = load(write(tmp_path, "chat.txt", text)).messages
    assert [x.media for x in m] == [
        ("Bild weggelassen",),
        ("Audio weggelassen",),
        ("image absente",),
        (),
    ]
    assert [x.text for x in m[:3]] == ["", "", ""]
    assert m[3].text == "das Bild weggelassen hat er"
