"""Telegram Desktop JSON export (result.json): fixtures, tricky records and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reattune.errors import InputError, MalformedFileError, TruncatedFileError
from reattune.ingest import ParseOptions, load, load_source, read_source, source_from_bytes
from reattune.ingest.accounting import unaccounted_lines
from reattune.ingest.formats.telegram import TelegramParser
from reattune.ingest.registry import sniff
from reattune.model import Conversation, MessageKind, Reaction

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"
SINGLE = FIXTURES / "pursue_withdraw_result.json"
FULL = FIXTURES / "full_export_one_chat.json"
MAYA, JONAS = "user5550102", "user5550217"
PRIYA, TOM = "user7770031", "user7770088"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read(path: Path) -> Conversation:
    return load_source(read_source(path))


def write_json(tmp_path: Path, data: object, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def record(i: int, **extra: object) -> dict[str, object]:
    rec: dict[str, object] = {
        "id": i,
        "type": "message",
        "date": "2024-01-01T10:00:00",
        "date_unixtime": str(1704103200 + 60 * i),
        "from": "Ana",
        "from_id": "user1",
        "text": f"message {i}",
    }
    rec.update(extra)
    return {k: v for k, v in rec.items() if v is not None}


def chat(*records: object) -> dict[str, object]:
    return {"name": "Ben", "type": "personal_chat", "id": 2, "messages": list(records)}


CASES = {
    "single": dict(
        path=SINGLE,
        count=24,
        system=3,
        speakers={MAYA: "Maya Lindqvist", JONAS: "Jonas Brandt"},
        first=("Are you still at the office?", utc(2024, 3, 14, 17, 2, 11)),
        last=(
            "phone_call (discard_reason: hangup; duration_seconds: 754)",
            utc(2024, 3, 15, 19, 2),
        ),
        pointer="/messages/0",
        export="single-chat",
    ),
    "full": dict(
        path=FULL,
        count=15,
        system=1,
        speakers={PRIYA: "Priya Nair", TOM: "Tom Okafor"},
        first=(
            "Are we going to talk about what happened at your mum's?",
            utc(2023, 11, 2, 21, 10, 4),
        ),
        last=("phone_call (discard_reason: busy)", utc(2023, 11, 3, 18, 45)),
        pointer="/chats/list/0/messages/0",
        export="full-account",
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
    assert all(m.sender is None for m in conv.system_messages)
    assert {p.id: p.display_name for p in conv.participants} == case["speakers"]
    first, last = conv.messages[0], conv.messages[-1]
    assert (first.text, first.timestamp) == case["first"]
    assert (last.text, last.timestamp) == case["last"]
    assert first.location.pointer == case["pointer"]
    assert conv.source.timezone == "UTC"
    assert conv.source.detail("export") == case["export"]
    assert conv.source.detail("chat_type") == "personal_chat"
    assert unaccounted_lines(source, conv) == []
    assert conv.fragments == ()
    assert [w.code for w in conv.warnings] == ["W104"]


@pytest.mark.parametrize("path", [SINGLE, FULL], ids=["single", "full"])
def test_sniff_picks_telegram(path: Path) -> None:
    assert sniff(read_source(path)).name == "telegram"


@pytest.mark.parametrize(
    "head",
    [
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>Hello\n",
        '{"segments": [{"speaker": "Ana", "start": 0, "text": "hi"}]}',
        "Ana: are you coming home?\nBen: later\n",
        "12/03/2024, 21:04 - Ana: are you coming home?\n",
        '{\n  "participants": [{"name": "Ana"}],\n  "messages": [{"sender_name": "Ana", '
        '"timestamp_ms": 1}]\n}',
        '{"a": 1}',
        "[]",
    ],
)
def test_sniff_declines_other_formats(head: str) -> None:
    assert TelegramParser().sniff(source_from_bytes(head.encode(), "x.txt")) < 0.5


def test_entity_list_text_is_joined_in_order() -> None:
    conv = read(SINGLE)
    assert conv.messages[4].text == (
        "I really need to know if you're coming. The table at Lumen is only held till 7."
    )
    assert conv.messages[22].text == "yes please 🥹"
    assert conv.messages[5].text == "You always do this when it matters to me\nAlways."


def test_service_messages_are_system_with_the_action() -> None:
    conv = read(SINGLE)
    system = conv.system_messages
    assert [m.text for m in system] == [
        "phone_call (discard_reason: missed)",
        "pin_message",
        "phone_call (discard_reason: hangup; duration_seconds: 754)",
    ]
    assert all(m.kind is MessageKind.SYSTEM for m in system)


def test_media_edited_and_reactions() -> None:
    conv = read(SINGLE)
    by_index = conv.messages
    assert by_index[7].edited and by_index[7].text == "k?? That's all?"
    assert sum(m.edited for m in conv.messages) == 1
    assert by_index[10].media == ("voice_message: voice_messages/audio_1@14-03-2024_19-03-26.ogg",)
    assert by_index[10].text == ""
    assert by_index[12].media == ("sticker 😶: stickers/sticker.webp",)
    assert by_index[20].media == ("photo: photos/photo_3@15-03-2024_07-36-15.jpg",)
    assert by_index[9].reactions == (Reaction("👎", MAYA),)
    assert by_index[16].reactions == (Reaction("❤", JONAS),)
    # count without "recent": one anonymous reaction per count
    assert by_index[18].reactions == (Reaction("🙏", None), Reaction("🙏", None))
    assert not any(m.deleted for m in conv.messages)


def test_pursuer_sends_runs_of_messages() -> None:
    conv = read(SINGLE)
    runs: list[tuple[str | None, int]] = []
    for m in conv.speech:
        if runs and runs[-1][0] == m.sender:
            runs[-1] = (m.sender, runs[-1][1] + 1)
        else:
            runs.append((m.sender, 1))
    assert runs[:3] == [(MAYA, 5), (JONAS, 1), (MAYA, 2)]
    assert len(conv.turns) >= len(runs)


def test_locations_hold_pointer_and_lines() -> None:
    conv = read(SINGLE)
    loc = conv.messages[1].location
    assert loc.pointer == "/messages/1"
    assert loc.line is not None and loc.end_line is not None and loc.line < loc.end_line
    lines = read_source(SINGLE).lines()
    assert lines[loc.line - 1].strip() == "{"
    assert '"id": 40102' in lines[loc.line]


def test_minified_json_reads_the_same(tmp_path: Path) -> None:
    data = json.loads(SINGLE.read_text(encoding="utf-8"))
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    source = read_source(path)
    conv = load_source(source)
    assert [m.text for m in conv.messages] == [m.text for m in read(SINGLE).messages]
    assert unaccounted_lines(source, conv) == []


def test_full_export_with_several_chats_is_refused_without_names(tmp_path: Path) -> None:
    data = json.loads(FULL.read_text(encoding="utf-8"))
    second = dict(data["chats"]["list"][0], name="Secret Person", id=99)
    data["chats"]["list"].append(second)
    with pytest.raises(MalformedFileError) as info:
        load(write_json(tmp_path, data))
    message = str(info.value)
    assert "2 chats" in message
    assert "single chat" in (info.value.expected or "")
    assert "Secret Person" not in message and "Tom" not in message


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_truncated_json_is_a_truncated_file_with_line(tmp_path: Path, cut: float) -> None:
    data = SINGLE.read_bytes()
    path = tmp_path / "result.json"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(TruncatedFileError) as info:
        load(path)
    assert info.value.line is not None and info.value.line > 1
    assert info.value.file == str(path)
    assert info.value.expected


def test_garbled_json_is_malformed_with_line(tmp_path: Path) -> None:
    text = SINGLE.read_text(encoding="utf-8").replace('"id": 40103,', '"id": 40103,,', 1)
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MalformedFileError) as info:
        load(path, ParseOptions(format="telegram"))
    assert info.value.line == 37


@pytest.mark.parametrize(
    "data",
    [
        [record(1)],
        {"name": "Ben", "type": "personal_chat"},
        {"name": "Ben", "messages": {"0": record(1)}},
        "just a string",
    ],
    ids=["list", "no-messages", "messages-not-list", "string"],
)
def test_wrong_shape_is_malformed(tmp_path: Path, data: object) -> None:
    with pytest.raises(MalformedFileError) as info:
        load(write_json(tmp_path, data), ParseOptions(format="telegram"))
    assert info.value.file is not None and info.value.expected


def test_records_missing_fields_become_fragments_or_warnings(tmp_path: Path) -> None:
    data = chat(
        record(1),
        record(2, from_id=None, **{"from": None}),
        record(3, date_unixtime=None),
        record(4, from_id=None),
        "not a record",
        {"id": 6, "type": "unsupported"},
        record(7, text=None),
        record(8, date_unixtime="soon"),
        {"id": 9, "type": "message", "date_unixtime": "1704103800", "from_id": "user2"},
    )
    source = read_source(write_json(tmp_path, data))
    conv = load_source(source, strict_roles=False)
    assert [m.text for m in conv.messages] == [
        "message 1",
        "message 3",
        "message 4",
        "",
        "message 8",
        "",
    ]
    assert conv.messages[1].timestamp is None
    assert conv.messages[4].timestamp is None
    assert conv.messages[2].sender == "Ana"  # no from_id: the name stands in
    assert [f.location.pointer for f in conv.fragments] == [
        "/messages/1",
        "/messages/4",
        "/messages/5",
    ]
    assert conv.fragments[0].text == "message 2"
    codes = [w.code for w in conv.warnings]
    assert codes.count("W107") == 8
    assert "W108" in codes
    assert unaccounted_lines(source, conv) == []


def test_reaction_recent_and_remaining_count(tmp_path: Path) -> None:
    reactions = [
        {
            "type": "emoji",
            "count": 3,
            "emoji": "❤",
            "recent": [{"from": "Ben", "from_id": "user2", "date": "2024-01-01T10:01:00"}],
        },
        {"type": "custom_emoji", "count": 1, "document_id": "5373141891321699086"},
    ]
    conv = load(write_json(tmp_path, chat(record(1, reactions=reactions))))
    assert conv.messages[0].reactions == (
        Reaction("❤", "user2"),
        Reaction("❤", None),
        Reaction("❤", None),
        Reaction("custom_emoji", None),
    )


def test_warnings_hold_no_conversation_text(tmp_path: Path) -> None:
    data = chat(record(1, text="my secret words", date_unixtime="x"), record(2, from_id=None))
    conv = load(write_json(tmp_path, data), strict_roles=False)
    for w in conv.warnings:
        assert "secret" not in w.message and "Ana" not in w.message


def test_backwards_time_is_noted_once(tmp_path: Path) -> None:
    data = chat(record(3), record(1), record(2))
    conv = load(write_json(tmp_path, data))
    assert [w.code for w in conv.warnings].count("W106") == 1


def test_empty_and_binary_input_raise_catalogued_errors(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(b"\n")
    with pytest.raises(InputError):
        load(path, ParseOptions(format="telegram"))
