"""coach.review: each finding with its span and why, context warnings, and input errors."""

from __future__ import annotations

import pytest

from reattune import safety
from reattune.coach import Feedback, review
from reattune.errors import CoachInputError
from tests.engine.builders import chat


def feedback(draft: str, context: object = None, **kw: object) -> Feedback:
    result = review(draft, context, **kw)  # type: ignore[arg-type]
    assert isinstance(result, Feedback), result
    return result


@pytest.mark.parametrize(
    ("draft", "code", "span"),
    [
        (
            "Why can't you ever listen? Do you even care? What is wrong with you?",
            "pursue.question_stack",
            "Why can't you ever listen? Do you even care? What is wrong with you?",
        ),
        ("You always leave your stuff everywhere", "pursue.blame", "You always leave"),
        ("You never listen to me.", "pursue.blame", "You never listen"),
        ("You're so selfish.", "pursue.blame", "You're so selfish"),
        ("Great job, genius. You forgot the tickets again.", "horseman.contempt", "Great job"),
        ("You're pathetic.", "horseman.contempt", "pathetic"),
        ("You NEVER help with the kids!!!", "pursue.escalation", "!!!"),
        ("You NEVER help with the kids!!!", "pursue.escalation", "NEVER"),
        ("I'm so done with you.", "pursue.escalation", "I'm so done with you"),
        ("You need to call your mother back.", "pursue.pressure", "You need to"),
        ("Can you just for once do the dishes?", "pursue.pressure", "Can you just"),
        ("Hello?? Are you there??", "pursue.bid_in_silence", "Hello??"),
        ("Let's talk later.", "withdraw.avoid", "Let's talk later"),
        ("Not now.", "withdraw.avoid", "Not now"),
        ("k", "withdraw.minimal", "k"),
        ("whatever", "withdraw.minimal", "whatever"),
        ("I don't want to talk about it.", "withdraw.shutdown", "I don't want to talk"),
        ("I'm going to bed.", "withdraw.exit", "I'm going to bed"),
    ],
)
def test_each_finding_has_its_span_and_a_why(draft: str, code: str, span: str) -> None:
    fb = feedback(draft)
    hits = [f for f in fb.findings if f.code == code]
    assert hits, [f.code for f in fb.findings]
    assert span in [draft[f.start : f.end] for f in hits]
    for f in hits:
        assert f.why and "\n" not in f.why and len(f.why) < 160
        assert 0 < f.score <= 1


def test_criticism_is_not_reported_twice_and_calm_drafts_have_no_findings() -> None:
    assert [f.code for f in feedback("You never listen to me.").findings] == ["pursue.blame"]
    calm = feedback("I feel lonely when you work late. Can we have dinner on Thursday?")
    assert calm.findings == () and calm.rewrites == ()


def test_a_postponement_with_a_return_time_is_not_a_finding() -> None:
    assert any(f.code == "withdraw.avoid" for f in feedback("Let's talk later.").findings)
    timed = feedback("Let's talk later, at 8pm.")
    assert not any(f.code == "withdraw.avoid" for f in timed.findings)


def test_a_vague_demand_and_a_concrete_one_get_different_whys() -> None:
    vague = feedback("You need to change.").findings[0]
    concrete = feedback("You need to call the plumber at 9am.").findings[0]
    assert vague.code == concrete.code == "pursue.pressure"
    assert "no concrete ask" in vague.why
    assert vague.why != concrete.why


def test_findings_come_in_draft_order_and_json_has_the_fields() -> None:
    fb = feedback("You NEVER help with the kids!!! Why? What is wrong with you?")
    starts = [f.start for f in fb.findings]
    assert starts == sorted(starts)
    data = fb.to_dict()
    assert set(data) == {"findings", "warnings", "rewrites", "rewriter", "safety"}
    assert {"code", "start", "end", "why"} <= set(data["findings"][0])
    assert data["safety"]["positive"] is False


# --- context ------------------------------------------------------------------------------


def test_a_third_unanswered_message_is_warned_about() -> None:
    context = chat(
        [
            ("Ana", "20:00", "Are you coming home for dinner?"),
            ("Ben", "20:05", "Late meeting"),
            ("Ana", "20:06", "Again?"),
            ("Ana", "20:40", "Hello??"),
        ]
    )
    fb = feedback("Are you even reading these?", context, me="Ana")
    warned = {w.kind: w.message for w in fb.warnings}
    assert "third_bid" in warned and "message 3" in warned["third_bid"]
    once = chat([("Ana", "20:00", "Dinner?"), ("Ben", "20:05", "Late"), ("Ana", "20:06", "ok")])
    assert not feedback("See you later then", once, me="Ana").warnings


def test_a_flooded_partner_is_warned_about() -> None:
    context = chat(
        [
            ("Ana", "20:00", "Why do you always do this?"),
            ("Ben", "20:01", "My heart is pounding and I can't think straight"),
        ]
    )
    fb = feedback("We need to finish this now", context, me="ana")  # names match any case
    kinds = [w.kind for w in fb.warnings]
    assert kinds == ["partner_flooded"]
    assert "20:01" in fb.warnings[0].message


def test_a_partner_on_a_break_is_warned_about_until_the_agreed_time() -> None:
    rows = [
        ("Ana", "20:00", "Why do you keep doing this?"),
        ("Ben", "20:01", "I need a break, can we come back to this in 30 minutes?"),
        ("Ana", "20:02", "ok"),
    ]
    context = chat(rows)
    fb = feedback("Are you calmer now?", context, me="Ana")
    assert "partner_on_break" in [w.kind for w in fb.warnings]
    assert "until 20:31" in next(w.message for w in fb.warnings if w.kind == "partner_on_break")
    later = chat([*rows, ("Ana", "21:30", "I'm here")])
    assert "partner_on_break" not in [w.kind for w in feedback("hi", later, me="Ana").warnings]
    back = chat([*rows, ("Ben", "20:35", "I'm back, I'm calmer now. Can we continue?")])
    assert not any("break" in w.kind for w in feedback("Yes", back, me="Ana").warnings)


def test_your_own_break_is_named_as_yours() -> None:
    context = chat(
        [
            ("Ana", "20:00", "I need a break, back in 20 minutes"),
            ("Ben", "20:01", "ok"),
        ]
    )
    fb = feedback("Actually one more thing", context, me="Ana")
    assert [w.kind for w in fb.warnings] == ["you_on_break"]


def test_context_codes_the_draft_as_the_next_turn() -> None:
    context = chat(
        [
            ("Ben", "19:58", "I'm home late tonight"),
            ("Ana", "20:00", "Why do you always do this? Do you even care about us at all?"),
        ]
    )
    fb = feedback("k", context, me="Ben")
    assert "withdraw.minimal" in [f.code for f in fb.findings]
    alone = feedback("I'm home late tonight")
    assert alone.findings == ()


def test_who_you_are_must_be_clear_in_a_two_person_context() -> None:
    context = chat([("Ana", "20:00", "Dinner?"), ("Ben", "20:05", "Late")])
    with pytest.raises(CoachInputError, match="say which one you are"):
        review("ok", context)
    with pytest.raises(CoachInputError, match="not a speaker"):
        review("ok", context, me="Zoe")


@pytest.mark.parametrize("draft", ["", "   \n"])
def test_an_empty_draft_is_a_catalogued_error(draft: str) -> None:
    with pytest.raises(CoachInputError) as info:
        review(draft)
    assert info.value.code == "E301"


def test_a_flagged_draft_gives_the_safety_result() -> None:
    result = review("i want to kill myself")
    assert isinstance(result, safety.SafetyResult) and result.positive
