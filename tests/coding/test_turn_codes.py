"""Each coder on hand-written text: text → expected codes and spans, tricky cases included."""

from __future__ import annotations

import pytest

from reattune.coding import code_turns
from reattune.coding import text as tx
from reattune.model import ConversationKind
from tests.engine.builders import chat


def codes_of(text: str) -> dict[str, list[str]]:
    """Codes of a single turn said after a neutral partner question, with their quoted spans."""
    conv = chat([("Ana", "10:00", "Can we talk about the weekend?"), ("Ben", "10:01", text)])
    spans = code_turns(conv.turns, ConversationKind.CHAT)[-1]
    out: dict[str, list[str]] = {}
    for s in spans:
        out.setdefault(s.code, []).append(conv.turns[-1].text[s.start : s.end])
    return out


@pytest.mark.parametrize(
    ("text", "code", "span"),
    [
        ("You always leave your stuff everywhere", "pursue.blame", "You always leave"),
        ("you alwasy do this", "pursue.blame", "you alwasy do"),  # typo
        ("What's wrong with you", "pursue.blame", "What's wrong with you"),
        ("What’s wrong with you", "pursue.blame", "What’s wrong with you"),  # curly apostrophe
        ("you're so selfish", "pursue.blame", "you're so selfish"),
        ("You need to call your mother back", "pursue.pressure", "You need to"),
        ("Can you just answer the question", "pursue.pressure", "Can you just"),
        ("I don't want to talk about this now", "withdraw.shutdown", "I don't want to talk"),
        ("I, um, I don't want to talk", "withdraw.shutdown", "I don't want to talk"),
        ("Do whatever you want", "withdraw.shutdown", "Do whatever you want"),
        ("not now", "withdraw.avoid", "not now"),
        ("nothing's wrong", "withdraw.deny", "nothing's wrong"),
        ("idk", "withdraw.deny", "idk"),
        ("it is what it is", "withdraw.noncommittal", "it is what it is"),
        ("I'm going to bed", "withdraw.exit", "I'm going to bed"),
        ("Great job, genius", "horseman.contempt", "Great job"),
        ("you're pathetic", "horseman.contempt", "pathetic"),
        ("🙄", "horseman.contempt", "🙄"),
        ("Yeah but you never help either", "horseman.defensiveness", "Yeah but"),
        ("It wasn't my fault", "horseman.defensiveness", "It wasn't my fault"),
        ("I feel lonely when you stay late", "antidote.gentle_startup", "I feel lonely when"),
        ("Thank you for cooking", "antidote.appreciation", "Thank you"),
        ("You're right, my part was forgetting", "antidote.responsibility", "You're right"),
        ("I need a minute to breathe", "antidote.self_soothing", "I need a minute"),
        ("I'm so sorry for what I said", "repair.attempt", "I'm so sorry"),
        ("can we slow down", "repair.attempt", "can we slow down"),
        ("That makes sense. I hear you", "validation", "That makes sense"),
        ("Tell me more about that", "interest", "Tell me more"),
        ("my mind went blank", "flooding", "my mind went blank"),
        ("I can't think straight", "flooding", "I can't think straight"),
        ("My heart is pounding", "flooding", "My heart is pounding"),
        ("I think we're in our loop again", "cycle.naming", "we're in our loop again"),
        ("I'm starting to shut down", "cycle.naming", "I'm starting to shut down"),
        ("I need a break, back in 20 minutes", "break.request", "I need a break"),
        (
            "Why can't you ever listen? Do you even care? What is wrong with you?",
            "pursue.question_stack",
            "Why can't you ever listen? Do you even care? What is wrong with you?",
        ),
        (
            "why would you do that\ndo you even care",
            "pursue.question_stack",
            "why would you do that\ndo you even care",
        ),  # questions without question marks
        ("You NEVER listen", "pursue.escalation", "NEVER"),
        ("I'm done with this!!!", "pursue.escalation", "!!!"),
        ("I'm done with you", "pursue.escalation", "I'm done with you"),
        ("this is such bullshit", "pursue.escalation", "bullshit"),
    ],
)
def test_code_fires_on_its_span(text: str, code: str, span: str) -> None:
    found = codes_of(text)
    assert code in found, f"{code} not in {found}"
    assert span in found[code]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("I'm not saying you always do this", "pursue.blame"),  # negation
        ("It's not that you never help", "pursue.blame"),
        ('She said "you always do this" and laughed', "pursue.blame"),  # quoted speech
        ("I can't think of a place for dinner", "flooding"),
        ("OK", "pursue.escalation"),  # a short all-caps word is not shouting
        ("Thank you, I appreciate it", "pursue.blame"),
        ("I love you", "horseman.contempt"),
        ("Can you pick up milk on the way?", "pursue.pressure"),
    ],
)
def test_code_does_not_fire(text: str, code: str) -> None:
    assert code not in codes_of(text)


