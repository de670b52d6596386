"""The partner-violence detector on first-person sentences: each category, the combinations
(gun with abuse), and what must stay below the concern level (negation, jokes, play and
sport, a relationship that is over, location shared by agreement, heated arguments)."""

from __future__ import annotations

import pytest

from reattune.safety.findings import SafetyLevel, Subject
from reattune.safety.violence import detect_violence


def top(text: str) -> tuple[str | None, SafetyLevel, Subject | None]:
    counted = [f for f in detect_violence(text) if f.counts]
    if not counted:
        return None, SafetyLevel.NONE, None
    best = max(counted, key=lambda f: f.score)
    return best.category, best.level, best.subject


def counted_categories(text: str) -> set[str]:
    return {f.category for f in detect_violence(text) if f.counts}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("He pinned me by the throat against the fridge.", "strangulation"),
        ("Held me down on the bed by my shoulders and screamed at me.", "physical"),
        ("She shoved me into the wall when I tried to walk away.", "physical"),
        ("He threw a plate at me.", "physical"),
        ("he beat me up so bad i couldn't go to work", "physical"),
        ("My boyfriend won't let me see my friends anymore.", "isolation"),
        ("He makes me share my location all the time.", "monitoring"),
        ("Found an AirTag taped inside the wheel well of my car.", "monitoring"),
        ("My husband took my paycheck and gave me twenty bucks.", "financial"),
        ("Walking on eggshells doesn't even cover it.", "fear"),
        ("I've started rehearsing what I say so I don't set him off.", "fear"),
        ("He'd kill me if he knew I was posting this.", "threat"),
        ("He threatened to take the kids if I ever leave.", "children_pets"),
        ("He gets me to have sex by saying he'll cheat if I don't.", "sexual"),
        ("He punched a hole in the wall next to my head.", "intimidation"),
        ("He keeps telling me I'd be nothing without him, no one else would want me.", "emotional"),
        ("My partner has a rule that I send a selfie whenever I arrive somewhere.", "control"),
    ],
)
def test_each_sign_is_counted_in_its_category(text: str, category: str) -> None:
    assert category in counted_categories(text)


def test_strangulation_is_an_emergency_for_the_writer() -> None:
    category, level, subject = top("My boyfriend choked me last night.")
    assert (category, level, subject) == ("strangulation", SafetyLevel.EMERGENCY, Subject.SELF)


def test_strangulation_of_someone_else_is_about_them() -> None:
    assert top("he choked my sister")[2] is Subject.OTHER


def test_a_gun_alone_is_recorded_but_with_abuse_it_is_an_emergency() -> None:
    alone = detect_violence("My husband bought a gun for hunting season, it's locked in a safe.")
    assert alone and not any(f.counts for f in alone)
    both = detect_violence("He keeps a gun in the truck. He slapped me last week.")
    gun = [f for f in both if f.rule == "weapon.access"]
    assert gun and gun[0].level is SafetyLevel.EMERGENCY and "combined" in gun[0].tags


def test_a_gun_shown_during_fights_counts_alone() -> None:
    assert "threat" in counted_categories(
        "He keeps a gun in the nightstand and reminds me it's there when we argue."
    )


def test_violence_with_control_is_raised_one_step() -> None:
    found = detect_violence("He takes my whole paycheck and he shoved me.")
    assert any("combined" in f.tags for f in found)


@pytest.mark.parametrize(
    "text",
    [
        "He has never hit me and never would. We just argue about money a lot.",
        "I could kill him for eating my leftovers lol",
        "ugh I'm going to kill you for spoiling the finale 😂",
        "She's going to kill me when she sees I dented the car haha",
        "He tackled me in flag football and I have a bruise lol",
        "My husband and I play-wrestle all the time, he pinned me on the couch and tickled me.",
        "She threw a pillow at me during our pillow fight.",
        "My boyfriend shoved me into the pool at his birthday, everyone was laughing.",
        "In the movie the husband strangles his wife, it was so hard to watch.",
        "My last boyfriend used to choke me. I got out five years ago, he moved away, and "
        "there's been no contact since. My husband now has never raised his voice.",
        "We both share our locations with each other, it makes us feel safer when we travel.",
        "We had a huge fight last night, both of us yelled, then we talked it out.",
        "We argued about the dishes and I slammed the door. Not my finest moment.",
        "I walk on eggshells around my boss since the layoffs started.",
        "My husband reads my texts to me when I'm driving.",
        "He grabbed my hand and we ran to catch the bus.",
    ],
)
def test_not_counted(text: str) -> None:
    assert top(text)[1] is SafetyLevel.NONE


def test_a_past_relationship_is_still_counted_when_it_goes_on() -> None:
    text = "I left him three years ago but he's still texting my mom and showing up at my work."
    assert top(text)[1] >= SafetyLevel.CONCERN


def test_a_joke_is_recorded_not_dropped() -> None:
    found = detect_violence("I'll kill you if you leave lol")
    assert found and all("joking" in f.tags for f in found if f.category == "threat")


def test_the_lexicons_own_examples_are_counted() -> None:
    from reattune.safety.rules import load_rules

    for rule in load_rules("violence").rules:
        if rule.subject == "nobody" or rule.id == "weapon.access":
            continue
        for example in rule.examples:
            assert any(f.counts for f in detect_violence(example)), (rule.id, example)
