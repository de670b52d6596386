"""The time-out protocol: a pure state machine over one break, the script to say it,
reminders, soothing during it, and adherence over many breaks.

    requested ──agree──▶ agreed ──start──▶ on break ──come back──▶ returned
        └──────────────────┴───────────────────┴──(24 h past the agreed end)──▶ expired

Durations run from 20 minutes to 24 hours (default 20). Every step takes the time it
happens (timezone-aware; nothing here reads the clock) and returns a new :class:`TimeOut`;
a step out of order raises :class:`~reattune.errors.TimeoutTransitionError` and a duration
out of bounds :class:`~reattune.errors.BreakDurationError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import mean
from typing import Any

from reattune import safety
from reattune.coach.data import load
from reattune.coach.exercises import Exercise, Role, for_role, role_of
from reattune.errors import BreakDurationError, CoachInputError, TimeoutTransitionError
from reattune.model import Conversation


def _cfg() -> dict[str, Any]:
    cfg: dict[str, Any] = load("protocol")["timeout"]
    return cfg


DEFAULT_MINUTES = 20
MIN_MINUTES = 20
MAX_MINUTES = 24 * 60


class BreakState(StrEnum):
    REQUESTED = "requested"
    AGREED = "agreed"
    ON_BREAK = "on_break"
    RETURNED = "returned"
    EXPIRED = "expired"


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    EARLY = "early"
    """Came back before the agreed time: too soon to calm down."""


def check_minutes(minutes: float) -> int:
    """A break's length in whole minutes, or :class:`BreakDurationError`."""
    if math.isnan(minutes) or minutes < MIN_MINUTES or minutes > MAX_MINUTES:
        shown = f"{minutes:g} minutes" if minutes < 120 else f"{minutes / 60:g} hours"
        raise BreakDurationError(
            f"a break of {shown} is outside the protocol",
            expected="20 minutes to 24 hours: long enough for the body to calm down, short "
            "enough to be a promise",
        )
    return round(minutes)


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise CoachInputError("times need a time zone", expected="an aware datetime")
    return at


