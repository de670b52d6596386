"""``Analysis.to_dict`` is ``dataclasses.asdict`` made plain (tuples as lists, keys as
strings, enums as values), computed in one pass: the same data, checked against that
definition on real analyses."""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from bench import corpus

import reattune
from reattune.model import Conversation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _by_definition(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _by_definition(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_by_definition(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


def _conversations() -> dict[str, Conversation]:
    return {
        "chat": corpus.chat(600, seed=2),
        "session": corpus.session(150, seed=4),
        "whatsapp": reattune.load(FIXTURES / "whatsapp" / "ios_24h.txt"),
        "webvtt": reattune.load(FIXTURES / "webvtt" / "zoom.vtt", strict_roles=False),
    }


@pytest.mark.parametrize("name", sorted(_conversations()))
def test_to_dict_is_asdict_made_plain(name: str) -> None:
    analysis = reattune.analyze(_conversations()[name])
    got = analysis.to_dict()
    assert got == _by_definition(dataclasses.asdict(analysis))
    assert got["codes"] and got["metrics"]
    # plain JSON types only: a round trip through JSON changes nothing
    assert json.loads(json.dumps(got)) == got
    kinds = {type(c["kind"]) for c in got["codes"]}
    assert kinds == {str}
