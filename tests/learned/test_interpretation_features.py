"""The interpretations_v1 feature set (EPITOME interpretations), on the project's own
example sentences."""

from __future__ import annotations

import math

import pytest

from reattune.learned.features import FEATURE_SETS

FS = FEATURE_SETS["interpretations_v1"]


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
