"""The engine's full output on a few conversations, against a stored expectation.

The expectation (``data/expected_analyses.json``) holds ``Analysis.to_dict()`` — every code
with its span, score and explanation, the episodes, the metrics — for generated chats and
sessions (``bench/corpus.py``, seeded) and the chat and transcript fixtures. It was written
by the engine before it was made faster, so it guards changes meant to change nothing.
The learned models are off here: they are retrained separately, and their scores would
change the expectation without any change to the engine (``bench/equivalence.py`` compares
the whole output, models on, between two versions).

Regenerate only when the engine's behaviour is meant to change, and say so in the commit:

    PYTHONPATH=src python3 -m tests.engine.test_stored_analyses --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from bench import corpus

import reattune
from reattune.errors import RoleMappingError
from reattune.model import Conversation
from reattune.settings import AnalysisSettings

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).with_name("data") / "expected_analyses.json"
FIXTURES = (
    "whatsapp/ios_24h.txt",
    "telegram/full_export_one_chat.json",
    "messenger/lea_sam/message_1.json",
    "imessage/imazing_rosa_ben.csv",
    "plaintext/time_of_day.txt",
    "generic/session.csv",
    "webvtt/zoom.vtt",
    "srt/session.srt",
)


def _fixture(name: str) -> Conversation:
    path = ROOT / "tests" / "fixtures" / name
    try:
        return reattune.load(path)
    except RoleMappingError:  # a therapist besides the partners: roles as the loader guesses
        return reattune.load(path, strict_roles=False)


def conversations() -> dict[str, Conversation]:
    found = {
        "chat_400": corpus.chat(400, seed=11),
        "session_120": corpus.session(120, seed=13),
    }
    for name in FIXTURES:
        found[f"fixture/{name}"] = _fixture(name)
    return found


def analysed(name: str) -> dict[str, Any]:
    conv = conversations()[name]
    result: dict[str, Any] = reattune.analyze(conv, AnalysisSettings(use_models=False)).to_dict()
    result = json.loads(json.dumps(result))  # as stored: tuples become lists
    source = result.get("source") or {}
    if source.get("path", "").startswith(str(ROOT)):  # the same wherever the checkout is
        source["path"] = Path(source["path"]).relative_to(ROOT).as_posix()
    return result


def _expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(conversations()))
def test_analysis_is_unchanged(name: str) -> None:
    expected = _expected()[name]
    got = analysed(name)
    assert got["codes"] == expected["codes"]
    assert got == expected


def test_the_expectation_covers_the_codes_that_matter() -> None:
    codes = {c["code"] for v in _expected().values() for c in v["codes"]}
    assert {"withdraw.minimal", "pursue.bid_in_silence", "horseman.criticism"} <= codes
    assert any(v["stonewalling"] for v in _expected().values())
    assert any(v["repairs"] for v in _expected().values())


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    out = {name: analysed(name) for name in sorted(conversations())}
    EXPECTED.write_text(json.dumps(out, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(out)} analyses to {EXPECTED}")
