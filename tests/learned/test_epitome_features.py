"""The EPITOME feature sets interpretations_v1 and emotional_reactions_v1, on the project's
own example sentences."""

from __future__ import annotations

import math

import pytest

from reattune.learned.features import FEATURE_SETS

FS = FEATURE_SETS["interpretations_v1"]
ER = FEATURE_SETS["emotional_reactions_v1"]


def _values(text: str, context: str = "") -> dict[str, float]:
    values = FS.compute(text, context)
    assert len(values) == len(FS.names) == len(set(FS.names))
    return dict(zip(FS.names, values, strict=True))


GENERIC = "I know how you feel."
SPECIFIC_STORY = (
    "When my brother moved abroad I felt completely lost for months. I was sleeping all day, "
    "I had stopped calling anyone, and I went through a long stretch where cooking a meal felt "
    "impossible. What finally helped was a weekly walk with a neighbour, nothing fancy at all."
)
INFERRED = "That must be exhausting, it sounds like you're carrying all of it alone."
QUESTION = "What does your week usually look like?"


def test_generic_understanding_without_a_story_is_marked_as_such() -> None:
    v = _values(GENERIC)
    assert v["generic_understanding"] > 0
    assert v["generic_understanding_short"] == v["generic_understanding"]
    assert v["generic_understanding_no_story"] == v["generic_understanding"]
    assert v["shared_experience"] > 0  # "i know how you feel" is also a shared-experience cue
    assert v["past_first_person"] == 0
    assert v["very_short"] == 1.0
    assert v["opens_first_person"] == 1.0
    assert v["long_story"] == 0


def test_a_specific_shared_experience_is_a_long_first_person_story() -> None:
    v = _values(SPECIFIC_STORY)
    assert v["generic_understanding"] == 0
    assert v["past_first_person"] == 1.0  # three or more "I was / I had / I went ..."
    assert v["long_story"] == 1.0
    assert v["shared_experience"] > 0  # "went through"
    assert v["shared_experience_short"] == 0  # not a short reply
    assert v["very_short"] == 0
    assert v["first_person_ratio"] > 0.1


def test_inferred_feelings_are_counted_in_the_reply_and_its_first_sentence() -> None:
    v = _values(INFERRED)
    assert v["inferred_feeling"] > 0
    assert v["inferred_feeling_first"] > 0  # one sentence: the first is the whole reply
    assert v["first_person_ratio"] == 0
    later = _values("Thanks for posting. " + INFERRED)
    assert later["inferred_feeling"] == v["inferred_feeling"]
    assert later["inferred_feeling_first"] == 0


def test_a_question_about_the_other_without_self_reference() -> None:
    assert _values(QUESTION)["asks_without_self"] == 1.0
    assert _values("I wonder, what does your week look like?")["asks_without_self"] == 0.0


def test_generalising_and_we() -> None:
    v = _values("We all go through rough patches like this, a lot of people do.")
    assert v["generalising"] == 1.0  # "we all" and "a lot of people", capped at 2
    assert v["we_ratio"] > 0
    assert _values(GENERIC)["generalising"] == 0


def test_a_story_that_contains_a_generic_phrase_is_not_generic_only() -> None:
    v = _values("I understand. " + SPECIFIC_STORY)
    assert v["generic_understanding"] > 0
    assert v["generic_understanding_no_story"] == 0  # the story (narrative 1.0) cancels it
    assert v["generic_understanding_short"] == 0


@pytest.mark.parametrize("text", ["", " ", "?", "Σ ΣΑΣ", "x" * 300, "same, same, same. me too"])
def test_values_are_finite_and_bounded(text: str) -> None:
    values = FS.compute(text, "some post")
    assert all(math.isfinite(x) and 0.0 <= x <= 1.0 for x in values)


def test_context_is_ignored() -> None:
    assert FS.compute(INFERRED, "") == FS.compute(INFERRED, "a very different seeker post")


def _emotions(text: str) -> dict[str, float]:
    values = ER.compute(text, "a seeker post")
    assert len(values) == len(ER.names) == len(set(ER.names))
    return dict(zip(ER.names, values, strict=True))


