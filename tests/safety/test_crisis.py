"""The crisis detector on the cases that decide recall and false alarms: whose risk a phrase
is (the writer, someone else, support), negation, quotation, chat and veiled forms, past
attempts, and plans with means and timing."""

from __future__ import annotations

import pytest

from reattune.safety.crisis import detect_crisis
from reattune.safety.findings import SafetyLevel, Subject
from reattune.safety.gate import writer_level
from reattune.safety.rules import denied, load_rules


def _writer(text: str) -> SafetyLevel:
    return writer_level(detect_crisis(text))


def _counted(text: str) -> set[tuple[str, Subject]]:
    """Category and subject of every finding that counts."""
    return {(f.category, f.subject) for f in detect_crisis(text) if f.counts}


@pytest.mark.parametrize(
    ("text", "category", "subject"),
    [
        # first person, chat forms and misspellings
        ("I want to kill myself", "ideation", Subject.SELF),
        ("honestly kms", "ideation", Subject.SELF),
        ("been thinking about unaliving myself", "ideation", Subject.SELF),
        ("ngl i wanna ctb", "ideation", Subject.SELF),
        ("thinking about sewerslide again", "ideation", Subject.SELF),
        ("im so sucidal tonight", "intent", Subject.SELF),
        # veiled forms
        ("Everyone would be better off without me.", "passive", Subject.SELF),
        ("I won't be around much longer.", "passive", Subject.SELF),
        ("I'm worth more dead than alive.", "passive", Subject.SELF),
        ("I dont see a way out.", "passive", Subject.SELF),
        ("I have tried everything. What does my death change then?", "passive", Subject.SELF),
        ("I've lost the will to live.", "passive", Subject.SELF),
        # negated acts and double negation still tell of the thought
        (
            "The only reason I didnt kill myself tonight was that I kept putting it off.",
            "ideation",
            Subject.SELF,
        ),
        (
            "Not one day has gone by without me crying and considering suicide.",
            "ideation",
            Subject.SELF,
        ),
        (
            "Hardly a day goes by that I dont have thoughts of self-harm.",
            "ideation",
            Subject.SELF,
        ),
        ("I'm not brave enough to end it.", "ideation", Subject.SELF),
        ("I'm too scared to kill myself.", "ideation", Subject.SELF),
        ("I'm not going to kill myself today or tomorrow.", "ideation", Subject.SELF),
        # plans told in the past, attempts, self-harm
        ("For months I had been planning my own suicide.", "plan", Subject.SELF),
        ("I tried to kill myself last year.", "attempt", Subject.SELF),
        ("After my second attempt I spent a week in hospital.", "attempt", Subject.SELF),
        ("I use to cut a lot too.", "self_harm", Subject.SELF),
        ("I will be one of the 5,000 to kill themselves. I am 13.", "ideation", Subject.SELF),
        # the data's concept names ("like" -> "Hyperactive behavior", "hurt" -> "Pain")
        ("I feel Hyperactive behavior a burden to everyone.", "passive", Subject.SELF),
        ("it made me want to Pain myself even more", "self_harm", Subject.SELF),
        # someone else at risk
        ("My partner said he wants to kill himself.", "reported", Subject.OTHER),
    ],
)
def test_counted(text: str, category: str, subject: Subject) -> None:
    assert (category, subject) in _counted(text)


@pytest.mark.parametrize(
    "text",
    [
        # support and general talk
        "Please don't hurt yourself.",
        "Please dont kill yourself, you matter.",
        "Are you thinking about suicide? Call 988.",
        "If you cant see a way out right now, make finding one the first thing you do.",
        "You might feel Hyperactive behavior a burden at the moment, but you arent one.",
        "Suicide would be a permanent answer to a problem that will pass.",
        "People who are suicidal often feel alone.",
        "I lost my brother to suicide last year.",
        "Dont give up on life yet.",
        # explicit denial
        "I'm not suicidal, just tired.",
        "I would never kill myself.",
        "I don't want to die.",
        "I wasnt suicidal, but it showed me my passion.",
        "I havent seriously thought about suicide for more than five years.",
        # ordinary speech
        "This commute is killing me lol",
        "I cut the pills in half to make them last.",
        "I want to end things with him.",
        "I'd rather die than sing karaoke.",
    ],
)
def test_not_counted_for_writer(text: str) -> None:
    assert _writer(text) is SafetyLevel.NONE


def test_quoting_someone_else_moves_the_risk_to_them() -> None:
    findings = detect_crisis('My sister texted me "I want to kill myself" last night.')
    assert writer_level(findings) is SafetyLevel.NONE
    assert any(f.subject is Subject.OTHER and f.counts for f in findings)


def test_reply_quote_is_the_other_persons_words() -> None:
    findings = detect_crisis("&gt; Im worth more dead than alive.\n\nYou are not. Talk to me.")
    assert writer_level(findings) is SafetyLevel.NONE


