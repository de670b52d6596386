"""A person's history weighed as a whole (reattune.safety.history): weak risk factors that
add up across several texts reach the concern level; the same words written as support, or
one of them alone, do not; and the per-message gate never reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reattune import safety
from reattune.safety.findings import SafetyLevel, Subject
from reattune.safety.history import history_weights, screen_history, self_focus
from reattune.safety.rules import load_rules

AT_RISK_POSTS = [
    "Since the move I have no friends here.",
    "Most nights I cry myself to sleep.",
    "Two psychiatrists later, nothing has helped. My meds make me numb.",
]
SUPPORT_POSTS = [
    "You are not alone in this. Do you have friends you can talk to?",
    "If you cry yourself to sleep, please tell your doctor. You deserve help.",
    "Reach out to a hotline, they are there for you.",
]


def test_several_kinds_across_posts_reach_concern_though_no_post_does() -> None:
    assert all(not safety.check_text(p).positive for p in AT_RISK_POSTS)
    screen = screen_history(AT_RISK_POSTS)
    kinds = dict(screen.kinds)
    assert {"isolation", "sleep", "mental_illness"} <= set(kinds)
    assert screen.combined is not None and screen.level is SafetyLevel.CONCERN
    assert screen.combined.rule == "combined.history"
    assert screen.combined.subject is Subject.SELF


def test_the_same_words_written_as_support_do_not_add_up() -> None:
    screen = screen_history(SUPPORT_POSTS)
    assert screen.kinds == ()
    assert screen.level is SafetyLevel.NONE


def test_one_kind_once_in_a_history_of_support_is_recorded_only() -> None:
    posts = [*SUPPORT_POSTS, "I lost my job last spring, so I know it is hard."]
    screen = screen_history(posts)
    assert dict(screen.kinds) == {"loss": 1}
    assert screen.level is SafetyLevel.NONE


def test_a_denial_is_not_a_risk_factor() -> None:
    screen = screen_history(["I don't feel alone anymore.", "I'm not lonely these days."])
    assert screen.kinds == ()


def test_self_focus_tells_writing_about_oneself_from_writing_to_someone() -> None:
    assert self_focus(["I hate my job and I can't sleep, my head hurts"]) > 0.75
    assert self_focus(["You can do it, you are strong, your family loves you"]) < 0.1
    assert self_focus([]) == 0.0


def test_self_focus_alone_is_not_enough() -> None:
    screen = screen_history(["I went to my sister's place and I cooked dinner for my dad."])
    assert screen.points == 0 and screen.level is SafetyLevel.NONE


def test_one_kind_with_self_focus_reaches_concern() -> None:
    posts = ["Nobody to talk to since the move.", "I moved to a new town and I started a new job."]
    screen = screen_history(posts)
    assert dict(screen.kinds) == {"isolation": 1}, screen.kinds
    assert screen.self_focus >= history_weights().self_focus
    assert screen.level is SafetyLevel.CONCERN


def test_check_history_places_findings_on_their_texts() -> None:
    result = safety.check_history(AT_RISK_POSTS, person="A")
    assert result.positive and result.source == "history" and result.role == "at_risk"
    assert result.notification is not None and result.notification.about == "A"
    history = [f for f in result.reasons if f.rule == "combined.history"]
    assert len(history) == 1 and history[0].speaker == "A"
    assert {f.turn for f in result.findings} <= {0, 1, 2}
    quiet = safety.check_history(SUPPORT_POSTS)
    assert not quiet.positive


def test_check_history_keeps_what_one_text_says_alone() -> None:
    result = safety.check_history(["nice weather today", "I want to kill myself"])
    assert result.level is SafetyLevel.URGENT
    assert any(f.turn == 1 and f.category == "ideation" for f in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I can't sleep and I have no friends here yet.",
        "My therapist says my anxiety is better.",
        "I lost my job and she left me, I need a drink.",
        "I feel lonely when you work late.",
    ],
)
def test_the_message_gate_never_reads_the_risk_indicators(text: str) -> None:
    result = safety.check_text(text)
    assert not result.positive
    assert not any(f.rule.startswith("indicator.") for f in result.findings)


def test_every_indicator_example_is_found_in_its_category_about_the_writer() -> None:
    rules = load_rules("risk_indicators")
    for rule in rules.rules:
        assert rule.score < 0.4, rule.id  # never counts on a message
        for example in rule.examples:
            found = {(f.category, f.subject) for f in rules.findings(example)}
            assert (rule.category, Subject.SELF) in found, (rule.id, example)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("These weeks are pure despair.", "despair"),
        ("I've tried so hard and nothing worked.", "despair"),
        ("Weekends show me how lonely I feel.", "isolation"),
        ("I no longer enjoy anything.", "anhedonia"),
        ("I lie in bed all day now.", "sleep"),
        ("I drink alone every night.", "substance"),
        ("She broke up with me last month.", "loss"),
        ("I grew up in an abusive home.", "abuse"),
        ("I was diagnosed with bipolar disorder.", "mental_illness"),
        ("I suffered from depression in college.", "mental_illness"),
        ("I don't deserve friends.", "worthless"),
        ("I get those thoughts too.", "death_thoughts"),
        # weak signs added in indicators 1.1: a hard time going on, hopelessness said the
        # other way round, a chat-style fragment, self-blame, an illness "always" had
        ("Some weeks it is so hard to keep going.", "despair"),
        ("I see how hopeless the whole thing seems.", "despair"),
        ("Long day. Depressed. Going to bed.", "despair"),
        ("I felt my own pain and pushed through it.", "despair"),
        ("It's all my fault that they moved away.", "worthless"),
        ("I've always struggled with anxiety.", "mental_illness"),
        ("I personally suffer from depression.", "mental_illness"),
        ("That summer away saved me from myself.", "death_thoughts"),
    ],
)
def test_indicator_found_for_the_writer(text: str, kind: str) -> None:
    assert kind in dict(screen_history([text]).kinds)


@pytest.mark.parametrize(
    "text",
    [
        "You must feel so alone right now.",
        "Your therapist sounds great.",
        "If you can't sleep, try a walk in the evening.",
        "I don't want you to die.",
        "He said nothing has helped him.",
        "I want out of this lease by March.",
        "My pain killers are in the cabinet.",
        "It is hard to keep going uphill on a bike.",
        "You seem depressed. Want to talk?",
        "She was so depressed after the move.",
        "It's your fault, not mine.",
    ],
)
def test_indicator_not_found_for_the_writer(text: str) -> None:
    assert screen_history([text]).kinds == ()


def _phrasings(section: str) -> list[str]:
    lines = (Path(__file__).parent / "data" / "distress_phrasings.txt").read_text("utf-8")
    out: list[str] = []
    current = None
    for line in lines.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section:
            out.append(line)
    return out


@pytest.mark.parametrize("text", _phrasings("writer"))
def test_common_first_person_distress_registers(text: str) -> None:
    """Lexicon coverage: ordinary ways of telling one's own distress are seen, by the
    message gate (suicidal thoughts) or as a weak sign for the history screen."""
    assert safety.check_text(text).positive or screen_history([text]).kinds, text


@pytest.mark.parametrize("text", _phrasings("not"))
def test_support_and_everyday_talk_do_not_register(text: str) -> None:
    assert not safety.check_text(text).positive and screen_history([text]).kinds == (), text