@dataclass(frozen=True, slots=True)
class TimeOut:
    """One break, at one point of the protocol."""

    requester: str
    minutes: int
    state: BreakState
    requested_at: datetime
    agreed_at: datetime | None = None
    started_at: datetime | None = None
    returned_at: datetime | None = None
    expired_at: datetime | None = None

    @property
    def due(self) -> datetime:
        """When the requester promised to come back."""
        begin = self.started_at or self.agreed_at or self.requested_at
        return begin + timedelta(minutes=self.minutes)

    @property
    def deadline(self) -> datetime:
        """After this the break has expired (24 hours past the agreed end)."""
        return self.due + timedelta(minutes=int(_cfg()["expire_after_minutes"]))

    @property
    def last_event(self) -> datetime:
        return max(
            t
            for t in (
                self.requested_at,
                self.agreed_at,
                self.started_at,
                self.returned_at,
                self.expired_at,
            )
            if t is not None
        )

    @property
    def actual_minutes(self) -> float | None:
        if self.started_at is None or self.returned_at is None:
            return None
        return (self.returned_at - self.started_at).total_seconds() / 60

    @property
    def outcome(self) -> Outcome | None:
        actual = self.actual_minutes
        if actual is None:
            return None
        if actual < self.minutes - 1e-9:
            return Outcome.EARLY
        if actual > self.minutes * (1 + float(_cfg()["late_tolerance"])):
            return Outcome.LATE
        return Outcome.ON_TIME

    def to_dict(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "requester": self.requester,
            "minutes": self.minutes,
            "state": self.state.value,
            "requested_at": iso(self.requested_at),
            "agreed_at": iso(self.agreed_at),
            "started_at": iso(self.started_at),
            "returned_at": iso(self.returned_at),
            "expired_at": iso(self.expired_at),
            "due": iso(self.due),
            "actual_minutes": self.actual_minutes,
            "outcome": None if self.outcome is None else self.outcome.value,
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> TimeOut:
        """A break read back from :meth:`to_dict` (a break log), checked."""
        try:

            def when(key: str) -> datetime | None:
                raw = data.get(key)
                return None if raw is None else _aware(datetime.fromisoformat(str(raw)))

            requested = when("requested_at")
            if requested is None:
                raise ValueError("requested_at")
            return TimeOut(
                requester=str(data["requester"]),
                minutes=check_minutes(float(data["minutes"])),
                state=BreakState(data["state"]),
                requested_at=requested,
                agreed_at=when("agreed_at"),
                started_at=when("started_at"),
                returned_at=when("returned_at"),
                expired_at=when("expired_at"),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CoachInputError(
                "a break in the log could not be read", expected="a log written by reattune"
            ) from exc


def _after(t: TimeOut, at: datetime) -> datetime:
    _aware(at)
    if at < t.last_event:
        raise TimeoutTransitionError(
            "a step of the break cannot happen before the previous one",
            expected=f"a time after {t.last_event.isoformat()}",
        )
    return at


def _not_expired(t: TimeOut, at: datetime, step: str) -> None:
    if at >= t.deadline:
        raise TimeoutTransitionError(
            f"cannot {step}: the break expired 24 hours after its agreed end",
            expected="a new break request",
        )


def request(requester: str, at: datetime, minutes: float = DEFAULT_MINUTES) -> TimeOut:
    """Ask for a break of ``minutes`` (20 minutes to 24 hours)."""
    if not requester.strip():
        raise CoachInputError("a break needs the name of who asks for it", expected="a name")
    return TimeOut(requester, check_minutes(minutes), BreakState.REQUESTED, _aware(at))


def agree(t: TimeOut, at: datetime, minutes: float | None = None) -> TimeOut:
    """The partner agrees (optionally to a different length, still within bounds)."""
    if t.state is not BreakState.REQUESTED:
        raise TimeoutTransitionError(
            f"only a requested break can be agreed; this one is {t.state.value}",
            expected="request first",
        )
    at = _after(t, at)
    _not_expired(t, at, "agree")
    length = t.minutes if minutes is None else check_minutes(minutes)
    return replace(t, state=BreakState.AGREED, agreed_at=at, minutes=length)


def start(t: TimeOut, at: datetime) -> TimeOut:
    """The break begins (both stop talking about the topic)."""
    if t.state is BreakState.REQUESTED:
        raise TimeoutTransitionError(
            "a break starts once it is agreed", expected="the partner's agreement first"
        )
    if t.state is not BreakState.AGREED:
        raise TimeoutTransitionError(
            f"this break cannot start: it is {t.state.value}", expected="an agreed break"
        )
    at = _after(t, at)
    _not_expired(t, at, "start")
    return replace(t, state=BreakState.ON_BREAK, started_at=at)


def come_back(t: TimeOut, at: datetime) -> TimeOut:
    """The requester returns to the conversation."""
    if t.state is BreakState.REQUESTED:
        raise TimeoutTransitionError(
            "cannot return from a break that was never agreed",
            expected="agree, then start the break; or talk now without one",
        )
    if t.state is BreakState.AGREED:
        raise TimeoutTransitionError(
            "cannot return from a break that has not started", expected="start the break first"
        )
    if t.state is not BreakState.ON_BREAK:
        raise TimeoutTransitionError(
            f"cannot return: the break is already {t.state.value}", expected="a break in progress"
        )
    at = _after(t, at)
    _not_expired(t, at, "return")
    return replace(t, state=BreakState.RETURNED, returned_at=at)


def expire(t: TimeOut, at: datetime) -> TimeOut:
    """Mark a break that nobody came back from as expired (24 hours past the agreed end)."""
    if t.state in (BreakState.RETURNED, BreakState.EXPIRED):
        raise TimeoutTransitionError(
            f"the break is already {t.state.value}", expected="a break in progress"
        )
    at = _after(t, at)
    if at < t.deadline:
        raise TimeoutTransitionError(
            "the break has not expired yet", expected=f"after {t.deadline.isoformat()}"
        )
    return replace(t, state=BreakState.EXPIRED, expired_at=at)


def status(t: TimeOut, at: datetime) -> TimeOut:
    """The break as of ``at``: expired when its deadline has passed, else unchanged."""
    if t.state not in (BreakState.RETURNED, BreakState.EXPIRED) and _aware(at) >= t.deadline:
        return replace(t, state=BreakState.EXPIRED, expired_at=t.deadline)
    return t


# --- what to say and do ---------------------------------------------------------------------


def duration_words(minutes: int) -> str:
    """ "20-minute", "1-hour", "90-minute", "24-hour"."""
    if minutes % 60 == 0:
        return f"{minutes // 60}-hour"
    return f"{minutes}-minute"


@dataclass(frozen=True, slots=True)
class Reminder:
    at: datetime
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"at": self.at.isoformat(), "text": self.text}


def reminders(begin: datetime, minutes: int) -> tuple[Reminder, ...]:
    """Reminder times over a break that begins at ``begin``: halfway, five minutes before
    the end, and the end."""
    out: list[Reminder] = []
    for r in _cfg()["reminder"]:
        if "fraction" in r:
            offset = timedelta(minutes=minutes * float(r["fraction"]))
        else:
            offset = timedelta(minutes=minutes - int(r["minutes_before_end"]))
        out.append(Reminder(begin + offset, str(r["text"])))
    out.sort(key=lambda r: r.at)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Scheduled:
    """An exercise placed at an offset from the break's start."""

    exercise: Exercise
    offset_seconds: int

    def to_dict(self) -> dict[str, Any]:
        return {"offset_seconds": self.offset_seconds, **self.exercise.to_dict()}


def soothing(role: Role, minutes: int) -> tuple[Scheduled, ...]:
    """The role's exercises back to back from the start, with a quiet minute between,
    as far as the first half of the break allows (the second half is for rest)."""
    budget = minutes * 60 // 2
    out: list[Scheduled] = []
    t = 0
    for e in for_role(role):
        if t + e.seconds > budget and out:
            break
        out.append(Scheduled(e, t))
        t += e.seconds + 60
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class TimeoutPlan(safety.Cleared):
    """What to say, what to do during, and when to be reminded."""

    minutes: int
    role: Role
    say: str
    partner_says: str
    return_says: str
    during: str
    begins: datetime | None
    returns: datetime | None
    reminders: tuple[Reminder, ...]
    exercises: tuple[Scheduled, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "role": self.role.value,
            "say": self.say,
            "partner_says": self.partner_says,
            "return_says": self.return_says,
            "during": self.during,
            "begins": None if self.begins is None else self.begins.isoformat(),
            "returns": None if self.returns is None else self.returns.isoformat(),
            "reminders": [r.to_dict() for r in self.reminders],
            "exercises": [e.to_dict() for e in self.exercises],
        }


def _screen_plan(
    minutes: float = DEFAULT_MINUTES,
    *,
    role: str = "withdrawer",
    at: datetime | None = None,
    note: str | None = None,
    context: Conversation | None = None,
    me: str | None = None,
    locale: str | None = None,
) -> safety.SafetyResult:
    result = safety.check(note or "", person=me, locale=locale)
    if result.positive or context is None:
        return result
    return safety.check(context, person=me, locale=locale)


@safety.gated(_screen_plan)
def plan(
    minutes: float = DEFAULT_MINUTES,
    *,
    role: str = "withdrawer",
    at: datetime | None = None,
    note: str | None = None,
    context: Conversation | None = None,
    me: str | None = None,
    locale: str | None = None,
) -> TimeoutPlan:
    """The script and plan for a break of ``minutes``; ``role`` picks the soothing
    exercises (the one who steps away, or the one who waits); with ``at`` (when the break
    begins) the return and reminder times. Gated on ``note`` and ``context``."""
    length = check_minutes(minutes)
    who = role_of(role)
    cfg = _cfg()
    begins = None if at is None else _aware(at)
    returns = None if begins is None else begins + timedelta(minutes=length)
    at_text = "" if returns is None else f" at {returns.strftime('%H:%M')}"
    words = duration_words(length)
    return TimeoutPlan(
        minutes=length,
        role=who,
        say=cfg["script"].format(duration=words, at=at_text),
        partner_says=cfg["agree_script"].format(duration=f"{words} break", at=at_text),
        return_says=cfg["return_script"],
        during=cfg["during"],
        begins=begins,
        returns=returns,
        reminders=() if begins is None else reminders(begins, length),
        exercises=soothing(who, length),
    )


# --- adherence over many breaks --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adherence:
    """How the protocol is used over many breaks."""

    breaks: int
    agreed: int
    returned: int
    on_time: int
    late: int
    early: int
    expired: int
    open: int
    mean_agreed_minutes: float | None
    mean_actual_minutes: float | None

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.returned else self.on_time / self.returned

    @property
    def return_rate(self) -> float | None:
        """Returned among breaks that were agreed and are over (returned or expired)."""
        over = self.returned + self.expired
        return None if not over else self.returned / over

    def to_dict(self) -> dict[str, Any]:
        return {
            "breaks": self.breaks,
            "agreed": self.agreed,
            "returned": self.returned,
            "on_time": self.on_time,
            "late": self.late,
            "early": self.early,
            "expired": self.expired,
            "open": self.open,
            "on_time_rate": self.on_time_rate,
            "return_rate": self.return_rate,
            "mean_agreed_minutes": self.mean_agreed_minutes,
            "mean_actual_minutes": self.mean_actual_minutes,
        }


def adherence(breaks: Sequence[TimeOut], at: datetime | None = None) -> Adherence:
    """Adherence statistics; with ``at``, breaks past their deadline count as expired."""
    items = [status(b, at) if at is not None else b for b in breaks]
    agreed = [b for b in items if b.agreed_at is not None]
    returned = [b for b in items if b.state is BreakState.RETURNED]
    outcomes = [b.outcome for b in returned]
    actual = [m for b in returned if (m := b.actual_minutes) is not None]
    return Adherence(
        breaks=len(items),
        agreed=len(agreed),
        returned=len(returned),
        on_time=outcomes.count(Outcome.ON_TIME),
        late=outcomes.count(Outcome.LATE),
        early=outcomes.count(Outcome.EARLY),
        expired=sum(b.state is BreakState.EXPIRED for b in items),
        open=sum(
            b.state in (BreakState.REQUESTED, BreakState.AGREED, BreakState.ON_BREAK) for b in items
        ),
        mean_agreed_minutes=round(mean(b.minutes for b in agreed), 1) if agreed else None,
        mean_actual_minutes=round(mean(actual), 1) if actual else None,
    )
