"""The learned coder in the pipeline: corroborates rules, catches what they miss, can be off."""

from __future__ import annotations

from reattune.coding import code_turns
from reattune.model import ConversationKind
from reattune.model.codes import EvidenceKind
from reattune.settings import AnalysisSettings
from tests.engine.builders import chat

FIGHT = [
    ("Ana", "20:00", "Why do you always leave the dishes? You never help"),
    ("Ben", "20:01", "shut your mouth you worthless piece of garbage"),
]


def _contempt(settings: AnalysisSettings) -> list[tuple[EvidenceKind, str]]:
    conv = chat(FIGHT)
    spans = code_turns(conv.turns, ConversationKind.CHAT, settings)[1]
    return [(s.kind, s.explanation) for s in spans if s.code == "horseman.contempt"]


def test_model_finds_contempt_the_lexicon_does_not_list() -> None:
    found = _contempt(AnalysisSettings())
    assert any(kind is EvidenceKind.MODEL for kind, _ in found) or any(
        "UCC model agrees" in why for _, why in found
    )


def test_models_can_be_switched_off() -> None:
    found = _contempt(AnalysisSettings(use_models=False))
    assert all(kind is not EvidenceKind.MODEL for kind, _ in found)
    assert all("UCC model" not in why for _, why in found)


def test_calm_turns_are_not_scored_by_the_model() -> None:
    conv = chat(
        [("Ana", "09:00", "can you grab milk"), ("Ben", "09:01", "sure thing, anything else")]
    )
    spans = code_turns(conv.turns, ConversationKind.CHAT, AnalysisSettings())
    assert not any(s.kind is EvidenceKind.MODEL for per in spans for s in per)
