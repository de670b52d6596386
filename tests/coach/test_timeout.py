"""The time-out protocol: every transition, valid and invalid, the script, reminders,
soothing, and adherence over many breaks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reattune.coach import timeout as to
from reattune.coach.exercises import Role
from reattune.errors import (
    BreakDurationError,
    CoachInputError,
    TimeoutTransitionError,
)

T0 = datetime(2026, 3, 14, 20, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def honoured(minutes: int = 20, back_after: float = 20) -> to.TimeOut:
    t = to.request("Ben", T0, minutes)
    t = to.agree(t, at(1))
    t = to.start(t, at(1))
    return to.come_back(t, at(1 + back_after))


def test_the_happy_path_request_agree_start_return() -> None:
    t = to.request("Ben", T0)
    assert t.state is to.BreakState.REQUESTED and t.minutes == 20
    t = to.agree(t, at(1))
    assert t.state is to.BreakState.AGREED
    t = to.start(t, at(2))
    assert t.state is to.BreakState.ON_BREAK and t.due == at(22)
    t = to.come_back(t, at(21))
    assert t.state is to.BreakState.RETURNED
    assert t.actual_minutes == 19 and t.outcome is to.Outcome.EARLY
    assert honoured().outcome is to.Outcome.ON_TIME
    assert honoured(back_after=24).outcome is to.Outcome.ON_TIME  # within 25 %
    assert honoured(back_after=26).outcome is to.Outcome.LATE


def test_the_partner_may_agree_to_another_length_within_bounds() -> None:
    t = to.agree(to.request("Ben", T0, 20), at(1), minutes=45)
    assert t.minutes == 45
    with pytest.raises(BreakDurationError):
        to.agree(to.request("Ben", T0, 20), at(1), minutes=10)


def test_returning_from_a_break_never_agreed_is_an_error() -> None:
    with pytest.raises(TimeoutTransitionError, match="never agreed") as info:
        to.come_back(to.request("Ben", T0), at(25))
    assert info.value.code == "E302" and info.value.expected


@pytest.mark.parametrize(("minutes", "shown"), [(3, "3 minutes"), (30 * 60, "30 hours")])
def test_durations_outside_20_minutes_to_24_hours_are_errors(minutes: int, shown: str) -> None:
    with pytest.raises(BreakDurationError, match=shown) as info:
        to.request("Ben", T0, minutes)
    assert info.value.code == "E303"
    assert "20 minutes to 24 hours" in str(info.value)


@pytest.mark.parametrize("minutes", [20, 60, 24 * 60])
def test_the_bounds_themselves_are_allowed(minutes: int) -> None:
    assert to.request("Ben", T0, minutes).minutes == minutes


def test_steps_out_of_order_are_errors() -> None:
    requested = to.request("Ben", T0)
    agreed = to.agree(requested, at(1))
    on_break = to.start(agreed, at(1))
    back = to.come_back(on_break, at(21))
    cases = [
        (lambda: to.start(requested, at(2)), "once it is agreed"),
        (lambda: to.come_back(agreed, at(21)), "has not started"),
        (lambda: to.agree(agreed, at(2)), "only a requested break"),
        (lambda: to.agree(on_break, at(2)), "only a requested break"),
        (lambda: to.start(on_break, at(2)), "cannot start"),
        (lambda: to.come_back(back, at(30)), "already returned"),
        (lambda: to.expire(back, at(3000)), "already returned"),
        (lambda: to.come_back(on_break, at(0)), "before the previous one"),
        (lambda: to.expire(on_break, at(60)), "not expired yet"),
    ]
    for step, message in cases:
        with pytest.raises(TimeoutTransitionError, match=message):
            step()


def test_a_break_expires_24_hours_after_its_agreed_end() -> None:
    on_break = to.start(to.agree(to.request("Ben", T0), at(1)), at(1))
    deadline = at(21 + 24 * 60)
    assert on_break.deadline == deadline
    assert to.status(on_break, deadline - timedelta(seconds=1)).state is to.BreakState.ON_BREAK
    assert to.status(on_break, deadline).state is to.BreakState.EXPIRED
    expired = to.expire(on_break, deadline)
    assert expired.state is to.BreakState.EXPIRED
    with pytest.raises(TimeoutTransitionError, match="expired"):
        to.come_back(on_break, deadline + timedelta(minutes=1))
    with pytest.raises(TimeoutTransitionError):
        to.come_back(expired, deadline + timedelta(minutes=1))


def test_times_must_carry_a_zone_and_a_requester() -> None:
    with pytest.raises(CoachInputError, match="time zone"):
        to.request("Ben", datetime(2026, 3, 14, 20, 0))
    with pytest.raises(CoachInputError):
        to.request(" ", T0)


def test_a_break_round_trips_through_its_log_form() -> None:
    t = honoured()
    assert to.TimeOut.from_dict(t.to_dict()) == t
    with pytest.raises(CoachInputError):
        to.TimeOut.from_dict({"requester": "Ben", "minutes": 20})
    with pytest.raises(BreakDurationError):
        to.TimeOut.from_dict({**t.to_dict(), "minutes": 3})


def test_the_plan_says_the_script_with_the_return_time() -> None:
    plan = to.plan(at=T0)
    assert isinstance(plan, to.TimeoutPlan)
    assert plan.say == (
        "I'm feeling overwhelmed and need a 20-minute break. I care about this and I will "
        "come back at 20:20."
    )
    assert plan.returns == at(20)
    assert [r.at for r in plan.reminders] == [at(10), at(15), at(20)]
    hour = to.plan(60, at=T0)
    assert isinstance(hour, to.TimeoutPlan) and "a 1-hour break" in hour.say
    plain = to.plan()
    assert isinstance(plain, to.TimeoutPlan) and plain.reminders == ()
    assert plain.say.endswith("I will come back.")


def test_soothing_is_timed_and_differs_by_role() -> None:
    w = to.plan(20, role="withdrawer")
    p = to.plan(20, role="pursuer")
    assert isinstance(w, to.TimeoutPlan) and isinstance(p, to.TimeoutPlan)
    assert w.role is Role.WITHDRAWER and p.role is Role.PURSUER
    ids_w = [s.exercise.id for s in w.exercises]
    ids_p = [s.exercise.id for s in p.exercises]
    assert "breathing-4-7-8" in ids_w and "breathing-4-7-8" in ids_p
    assert "orienting" in ids_w and "urge-surfing" in ids_p and "urge-surfing" not in ids_w
    breathing = w.exercises[0].exercise
    assert [s.seconds for s in breathing.steps] == [4, 7, 8] and breathing.seconds == 76
    offsets = [s.offset_seconds for s in w.exercises]
    assert offsets == sorted(offsets) and offsets[0] == 0
    last = w.exercises[-1]
    assert last.offset_seconds + last.exercise.seconds <= 20 * 60 // 2
    with pytest.raises(CoachInputError):
        to.plan(20, role="referee")


def test_adherence_over_many_breaks() -> None:
    breaks = [
        honoured(),
        honoured(30, back_after=31),
        honoured(back_after=40),  # late
        honoured(back_after=10),  # early
        to.request("Ana", T0),  # never agreed, still open at the end
        to.start(to.agree(to.request("Ana", T0), at(1)), at(2)),  # nobody came back
    ]
    stats = to.adherence(breaks, at(3 * 24 * 60))
    assert stats.breaks == 6 and stats.agreed == 5 and stats.returned == 4
    assert (stats.on_time, stats.late, stats.early) == (2, 1, 1)
    assert stats.expired == 2 and stats.open == 0
    assert stats.on_time_rate == 0.5
    assert stats.return_rate == pytest.approx(4 / 6)
    assert stats.mean_actual_minutes == pytest.approx((20 + 31 + 40 + 10) / 4, abs=0.06)
    assert to.adherence([]).on_time_rate is None
