"""The flooding check: a few self-report questions and an optional heart rate → pause now,
or continue gently (thresholds in ``data/coach/protocol.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reattune import safety
from reattune.coach.data import load
from reattune.coach.exercises import Exercise, Role, for_role, role_of
from reattune.errors import CoachInputError

MIN_BPM = 30
MAX_BPM = 250


class Decision(StrEnum):
    PAUSE = "pause"
    CONTINUE_GENTLY = "continue_gently"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str


def questions() -> tuple[Question, ...]:
    """The self-report questions, asked yes or no."""
    return tuple(Question(q["id"], q["text"]) for q in load("protocol")["flooding"]["question"])


@dataclass(frozen=True, kw_only=True)
class FloodingCheck(safety.Cleared):
    """The decision, the reasons for it, what to do, and exercises for now."""

    decision: Decision
    reasons: tuple[str, ...]
    advice: str
    yes: int
    heart_rate: int | None
    resting_rate: int | None
    exercises: tuple[Exercise, ...]

    @property
    def pause(self) -> bool:
        return self.decision is Decision.PAUSE

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "reasons": list(self.reasons),
            "advice": self.advice,
            "yes": self.yes,
            "heart_rate": self.heart_rate,
            "resting_rate": self.resting_rate,
            "exercises": [e.to_dict() for e in self.exercises],
        }


def _rate(value: float | None, what: str) -> int | None:
    if value is None:
        return None
    if not MIN_BPM <= value <= MAX_BPM:
        raise CoachInputError(
            f"a {what} of {value:g} beats per minute is not plausible",
            expected=f"{MIN_BPM} to {MAX_BPM} beats per minute",
        )
    return round(value)


def _exercises(role: str | None) -> tuple[Exercise, ...]:
    """Two exercises for now: the role's own, or those that suit both roles."""
    if role is None:
        both = set(for_role(Role.WITHDRAWER)) & set(for_role(Role.PURSUER))
        return tuple(e for e in for_role(Role.WITHDRAWER) if e in both)[:2]
    return for_role(role_of(role))[:2]


def _screen(
    answers: Mapping[str, bool],
    *,
    heart_rate: float | None = None,
    resting_rate: float | None = None,
    note: str | None = None,
    role: str | None = None,
    locale: str | None = None,
) -> safety.SafetyResult:
    return safety.check(note or "", locale=locale)


@safety.gated(_screen)
def check(
    answers: Mapping[str, bool],
    *,
    heart_rate: float | None = None,
    resting_rate: float | None = None,
    note: str | None = None,
    role: str | None = None,
    locale: str | None = None,
) -> FloodingCheck:
    """Decide from the answers (question id → yes/no; unknown ids are an error, missing ones
    count as no), the heart rate (above 100 bpm, or 10 % over the resting rate) and an
    optional free-text ``note`` (screened by the safety gate)."""
    cfg = load("protocol")["flooding"]
    known = {q.id: q for q in questions()}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise CoachInputError(
            f"unknown flooding question(s): {', '.join(unknown)}",
            expected="one of: " + ", ".join(known),
        )
    hr = _rate(heart_rate, "heart rate")
    rest = _rate(resting_rate, "resting heart rate")
    reasons: list[str] = []
    if hr is not None and hr > int(cfg["heart_rate_limit"]):
        reasons.append(f"heart rate {hr} bpm is above {cfg['heart_rate_limit']}")
    elif hr is not None and rest is not None and hr >= rest * (1 + float(cfg["over_resting"])):
        reasons.append(
            f"heart rate {hr} bpm is {round(100 * (hr / rest - 1))} % over your resting {rest}"
        )
    yes = [known[q] for q, v in answers.items() if v]
    if len(yes) >= int(cfg["yes_to_pause"]):
        reasons.append(f"{len(yes)} signs of flooding: " + "; ".join(q.id for q in yes))
    decision = Decision.PAUSE if reasons else Decision.CONTINUE_GENTLY
    if not reasons and yes:
        reasons.append(f"1 sign of flooding ({yes[0].id}): keep an eye on it")
    return FloodingCheck(
        decision=decision,
        reasons=tuple(reasons),
        advice=cfg["pause"] if decision is Decision.PAUSE else cfg["gently"],
        yes=len(yes),
        heart_rate=hr,
        resting_rate=rest,
        exercises=_exercises(role) if decision is Decision.PAUSE else (),
    )