def test_every_span_maps_into_the_turn_and_explains_itself() -> None:
    text = "Why do you ALWAYS do this?? You're so selfish. I'm sorry. I need a break"
    conv = chat([("Ana", "10:00", "Can we talk?"), ("Ben", "10:01", text)])
    for spans in code_turns(conv.turns, ConversationKind.CHAT):
        for s in spans:
            assert 0 <= s.start < s.end <= len(conv.turns[s.turn].text)
            assert s.explanation and s.ref and 0 < s.score <= 1


def test_chat_shorthand_tokens() -> None:
    assert tx.tokens("k") == ("k",)
    assert tx.tokens("um, uh, ok") == ("ok",)
    assert tx.is_only_emoji("😒")
    assert not tx.is_only_emoji("ok 😒")


def _pair(prompt: str, reply: str) -> set[str]:
    conv = chat([("Ana", "20:00", prompt), ("Ben", "20:05", reply)])
    return {s.code for s in code_turns(conv.turns, ConversationKind.CHAT)[1]}


@pytest.mark.parametrize("reply", ["k", "kk", "ok", "fine", "whatever", "wtv", "idk", "😒", "…"])
def test_minimal_reply_after_a_loaded_turn(reply: str) -> None:
    prompt = "Why do you always do this? I feel like you don't care about us at all anymore"
    assert "withdraw.minimal" in _pair(prompt, reply)


@pytest.mark.parametrize("reply", ["ok", "sure", "k"])
def test_minimal_reply_to_logistics_is_not_withdrawal(reply: str) -> None:
    assert "withdraw.minimal" not in _pair("Grab milk on the way home", reply)


def test_a_reply_that_takes_up_content_is_not_minimal() -> None:
    prompt = "Why do you always work so late? I feel like you don't care about us at all"
    assert "withdraw.minimal" not in _pair(prompt, "work is crazy")


def test_defensiveness_is_stronger_after_criticism() -> None:
    def score(prompt: str) -> float:
        conv = chat([("Ana", "20:00", prompt), ("Ben", "20:01", "Yeah but you do it too")])
        spans = code_turns(conv.turns, ConversationKind.CHAT)[1]
        return max(s.score for s in spans if s.code == "horseman.defensiveness")

    assert score("You always leave a mess, you're so lazy") > score("Dinner is at seven")


def test_bid_in_silence_needs_silence() -> None:
    quick = chat([("Ana", "20:00", "did you see my message?"), ("Ben", "20:00:30", "yes")])
    silent = chat(
        [("Ben", "19:00", "busy"), ("Ana", "20:00", "hello??"), ("Ana", "20:30", "answer me")]
    )
    assert "pursue.bid_in_silence" not in {
        s.code for s in code_turns(quick.turns, ConversationKind.CHAT)[1]
    }
    silent_codes = code_turns(silent.turns, ConversationKind.CHAT)
    assert "pursue.bid_in_silence" in {s.code for s in silent_codes[1]}
    assert "pursue.bid_in_silence" in {s.code for s in silent_codes[2]}


def test_break_agree_needs_a_request() -> None:
    conv = chat(
        [
            ("Ana", "20:00", "I'm getting flooded. I need a break, back in 30 minutes"),
            ("Ben", "20:01", "Ok, 8:30 then, take your time"),
        ]
    )
    spans = code_turns(conv.turns, ConversationKind.CHAT)
    assert "break.agree" in {s.code for s in spans[1]}
    alone = chat([("Ana", "20:00", "dinner?"), ("Ben", "20:01", "Ok, 8:30 then, take your time")])
    assert "break.agree" not in {s.code for s in code_turns(alone.turns, ConversationKind.CHAT)[1]}


def test_criticism_mirrors_blame() -> None:
    codes = codes_of("You never listen to me")
    assert codes["horseman.criticism"] == codes["pursue.blame"]
