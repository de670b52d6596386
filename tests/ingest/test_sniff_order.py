"""Sniffing stops once a parser is more confident than the rest could be: it picks what
asking every parser picks, and no parser is ever more confident than its ``sniff_ceiling``."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.errors import InputError
from reattune.ingest import Source, read_source, source_from_bytes
from reattune.ingest.registry import SNIFF_THRESHOLD, parsers, sniff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file())


def ask_everyone(source: Source) -> str | None:
    scores = []
    for name, parser in parsers().items():
        score = parser.sniff(source)
        assert 0.0 <= score <= parser.sniff_ceiling, name
        scores.append((score, name))
    score, name = max(scores)
    return name if score >= SNIFF_THRESHOLD else None


def chosen(source: Source) -> str | None:
    try:
        return sniff(source).name
    except InputError:
        return None


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixtures(path: Path) -> None:
    source = read_source(path)
    assert chosen(source) == ask_everyone(source)


HEADS = (
    "WEBVTT\n\n",
    "1\n00:00:01,000 --> 00:00:02,000\n",
    "12/03/2024, 21:14 - Ana: hi\n",
    "[12/03/2024, 21:14:05] Ana: hi\n",
    "Ana  0:01\n",
    '{"speaker": "A", "start": 1, "text": "hi"}',
    "speaker,start,text\n",
    "Ana: hi\nBen: ok\n",
    '{"name": "x", "type": "personal_chat", "messages": []}',
    '{"participants": [], "messages": []}',
)


@settings(max_examples=300)
@given(st.lists(st.sampled_from(HEADS), min_size=1, max_size=4), st.text(max_size=40))
def test_mixed_heads(heads: list[str], tail: str) -> None:
    source = source_from_bytes(("".join(heads) + tail).encode("utf-8"), "x.txt")
    assert chosen(source) == ask_everyone(source)
