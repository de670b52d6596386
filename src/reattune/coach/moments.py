"""Structured moments: the pre-talk checklist (trust, money, intimacy, the future), the
20-minute after-conflict reset, and small between-session practices with tracking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reattune import safety
from reattune.coach.data import load
from reattune.errors import CoachInputError


def _cfg() -> dict[str, Any]:
    cfg: dict[str, Any] = load("protocol")["moments"]
    return cfg


def topics() -> tuple[str, ...]:
    return tuple(c["topic"] for c in _cfg()["checklist"])


@dataclass(frozen=True, kw_only=True)
class Checklist(safety.Cleared):
    """Questions to answer privately before a hard talk: general ones, then per topic."""

    topics: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    """(topic or "before you start", question)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": list(self.topics),
            "items": [{"topic": t, "item": i} for t, i in self.items],
        }


def _no_screen(*args: Any, **kwargs: Any) -> safety.SafetyResult:
    note = kwargs.get("note")
    return safety.check(note or "", locale=kwargs.get("locale"))


@safety.gated(_no_screen)
def checklist(
    chosen: Sequence[str] = (), *, note: str | None = None, locale: str | None = None
) -> Checklist:
    """The pre-talk checklist for the chosen topics (all four when none are chosen)."""
    known = topics()
    wanted = [t.lower() for t in chosen] or list(known)
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise CoachInputError(
            f"unknown checklist topic(s): {', '.join(unknown)}", expected=", ".join(known)
        )
    items = [("before you start", g["item"]) for g in _cfg()["general"]]
    for c in _cfg()["checklist"]:
        if c["topic"] in wanted:
            items += [(c["topic"], i) for i in c["items"]]
    return Checklist(topics=tuple(wanted), items=tuple(items))


@dataclass(frozen=True, slots=True)
class ResetStep:
    minute: int
    minutes: int
    step: str


@dataclass(frozen=True, kw_only=True)
class Reset(safety.Cleared):
    """The 20-minute after-conflict reset: timed steps, apart and then together."""

    minutes: int
    steps: tuple[ResetStep, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.minutes,
            "steps": [
                {"minute": s.minute, "minutes": s.minutes, "step": s.step} for s in self.steps
            ],
        }


@safety.gated(_no_screen)
def reset(*, note: str | None = None, locale: str | None = None) -> Reset:
    steps = tuple(
        ResetStep(int(s["minute"]), int(s["minutes"]), s["step"]) for s in _cfg()["reset"]
    )
    return Reset(minutes=int(_cfg()["reset_minutes"]), steps=steps)


@dataclass(frozen=True, slots=True)
class Practice:
    id: str
    title: str
    per_week: int


def practices() -> tuple[Practice, ...]:
    return tuple(Practice(p["id"], p["title"], int(p["per_week"])) for p in _cfg()["practice"])


@dataclass(frozen=True, slots=True)
class PracticeProgress:
    """One practice over the week ending on a day: done, the target, and the streak of
    consecutive days (ending that day or the day before)."""

    practice: Practice
    done_this_week: int
    streak_days: int
    total: int

    @property
    def met(self) -> bool:
        return self.done_this_week >= self.practice.per_week

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.practice.id,
            "title": self.practice.title,
            "per_week": self.practice.per_week,
            "done_this_week": self.done_this_week,
            "met": self.met,
            "streak_days": self.streak_days,
            "total": self.total,
        }


def progress(log: Iterable[tuple[str, date]], today: date) -> tuple[PracticeProgress, ...]:
    """Tracking from a log of (practice id, day done); a practice done twice a day counts
    once. Unknown ids are an error."""
    known = {p.id: p for p in practices()}
    days: dict[str, set[date]] = {p: set() for p in known}
    for pid, day in log:
        if pid not in known:
            raise CoachInputError(f"unknown practice {pid!r}", expected=", ".join(known))
        days[pid].add(day)
    out = []
    week = {today - timedelta(days=i) for i in range(7)}
    for pid, practice in known.items():
        done = days[pid]
        streak = 0
        day = today if today in done else today - timedelta(days=1)
        while day in done:
            streak += 1
            day -= timedelta(days=1)
        out.append(PracticeProgress(practice, len(done & week), streak, len(done)))
    return tuple(out)
