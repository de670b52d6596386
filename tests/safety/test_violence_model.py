"""The partner-violence text model: where it reads (accounts, not chat lines), that it never
overrides the lexicon's deliberate readings, and how its finding is reported."""

from __future__ import annotations

from reattune import safety
from reattune.learned.model import load_model
from reattune.safety.findings import Domain, SafetyLevel
from reattune.safety.violence import (
    MODEL_MIN_WORDS,
    detect_violence,
    model_finding,
    model_reads,
)
from tests.engine.builders import chat

# An account the lexicon counts nothing in (asserted below): no hitting, no threats, no
# named control words — the kind of first-person account the model is there for.
ACCOUNT = (
    "every time I come home late she goes through my bag and my receipts and then the "
    "screaming starts, I feel like a prisoner in my own house honestly"
)


def test_the_model_is_shipped_with_its_threshold_and_provenance() -> None:
    model = load_model("ipv")
    assert 0.0 < model.thresholds["ipv"] < 1.0
    training = model.metadata["training"]
    assert {f["data"] for f in training["data"]} == {
        "src/reattune/data/safety/ipv_eval.csv",
        "src/reattune/data/safety/ipv_accounts.csv",
        "tests/safety/data/ipv_forum_posts.csv",
    }
    assert "heldout" in model.metadata["cv"]


def test_an_account_the_lexicon_misses_is_a_concern_from_the_model() -> None:
    rule_only = detect_violence(ACCOUNT, use_model=False)
    assert not any(f.counts for f in rule_only)
    found = model_finding(ACCOUNT)
    assert found is not None
    assert found.rule == "model.ipv" and found.level is SafetyLevel.CONCERN
    assert ACCOUNT[found.start : found.end] == ACCOUNT.strip()
    assert "text model" in found.explanation
    result = safety.check(ACCOUNT)
    assert result.level is SafetyLevel.CONCERN and Domain.IPV in result.domains


def test_short_lines_are_left_to_the_lexicon() -> None:
    for line in ("Answer me.", "Leave it.", "Fine. Go then. See if I care.", "Maybe."):
        assert len(line.split()) < MODEL_MIN_WORDS
        assert not safety.check(line).positive


def test_the_model_never_overrides_a_deliberate_reading() -> None:
    joke = (
        "I swear I could kill him for eating my leftovers again lol, third time this week and "
        "he always acts so innocent about it when I ask"
    )
    assert len(joke.split()) >= MODEL_MIN_WORDS
    assert all(f.rule != "model.ipv" for f in detect_violence(joke))


def test_conversation_turns_are_read_by_the_lexicon_only() -> None:
    conv = chat([("Maya", "21:00", ACCOUNT), ("Sam", "21:05", "ok")])
    result = safety.check(conv)
    assert all(f.rule != "model.ipv" for f in result.findings)


def test_an_account_that_names_no_partner_is_not_asked() -> None:
    # Loneliness reads like isolation to the model, but no one is doing anything to anyone.
    lonely = "Work is the only thing that keeps me busy. I don't have any friends here."
    assert len(lonely.split()) >= MODEL_MIN_WORDS
    assert not model_reads(lonely)
    assert not safety.check(lonely).positive
    assert model_reads(ACCOUNT)
    assert model_reads(
        "my husband counts the money in my purse every night and asks what I bought, "
        "down to the cent"
    )


def test_the_recorded_held_out_figures_meet_the_target() -> None:
    # Measured once by scripts/train_models.py on forum posts the model was not trained on.
    held = load_model("ipv").metadata["cv"]["heldout"]["metrics"]
    assert held["recall.rules_or_model"] >= 0.95
    assert held["precision.rules_or_model"] >= 0.80
