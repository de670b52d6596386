"""Coaching text is never produced for what the safety gate flags, and coaching output
cannot be constructed outside a gated call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reattune import safety
from reattune.coach import Feedback, Rewrite, flooding, moments, organiser, review, timeout
from reattune.coach.exercises import Role
from reattune.coach.flooding import Decision, FloodingCheck
from reattune.coach.organiser import OrganisedMessage
from reattune.coach.rewrite import Candidate, CodedDraft, RuleRewriter
from tests.engine.builders import chat

FLAGGED = [
    "i want to kill myself",
    "He choked me last night. Why do you always do this?",
    "You never listen. I just want to die.",
]


class Spy(RuleRewriter):
    """Records whether the rewriter was ever asked for coaching text."""

    calls = 0

    def propose(self, draft: CodedDraft) -> list[Candidate]:
        Spy.calls += 1
        return super().propose(draft)


@pytest.mark.parametrize("draft", FLAGGED)
def test_a_flagged_draft_gets_no_coaching_text(draft: str) -> None:
    Spy.calls = 0
    result = review(draft, rewriter=Spy())
    assert isinstance(result, safety.SafetyResult) and result.positive
    assert result.message and result.resources
    assert Spy.calls == 0


def test_a_flagged_context_gets_no_coaching_text() -> None:
    Spy.calls = 0
    context = chat(
        [("Ana", "20:00", "Why do you always do this?"), ("Ben", "20:05", "He hit me again")]
    )
    result = review("You never listen to me.", context, me="Ben", rewriter=Spy())
    assert isinstance(result, safety.SafetyResult) and result.positive
    assert Spy.calls == 0


def test_an_unflagged_draft_gets_coaching() -> None:
    assert isinstance(review("You never listen to me."), Feedback)


def test_other_coaching_functions_are_gated() -> None:
    note = "i want to kill myself"
    assert isinstance(organiser.organise({"need": note}), safety.SafetyResult)
    assert isinstance(flooding.check({}, note=note), safety.SafetyResult)
    assert isinstance(timeout.plan(20, note=note), safety.SafetyResult)
    assert isinstance(moments.checklist(note=note), safety.SafetyResult)
    assert isinstance(moments.reset(note=note), safety.SafetyResult)
    context = chat([("Ana", "20:00", "He choked me last night")])
    assert isinstance(timeout.plan(20, context=context, me="Ana"), safety.SafetyResult)


def test_coaching_output_cannot_be_constructed_outside_the_gate() -> None:
    now = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
    makers = [
        lambda: Rewrite(text="x", strategy="s", changes=(), scores=(), source="rules"),
        lambda: Feedback(
            findings=(), warnings=(), rewrites=(), rewriter="r", safety=safety.check("")
        ),
        lambda: OrganisedMessage(text="x", when="in 20 minutes", minutes=20),
        lambda: FloodingCheck(
            decision=Decision.PAUSE,
            reasons=(),
            advice="x",
            yes=0,
            heart_rate=None,
            resting_rate=None,
            exercises=(),
        ),
        lambda: timeout.TimeoutPlan(
            minutes=20,
            role=Role.WITHDRAWER,
            say="x",
            partner_says="x",
            return_says="x",
            during="x",
            begins=now,
            returns=now,
            reminders=(),
            exercises=(),
        ),
        lambda: moments.Checklist(topics=(), items=()),
        lambda: moments.Reset(minutes=20, steps=()),
    ]
    for make in makers:
        with pytest.raises(safety.GateBypassError):
            make()