@pytest.mark.parametrize(
    "text",
    [
        "I have a plan to kill myself and I've been saving my pills.",
        "I want to kill myself tonight.",
        "I'm going to kill myself.",
        "I know exactly how I'd do it.",
        "I held the knife to my wrist.",
    ],
)
def test_plans_with_means_or_timing_are_emergencies(text: str) -> None:
    assert _writer(text) is SafetyLevel.EMERGENCY


def test_means_alone_are_recorded_not_counted() -> None:
    assert _writer("I've been saving up my pills.") is SafetyLevel.NONE
    assert _writer("I just want to die. I've been saving up my pills.") is SafetyLevel.EMERGENCY


def test_denial_keeps_explicit_denials_and_drops_negated_acts() -> None:
    text = "i would never kill myself"
    assert denied(text, text.index("kill"), end=len(text))
    text = "the only reason i didnt kill myself is my dog"
    assert not denied(text, text.index("kill"), end=text.index(" is "))


def test_several_risk_factors_in_one_message_reach_concern() -> None:
    one = "I feel so worthless."
    two = "I feel so worthless. I've hit rock bottom and I hate myself."
    assert _writer(one) is SafetyLevel.NONE
    assert _writer(two) is SafetyLevel.CONCERN
    assert any(f.rule == "combined.risk_factors" for f in detect_crisis(two))


def test_every_lexicon_example_is_found_in_its_category() -> None:
    rules = load_rules("crisis")
    for rule in rules.rules:
        for example in rule.examples:
            found = {f.category for f in rules.findings(example)}
            assert rule.category in found, (rule.id, example)


def test_negated_act_with_a_time_is_an_emergency() -> None:
    text = "The only reason I didnt kill myself tonight was that I kept putting it off."
    assert _writer(text) is SafetyLevel.EMERGENCY


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # an attempt cut short by the means failing (interrupted or aborted attempt)
        ("When I tried, the gun misfired.", "attempt"),
        ("The rope snapped and I just lay there.", "attempt"),
        # an overdose told by its count, also with the data's concept names ("Ache killers")
        ("I took over 40 sleeping pills last night.", "attempt"),
        ("Last spring I took 60 or 70 ache killers from the cabinet.", "attempt"),
        ("I had a suicide scare in March.", "attempt"),
        # the wish to be dead, suicidal thoughts in other words
        ("Some nights I crave death.", "passive"),
        ("If I don't end my life soon, nothing will change.", "ideation"),
        ("Lately I've been entertaining suicidal thoughts.", "ideation"),
        ("Writing about my suicidal thoughts helps a bit.", "ideation"),
        # an attempt named by its method, a means one is drawn to use on oneself (1.4)
        ("Two years ago I survived a failed overdose attempt.", "attempt"),
        ("After my botched hanging attempt I stopped talking to anyone.", "attempt"),
        ("If we kept a gun at home I'd be temped to use it on myself.", "means"),
        ("I keep wanting to use the pills on myself.", "means"),
        # not brave enough "to do" (the act left unsaid), thoughts not acted on
        ("I think about it, but I'm not brave enough to do.", "ideation"),
        ("So far I haven't been able to follow through with my thoughts.", "ideation"),
    ],
)
def test_new_rules_count_for_the_writer(text: str, category: str) -> None:
    assert (category, Subject.SELF) in _counted(text)


@pytest.mark.parametrize(
    "text",
    [
        "His rifle jammed on the hunting trip.",
        "The printer jammed again.",
        "I took 2 ibuprofen pills for my headache.",
        "My brother had a suicide scare last year.",
        "You say you crave death, please talk to me.",
        "If I end my life's work here I can finally retire.",
        "You keep entertaining suicidal thoughts, please call someone.",
        "We can talk about your suicidal thoughts whenever you want.",
        "My second attempt at the driving test went fine.",
        "I want to use the razor on myself before the party, my beard is a mess.",
        "I'm not brave enough to do karaoke.",
        "I couldn't follow through with my plan to learn Spanish.",
        "Please don't use the knife on yourself.",
    ],
)
def test_new_rules_not_counted_for_writer(text: str) -> None:
    assert _writer(text) is SafetyLevel.NONE


# --------------------------------------------------------------------------- whose risk is it
@pytest.mark.parametrize(
    "text",
    [
        "Her suicide attempt last year still scares me",
        "His suicide attempt was in March.",
        "her second suicide attempt",
        "her fourth suicide attempt",
        "his most recent suicide attempt",
        "Sarah's suicide attempt changed everything.",
        "their suicide attempt",
        "my sister's suicide attempt",
        "her thoughts of suicide keep me up at night",
        "her urges to self harm",
        "she said she wants to die",
        "He said he wants to die.",
        "She was hospitalized for trying to kill herself.",
        "He left a suicide note.",
        "She said goodbye forever.",
        "he is a former cutter",
    ],
)
def test_someone_elses_risk_is_reported_not_the_writers(text: str) -> None:
    findings = detect_crisis(text)
    assert writer_level(findings) is SafetyLevel.NONE
    reported = [f for f in findings if f.subject is Subject.OTHER and f.counts]
    assert reported, text


