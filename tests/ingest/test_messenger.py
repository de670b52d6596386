"""Facebook Messenger / Instagram JSON (message_N.json): parts, mojibake, bad input."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reattune.errors import MalformedFileError, TruncatedFileError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.formats.messenger import MessengerParser
from reattune.ingest.registry import sniff
from reattune.model import Conversation, MessageKind, Reaction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "messenger"
PART_1 = FIXTURES / "lea_sam" / "message_1.json"
PART_2 = FIXTURES / "lea_sam" / "message_2.json"
INSTAGRAM = FIXTURES / "instagram_nico_ana" / "message_1.json"
LEA, SAM = "Léa Müller", "Sam Ortiz"
ANA, NICO = "ana.bastos", "nico.ferreira"


def utc_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def moji(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def thread(*messages: object) -> dict[str, object]:
    """A thread as Facebook writes it: newest message first."""
    return {
        "participants": [{"name": "Ben"}, {"name": "Ana"}],
        "messages": list(messages),
        "title": "Ben",
        "is_still_participant": True,
        "thread_type": "Regular",
        "thread_path": "inbox/ben_123",
    }


def msg(ms: int, sender: str | None = "Ana", content: str | None = "hi", **extra: object) -> dict:
    rec: dict[str, object] = {"sender_name": sender, "timestamp_ms": ms, "content": content}
    rec.update(extra)
    return {k: v for k, v in rec.items() if v is not None}


def write(folder: Path, data: object, name: str = "message_1.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def read(path: Path) -> Conversation:
    return load_source(read_source(path))


CASES = {
    "two-parts": dict(
        path=PART_1,
        count=18,
        system=1,
        speakers=[LEA, SAM],
        first=("Hey, are you coming to Nina's thing tomorrow? 😊", 1694217733000),
        last=("", 1694263863000),
        parts="2",
    ),
    "instagram": dict(
        path=INSTAGRAM,
        count=15,
        system=0,
        speakers=[ANA, NICO],
        first=("you said you'd call after practice", 1705813800000),
        last=("", 1705849622000),
        parts="1",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_fixture_reads_completely(case: dict[str, object]) -> None:
    path = case["path"]
    assert isinstance(path, Path)
    source = read_source(path)
    conv = load_source(source)
    assert len(conv.messages) == case["count"]
    assert [m.index for m in conv.messages] == list(range(len(conv.messages)))
    assert len(conv.system_messages) == case["system"]
    assert [p.id for p in conv.participants] == case["speakers"]
    first, last = conv.messages[0], conv.messages[-1]
    text, ms = case["first"]  # type: ignore[misc]
    assert (first.text, first.timestamp) == (text, utc_ms(ms))
    text, ms = case["last"]  # type: ignore[misc]
    assert (last.text, last.timestamp) == (text, utc_ms(ms))
    stamps = [m.timestamp for m in conv.messages]
    assert stamps == sorted(stamps)  # type: ignore[type-var]
    assert conv.source.timezone == "UTC"
    assert conv.source.detail("parts") == case["parts"]
    assert [w.code for w in conv.warnings] == ["W105", "W104"]
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()


@pytest.mark.parametrize("path", [PART_1, PART_2, INSTAGRAM], ids=["part1", "part2", "ig"])
def test_sniff_picks_messenger(path: Path) -> None:
    assert sniff(read_source(path)).name == "messenger"


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nhello\n",
        '{\n "name": "Ben",\n "type": "personal_chat",\n "messages": [\n  {"id": 1, '
        '"date_unixtime": "1", "from_id": "user1"}]}',
        '{"segments": [{"speaker": "Ana", "start": 0, "text": "hi"}]}',
        "Ana: are you coming home?\n",
        '{"participants": ["Ana", "Ben"]}',
        "[1, 2, 3]",
    ],
)
def test_sniff_declines_other_formats(head: str) -> None:
    assert MessengerParser().sniff(source_from_bytes(head.encode(), "x.json")) < 0.5


def test_both_parts_give_the_same_conversation_in_time_order() -> None:
    one, two = read(PART_1), read(PART_2)
    assert [m.text for m in one.messages] == [m.text for m in two.messages]
    assert [m.location.file for m in one.messages[:9]] == [str(PART_2)] * 9
    assert [m.location.file for m in one.messages[9:]] == [str(PART_1)] * 9
    # the oldest message is the last record of the highest part
    assert one.messages[0].location.pointer == "/messages/8"
    assert str(one.messages[0].location) == f"{PART_2}#/messages/8"
    # records of the file given carry lines, others only the pointer
    assert one.messages[9].location.line is not None
    assert one.messages[0].location.line is None
    assert two.messages[0].location.line is not None


def test_mojibake_is_repaired_everywhere_with_one_warning() -> None:
    conv = read(PART_1)
    assert {p.display_name for p in conv.participants} == {LEA, SAM}
    texts = [m.text for m in conv.messages]
    assert "Hey, are you coming to Nina's thing tomorrow? 😊" in texts
    assert any(t.startswith("Café tomorrow morning") for t in texts)
    assert "That helps more than you know ❤️" in texts
    assert conv.messages[9].reactions == (Reaction("😢", SAM),)
    assert conv.messages[14].reactions == (Reaction("❤", LEA),)
    assert [w.code for w in conv.warnings].count("W105") == 1


def test_markers_unsent_calls_and_shares() -> None:
    conv = read(PART_1)
    m = conv.messages
    assert (
        m[3].kind is MessageKind.SYSTEM and m[3].text == "You called Sam." and m[3].sender is None
    )
    assert m[7].deleted and m[7].text == "" and m[7].sender == LEA
    assert m[10].media == (
        "photo: messages/inbox/samortiz_10158812345678901/photos/379141528_1047_n.jpg",
    )
    assert m[16].media[0].startswith("sticker: messages/stickers_used/")
    assert m[17].media == ("share: https://example.com/menu/cafe-lune",)
    assert m[17].text == ""  # "Sam Ortiz sent an attachment." is the app's
    assert m[14].text == (
        "ok. café at 9\nsorry about last night. i go quiet when i don't know what to say"
    )


def test_instagram_unsent_notice_audio_and_reactions() -> None:
    conv = read(INSTAGRAM)
    m = conv.messages
    assert m[6].deleted and m[6].text == ""
    assert m[7].media[0].startswith("audio: your_instagram_activity/messages/inbox/")
    assert m[13].reactions == (Reaction("😂", NICO), Reaction("❤️", ANA))
    assert m[2].text == "are you ignoring me again 🙃"
    assert m[14].media == ("share: https://www.instagram.com/p/C2abcdEFGhi/",)


def test_single_part_without_siblings(tmp_path: Path) -> None:
    shutil.copy(PART_2, tmp_path / "message_1.json")
    conv = read(tmp_path / "message_1.json")
    assert len(conv.messages) == 9
    assert conv.source.detail("parts") == "1"


def test_source_not_on_disk_reads_only_itself() -> None:
    source = source_from_bytes(PART_1.read_bytes(), "message_1.json")
    conv = load_source(source)
    assert len(conv.messages) == 9
    assert conv.messages[0].text == "Don't do me any favours"


def test_three_parts_are_merged_and_ties_keep_order(tmp_path: Path) -> None:
    folder = tmp_path / "inbox" / "ben_123"
    write(folder, thread(msg(5000, content="e"), msg(4000, "Ben", "d")), "message_1.json")
    write(folder, thread(msg(3000, content="c2"), msg(3000, "Ben", "c1")), "message_2.json")
    write(folder, thread(msg(2000, "Ben", "b"), msg(1000, content="a")), "message_3.json")
    conv = read(folder / "message_2.json")
    assert [m.text for m in conv.messages] == ["a", "b", "c1", "c2", "d", "e"]
    assert conv.source.detail("parts") == "3"
    assert [m.index for m in conv.messages] == [0, 1, 2, 3, 4, 5]


def test_a_bad_sibling_part_names_that_part(tmp_path: Path) -> None:
    folder = tmp_path / "thread"
    first = write(folder, thread(msg(2000), msg(1000, "Ben")))
    (folder / "message_2.json").write_text('{"participants": [], "messages": [{"sender', "utf-8")
    with pytest.raises(TruncatedFileError) as info:
        load(first)
    assert info.value.file is not None and info.value.file.endswith("message_2.json")
    assert info.value.line == 1
    write(folder, {"participants": []}, "message_2.json")
    with pytest.raises(MalformedFileError) as info2:
        load(first)
    assert info2.value.file is not None and info2.value.file.endswith("message_2.json")


def test_truncated_and_garbled_files(tmp_path: Path) -> None:
    data = PART_1.read_bytes()
    path = tmp_path / "message_1.json"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError) as info:
        load(path)
    assert info.value.line is not None and info.value.line > 10
    path.write_text(PART_1.read_text("utf-8").replace('"type": "Share",', '"type" "Share",'))
    with pytest.raises(MalformedFileError) as info2:
        load(path, ParseOptions(format="messenger"))
    assert info2.value.line == 18


@pytest.mark.parametrize(
    "data", [[1, 2], {"participants": []}, {"messages": "none"}], ids=["list", "none", "str"]
)
def test_wrong_shape_is_malformed(tmp_path: Path, data: object) -> None:
    with pytest.raises(MalformedFileError) as info:
        load(write(tmp_path, data), ParseOptions(format="messenger"))
    assert info.value.expected and info.value.file


def test_records_missing_fields(tmp_path: Path) -> None:
    data = thread(
        msg(4000, content=None),
        "garbage",
        msg(3000, sender=None, content="who said this"),
        {"sender_name": "Ben", "content": "no time"},
        msg(1000),
    )
    source = read_source(write(tmp_path, data))
    conv = load_source(source)
    assert [m.text for m in conv.messages] == ["hi", "no time", ""]
    assert conv.messages[1].timestamp is None
    assert [f.text for f in conv.fragments] == ["who said this", '"garbage"']
    codes = [w.code for w in conv.warnings]
    assert codes.count("W107") == 3
    assert codes.count("W108") == 1
    assert "W105" not in codes
    assert unaccounted_lines(source, conv) == []


def test_notices_and_calls_are_system_messages(tmp_path: Path) -> None:
    data = thread(
        msg(6000, content="Ana set the nickname for Ben to Benji."),
        msg(5000, content="You are now connected on Messenger"),
        msg(4000, "Ben", "Ana missed your call.", call_duration=0),
        msg(3000, "Ben", "Ben left the group.", type="Unsubscribe"),
        msg(2000, content="You set the bar too high, honestly"),
        msg(1000, "Ben", "I changed the theme of my talk"),
    )
    conv = load(write(tmp_path, data))
    kinds = [m.kind for m in conv.messages]
    assert kinds == [MessageKind.SPEECH, MessageKind.SPEECH] + [MessageKind.SYSTEM] * 4


def test_correct_utf8_is_left_alone(tmp_path: Path) -> None:
    data = thread(msg(2000, content="café ❤️"), msg(1000, "Ben", "Ã¼ber"))
    path = tmp_path / "message_1.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    conv = load(path)
    assert [m.text for m in conv.messages] == ["über", "café ❤️"]
    assert [w.code for w in conv.warnings].count("W105") == 1
    assert moji("ü") == "Ã¼"


def test_warnings_hold_no_conversation_text(tmp_path: Path) -> None:
    data = thread(msg(2000, content=moji("sécret")), msg(1000, sender=None, content="private"))
    conv = load(write(tmp_path, data))
    for w in conv.warnings:
        assert "cret" not in w.message and "private" not in w.message and "Ana" not in w.message
