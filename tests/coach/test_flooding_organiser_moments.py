"""The flooding check, the withdrawer's organiser and the structured moments."""

from __future__ import annotations

from datetime import date

import pytest

from reattune.coach import flooding, moments, organiser
from reattune.coach.exercises import Role
from reattune.errors import BreakDurationError, CoachInputError


def check(answers: dict[str, bool], **kw: object) -> flooding.FloodingCheck:
    result = flooding.check(answers, **kw)  # type: ignore[arg-type]
    assert isinstance(result, flooding.FloodingCheck)
    return result


def test_the_questions_are_data_with_ids() -> None:
    ids = [q.id for q in flooding.questions()]
    assert len(ids) >= 4 and len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("answers", "hr", "rest", "pause"),
    [
        ({}, None, None, False),
        ({"heart": True}, None, None, False),
        ({"heart": True, "urge": True}, None, None, True),
        ({}, 101, None, True),
        ({}, 100, None, False),
        ({}, 77, 70, True),  # exactly 10 % over resting
        ({}, 76, 70, False),
        ({"heart": False, "thinking": False}, 80, None, False),
    ],
)
def test_pause_now_or_continue_gently(
    answers: dict[str, bool], hr: float | None, rest: float | None, pause: bool
) -> None:
    result = check(answers, heart_rate=hr, resting_rate=rest)
    assert result.pause is pause
    assert result.decision is (
        flooding.Decision.PAUSE if pause else flooding.Decision.CONTINUE_GENTLY
    )
    assert bool(result.exercises) is pause
    if pause:
        assert result.reasons and "Pause now" in result.advice


def test_flooding_input_errors() -> None:
    with pytest.raises(CoachInputError, match="unknown flooding question"):
        flooding.check({"nope": True})
    with pytest.raises(CoachInputError, match="not plausible"):
        flooding.check({}, heart_rate=400)
    with pytest.raises(CoachInputError):
        flooding.check({}, heart_rate=90, resting_rate=5)


def test_the_pursuers_exercises_when_the_role_is_given() -> None:
    result = check({"heart": True, "urge": True}, role="pursuer")
    assert result.exercises and all(Role.PURSUER in e.roles for e in result.exercises)
    withdrawer = check({"heart": True, "urge": True}, role="withdrawer")
    assert all(Role.WITHDRAWER in e.roles for e in withdrawer.exercises)
    assert [e.id for e in withdrawer.exercises] != [e.id for e in result.exercises]


def organise(answers: dict[str, str]) -> organiser.OrganisedMessage:
    result = organiser.organise(answers)
    assert isinstance(result, organiser.OrganisedMessage)
    return result


def test_short_answers_become_a_short_message_with_a_return_time() -> None:
    m = organise(
        {
            "body": "My chest is tight",
            "fear": "I'm afraid I'll say something I regret",
            "need": "some quiet to sort my thoughts",
            "when": "30 minutes",
        }
    )
    assert m.text == (
        "I want to answer you properly. I notice my chest is tight. I'm afraid I'll say "
        "something I regret. I need some quiet to sort my thoughts. I care about this and I "
        "will come back to it in 30 minutes."
    )
    assert m.minutes == 30 and len(m.text) < 240


def test_the_organiser_always_gives_a_return_time() -> None:
    m = organise({"need": "a walk"})
    assert m.when == "in 20 minutes" and m.text.endswith("come back to it in 20 minutes.")
    assert organise({"when": "8pm"}).when == "at 8pm"
    assert organise({"when": "tomorrow after work"}).when == "tomorrow after work"


def test_organiser_errors() -> None:
    with pytest.raises(BreakDurationError):
        organiser.organise({"when": "in 5 minutes"})
    with pytest.raises(CoachInputError, match="unknown organiser"):
        organiser.organise({"mood": "bad"})
    with pytest.raises(CoachInputError, match="short answer"):
        organiser.organise({"need": "x" * 1000})
    assert [p.id for p in organiser.prompts()] == ["body", "fear", "need", "when"]


def test_the_pre_talk_checklist_covers_the_four_topics() -> None:
    full = moments.checklist()
    assert isinstance(full, moments.Checklist)
    assert set(full.topics) == {"trust", "money", "intimacy", "the future"}
    money = moments.checklist(["Money"])
    assert isinstance(money, moments.Checklist)
    assert {t for t, _ in money.items} == {"before you start", "money"}
    with pytest.raises(CoachInputError):
        moments.checklist(["chores"])


def test_the_reset_takes_twenty_minutes_in_order() -> None:
    reset = moments.reset()
    assert isinstance(reset, moments.Reset)
    ends = [s.minute + s.minutes for s in reset.steps]
    assert reset.steps[0].minute == 0 and ends[-1] == reset.minutes == 20
    assert all(
        a.minute + a.minutes == b.minute for a, b in zip(reset.steps, reset.steps[1:], strict=False)
    )


def test_practices_are_tracked_with_weekly_targets_and_streaks() -> None:
    log = [("breathing", date(2026, 1, d)) for d in (1, 2, 3, 5, 6, 7, 7)]
    log += [("name-the-loop", date(2026, 1, 7))]
    progress = {p.practice.id: p for p in moments.progress(log, date(2026, 1, 7))}
    b = progress["breathing"]
    assert (b.done_this_week, b.streak_days, b.total, b.met) == (6, 3, 6, True)
    loop = progress["name-the-loop"]
    assert (loop.done_this_week, loop.met) == (1, False)
    assert progress["check-in"].done_this_week == 0
    yesterday = moments.progress([("check-in", date(2026, 1, 6))], date(2026, 1, 7))
    assert {p.practice.id: p for p in yesterday}["check-in"].streak_days == 1
    with pytest.raises(CoachInputError):
        moments.progress([("juggling", date(2026, 1, 1))], date(2026, 1, 7))