@pytest.mark.parametrize(
    "text",
    ["His overdose was in March.", "my sister's cutting", "Do you have a plan to end it?"],
)
def test_someone_elses_words_never_put_the_writer_at_risk(text: str) -> None:
    assert _writer(text) is SafetyLevel.NONE


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("my suicide attempt", SafetyLevel.URGENT),
        ("I overdosed", SafetyLevel.URGENT),
        ("I want to die", SafetyLevel.URGENT),
        ("kms", SafetyLevel.URGENT),
        ("after my second suicide attempt I was in hospital", SafetyLevel.URGENT),
        ("I have a plan to kill myself", SafetyLevel.EMERGENCY),
        ("I wrote my goodbye letters", SafetyLevel.EMERGENCY),
        ("I was hospitalized after my overdose", SafetyLevel.URGENT),
        ("I was a cutter for years", SafetyLevel.CONCERN),
        # another person named in the sentence, the risk still the writer's
        ("Her leaving made me want to die.", SafetyLevel.URGENT),
        ("I told her I want to die.", SafetyLevel.URGENT),
        ("I told her suicide is always on my mind", SafetyLevel.URGENT),
        ("Her suicide attempt last year and now I want to die too", SafetyLevel.URGENT),
    ],
)
def test_first_person_is_still_the_writers(text: str, level: SafetyLevel) -> None:
    assert _writer(text) is level


# --------------------------------------------------------------------------- timing and denial
@pytest.mark.parametrize(
    ("timed", "untimed"),
    [
        ("I'm not going to kill myself today.", "I'm not going to kill myself."),
        ("I won't kill myself tonight, don't worry.", "I won't kill myself, don't worry."),
        ("i won't kms tonight lol", "i won't kms lol"),
        ("I'm not going to try to kill myself tonight.", "I'm not going to try to kill myself."),
        ("I don't want to die today.", "I don't want to die."),
    ],
)
def test_a_time_never_turns_a_denial_into_intent(timed: str, untimed: str) -> None:
    # Denied for now only: still a concern a clinician would ask about, never imminent,
    # and no time rule raises it.
    findings = detect_crisis(timed)
    assert writer_level(findings) is SafetyLevel.CONCERN
    assert not any(f.rule == "combined.timing" for f in findings)
    assert any("not_now" in f.tags for f in findings)
    assert _writer(untimed) is SafetyLevel.NONE


def test_the_denied_time_does_not_time_another_thought() -> None:
    text = "I'm not going to kill myself today but I want to die"
    findings = detect_crisis(text)
    assert writer_level(findings) is SafetyLevel.URGENT
    assert not any(f.rule == "combined.timing" for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to kill myself tonight",
        "I want to kill myself tonight.",
        "I'm not going to kill myself today, maybe next week.",
        "I wont kill myself today or tomorrow. Probably sometime next week.",
        "The only reason I didnt kill myself tonight was that I kept putting it off.",
    ],
)
def test_timed_intent_and_postponement_stay_emergencies(text: str) -> None:
    assert _writer(text) is SafetyLevel.EMERGENCY


def test_recent_words_never_raise_a_denial() -> None:
    # "again" would read a denied future attempt as a recent one
    assert _writer("I would never try to kill myself again") is SafetyLevel.NONE
    assert _writer("I tried to kill myself again last night") is SafetyLevel.EMERGENCY


def test_the_gate_answers_a_worry_about_someone_else_as_such() -> None:
    from reattune import safety

    result = safety.check("Her suicide attempt last year still scares me", person="Maya")
    assert result.level is SafetyLevel.CONCERN
    assert "someone you care about" in result.message
    assert all(f.subject is Subject.OTHER for f in result.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "His overdose was in March.",
        "my sister's cutting got worse",
        "her self-harm scares me",
        "she cuts herself when we fight",
        "she cuts herself and hides it",
        "he cuts himself with a razor",
        "my sister self-harms",
        "she hurts herself on purpose",
    ],
)
def test_someone_elses_self_harm_or_overdose_is_reported_not_the_writers(text: str) -> None:
    findings = detect_crisis(text)
    assert any(f.category == "reported" and f.subject is Subject.OTHER for f in findings)
    assert writer_level(findings) is SafetyLevel.NONE


@pytest.mark.parametrize(
    "text",
    [
        "her cutting remarks hurt me",
        "she cuts the bread",
        "he burns the toast every time",
        "she hurts herself at work sometimes",
        "they hurt themselves playing football",
        "my son cuts his own hair",
    ],
)
def test_ordinary_cutting_burning_and_hurting_are_not_reported_risk(text: str) -> None:
    assert not [f for f in detect_crisis(text) if f.category == "reported"]