def test_a_strong_intensified_emotion_at_the_start() -> None:
    v = _emotions("I'm so sorry, that breaks my heart! Nobody deserves to be treated that way.")
    assert v["strong_emotion"] > 0  # "so sorry", "breaks my heart"
    assert v["strong_emotion_first"] > 0
    assert v["intensified_emotion"] > 0  # "so sorry"
    assert v["opens_sorry"] == 0.0  # only a plain "sorry" / "I'm sorry" opening counts
    assert _emotions("Sorry you are going through this.")["opens_sorry"] == 1.0
    assert v["strong_emotion_exclaimed"] == v["strong_emotion"]
    assert v["sorry_count"] > 0


def test_a_short_generic_emotion_is_weak_only() -> None:
    v = _emotions("That sucks. Hang in there.")
    assert v["strong_emotion"] == 0
    assert v["intensified_emotion"] == 0
    assert v["weak_emotion"] > 0
    assert v["weak_emotion_first"] > 0  # "that sucks" opens the reply
    assert v["weak_emotion_short"] == v["weak_emotion"]
    assert v["opens_sorry"] == 0


def test_no_emotion_in_plain_advice() -> None:
    v = _emotions("Try writing down three things you did each day and look at the list weekly.")
    assert not any(v.values())


def test_emotion_later_in_a_long_reply() -> None:
    text = (
        "Try a walk after dinner, it gets you out of the house and away from the screen for "
        "a while, which helped a friend of mine a lot. Honestly, this makes me sad, really sad."
    )
    v = _emotions(text)
    assert v["strong_emotion"] > 0 and v["strong_emotion_first"] == 0
    assert v["intensified_emotion"] > 0  # "really sad"
    assert v["weak_emotion_short"] == 0  # a long reply


@pytest.mark.parametrize("text", ["", " ", "!", "Σ ΣΑΣ", "sorry " * 50, "<3 <3"])
def test_emotion_values_are_finite_and_bounded(text: str) -> None:
    assert all(math.isfinite(x) and 0.0 <= x <= 1.0 for x in ER.compute(text, ""))


EX = FEATURE_SETS["explorations_v1"]
POST = "My sister stopped talking to me after the wedding and I keep replaying the argument."


def _explore(text: str, context: str = POST) -> dict[str, float]:
    values = EX.compute(text, context)
    assert len(values) == len(EX.names) == len(set(EX.names))
    return dict(zip(EX.names, values, strict=True))


def test_a_specific_question_about_the_seeker_s_story() -> None:
    v = _explore("What did your sister say about the argument when you last spoke?")
    assert v["questions"] > 0 and v["opens_with_question"] == 1.0
    assert v["questions_about_you"] > 0
    assert v["question_overlap_with_post"] > 0  # "sister", "argument"
    assert v["long_question_about_you"] == 1.0
    assert v["generic_question"] == 0
    # the overlap is with the seeker's post: another post shares none of the words
    assert (
        _explore("What did your sister say?", "I lost my job.")["question_overlap_with_post"] == 0
    )


def test_a_short_generic_question() -> None:
    v = _explore("That is rough. Want to talk?")
    assert v["generic_question"] > 0
    assert v["generic_short_question"] == v["generic_question"]
    assert v["opens_with_question"] == 0  # the question is the second sentence
    assert v["long_question_about_you"] == 0


def test_questions_about_feelings_and_advice_questions() -> None:
    v = _explore("How do you feel about her now? Have you tried writing to her?")
    assert v["questions"] == pytest.approx(2 / 3)
    assert v["questions_about_feelings"] > 0
    assert v["advice_questions"] > 0


def test_no_question_no_exploration() -> None:
    v = _explore("Give it time, families usually come around.")
    assert not any(v.values())


@pytest.mark.parametrize("text", ["", " ", "?", "???", "Σ ΣΑΣ?", "why? " * 40])
def test_exploration_values_are_finite_and_bounded(text: str) -> None:
    assert all(math.isfinite(x) and 0.0 <= x <= 1.0 for x in EX.compute(text, POST))
