"""Parsers that make their turns in their own pass (WhatsApp, WebVTT) make the turns
``build_turns`` makes of their messages, for any gap; and a conversation built with other
options than the parser's gets its turns from ``build_turns``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from reattune.ingest import ParseOptions, load_source, read_source, source_from_bytes
from reattune.ingest.build import build_conversation
from reattune.ingest.registry import get
from reattune.ingest.turns import build_turns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GAPS = (0.0, 30.0, 60.0, 300.0, 86_400.0)
FILES = sorted(FIXTURES.glob("whatsapp/*.txt")) + sorted(FIXTURES.glob("webvtt/*.vtt"))


def _bench() -> object:
    path = Path(__file__).resolve().parents[2] / "bench" / "ingest.py"
    spec = importlib.util.spec_from_file_location("bench_ingest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("gap", GAPS)
def test_fixture_turns_are_build_turns(path: Path, gap: float) -> None:
    source = read_source(path)
    parser = get("whatsapp" if path.suffix == ".txt" else "webvtt")
    result = parser.parse(source, ParseOptions(turn_gap_seconds=gap))
    assert result.turns is not None and result.turn_gap_seconds == gap
    assert result.turns == build_turns(tuple(result.messages), gap)


@pytest.mark.parametrize("gap", (5.0, 60.0, 3600.0))
def test_generated_files_turns_are_build_turns(tmp_path: Path, gap: float) -> None:
    bench = _bench()
    chat, vtt = tmp_path / "chat.txt", tmp_path / "session.vtt"
    bench.whatsapp_export(chat, 3000)  # type: ignore[attr-defined]
    bench.vtt_transcript(vtt, 0.5)  # type: ignore[attr-defined]
    for path, name in ((chat, "whatsapp"), (vtt, "webvtt")):
        result = get(name).parse(read_source(path), ParseOptions(turn_gap_seconds=gap))
        assert result.turns is not None
        assert len(result.turns) > 1
        assert result.turns == build_turns(tuple(result.messages), gap)


def test_other_options_than_the_parsers_get_build_turns() -> None:
    text = (
        "12/03/2024, 21:14 - Ana: hi\n12/03/2024, 21:15 - Ana: there\n12/03/2024, 21:30 - Ben: ok\n"
    )
    source = source_from_bytes(text.encode(), "chat.txt")
    result = get("whatsapp").parse(source, ParseOptions(turn_gap_seconds=60.0))
    assert result.turns is not None and len(result.turns) == 2
    wide = build_conversation(result, source, "whatsapp", ParseOptions(turn_gap_seconds=0.0))
    assert len(wide.turns) == 3
    assert wide.turns == build_turns(wide.messages, 0.0)
    same = load_source(source, ParseOptions(turn_gap_seconds=60.0))
    assert same.turns == result.turns
