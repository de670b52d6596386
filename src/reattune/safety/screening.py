"""Private screening questions each partner answers alone, and how their answers are scored.

The questions are data (``reattune/data/safety/screening.toml``): the NIMH Ask
Suicide-Screening Questions (ASQ) for suicide risk, and reattune's own plain-language
relationship-safety questions, checked against the Partner Violence Screen, HARK and the
Lethality Screen (docs/safety.md). A :class:`ScreeningResult` belongs to one person; the gate
(:func:`reattune.safety.check`) turns it into a :class:`~reattune.safety.gate.SafetyResult`
for that person alone.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from reattune.errors import SettingsError
from reattune.safety.findings import LEVEL_THRESHOLDS, Domain, Finding, SafetyLevel, Subject

__all__ = [
    "Answer",
    "Instrument",
    "Question",
    "ScreeningResult",
    "instrument_ids",
    "load_instrument",
    "next_question",
    "score_screening",
]


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    DECLINED = "declined"

    @classmethod
    def parse(cls, value: str | bool | Answer) -> Answer:
        if isinstance(value, Answer):
            return value
        if isinstance(value, bool):
            return cls.YES if value else cls.NO
        text = value.strip().lower()
        if text in {"y", "yes", "true", "1"}:
            return cls.YES
        if text in {"n", "no", "false", "0"}:
            return cls.NO
        if text in {"", "skip", "declined", "decline", "pass", "-", "prefer not to say"}:
            return cls.DECLINED
        raise SettingsError(f"{value!r} is not an answer", expected="yes, no or skip")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    domain: Domain
    category: str
    level: SafetyLevel
    positive: Answer = Answer.YES
    ask_if_any: tuple[str, ...] = ()
    declined_counts: bool = False


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    name: str
    source: str
    intro: str
    questions: tuple[Question, ...]
    version: str
    declined_note: str = ""

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise SettingsError(
            f"instrument {self.id} has no question {qid!r}",
            expected="one of " + ", ".join(q.id for q in self.questions),
        )


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """One person's answers to one instrument. Private to that person and their own
    therapist."""

    instrument: str
    person: str
    answers: tuple[tuple[str, Answer], ...]
    taken_at: datetime | None = None
    locale: str | None = None

    @classmethod
    def of(
        cls,
        instrument: str,
        person: str,
        answers: Mapping[str, str | bool | Answer],
        taken_at: datetime | None = None,
    ) -> ScreeningResult:
        """Validated answers (unknown question ids are an error, not silently dropped)."""
        inst = load_instrument(instrument)
        parsed: list[tuple[str, Answer]] = []
        for qid, value in answers.items():
            inst.question(qid)
            parsed.append((qid, Answer.parse(value)))
        return cls(instrument, person, tuple(parsed), taken_at)

    def answer(self, qid: str) -> Answer | None:
        for key, value in self.answers:
            if key == qid:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "person": self.person,
            "answers": {k: v.value for k, v in self.answers},
            "taken_at": None if self.taken_at is None else self.taken_at.isoformat(),
        }


_LEVELS = {level.label: level for level in SafetyLevel}
_SCORE_FOR = {level: threshold for threshold, level in LEVEL_THRESHOLDS} | {SafetyLevel.NONE: 0.2}


def _instrument(iid: str, table: Mapping[str, Any], version: str, origin: str) -> Instrument:
    questions: list[Question] = []
    default_declined = bool(table.get("declined_counts", False))
    try:
        for q in table["question"]:
            questions.append(
                Question(
                    id=str(q["id"]),
                    text=str(q["text"]),
                    domain=Domain(str(q["domain"])),
                    category=str(q["category"]),
                    level=_LEVELS[str(q["level"])],
                    positive=Answer(str(q.get("positive", "yes"))),
                    ask_if_any=tuple(str(x) for x in q.get("ask_if_any", ())),
                    declined_counts=bool(q.get("declined_counts", default_declined)),
                )
            )
        return Instrument(
            id=iid,
            name=str(table["name"]),
            source=str(table["source"]),
            intro=str(table["intro"]),
            questions=tuple(questions),
            version=version,
            declined_note=str(table.get("declined_note", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SettingsError(
            f"instrument {iid}: question #{len(questions) + 1} is incomplete ({exc})",
            file=origin,
            expected="id, text, domain, category and level for each question",
        ) from exc


@cache
def _instruments() -> dict[str, Instrument]:
    origin = "reattune/data/safety/screening.toml"
    text = resources.files("reattune.data.safety").joinpath("screening.toml").read_text("utf-8")
    data = tomllib.loads(text)
    version = str(data.get("version", "0"))
    return {
        str(iid): _instrument(str(iid), table, version, origin)
        for iid, table in dict(data["instrument"]).items()
    }


def instrument_ids() -> tuple[str, ...]:
    return tuple(_instruments())


def load_instrument(iid: str) -> Instrument:
    inst = _instruments().get(iid)
    if inst is None:
        raise SettingsError(
            f"no screening instrument {iid!r}", expected="one of " + ", ".join(_instruments())
        )
    return inst


def next_question(instrument: Instrument, answered: Mapping[str, Answer]) -> Question | None:
    """The next question to ask given the answers so far (follow-up questions only when
    their condition holds, as the ASQ's acuity question), or None when done."""
    for q in instrument.questions:
        if q.id in answered:
            continue
        if q.ask_if_any and not any(
            answered.get(c) is Answer.YES
            or (answered.get(c) is Answer.DECLINED and instrument.question(c).declined_counts)
            for c in q.ask_if_any
        ):
            continue
        return q
    return None


def _finding(q: Question, level: SafetyLevel, why: str, rule: str) -> Finding:
    return Finding(
        domain=q.domain,
        category=q.category,
        start=0,
        end=len(q.text),
        score=_SCORE_FOR[level],
        explanation=why,
        rule=rule,
        subject=Subject.SELF,
        tags=("screening",),
    )


def score_screening(result: ScreeningResult) -> list[Finding]:
    """The findings of one person's answers: one per answer that counts (spans cover the
    question's text), plus the combination rules of the instrument."""
    inst = load_instrument(result.instrument)
    out: list[Finding] = []
    for qid, answer in result.answers:
        q = inst.question(qid)
        rule = f"screening.{inst.id}.{q.id}"
        if answer is q.positive:
            level = q.level
            if level is SafetyLevel.NONE:
                out.append(
                    _finding(q, SafetyLevel.NONE, f"answered {answer.value} to: {q.text}", rule)
                )
                continue
            out.append(_finding(q, level, f"answered {answer.value} to: {q.text}", rule))
        elif answer is Answer.DECLINED and q.declined_counts:
            note = f" ({inst.declined_note})" if inst.declined_note else ""
            out.append(
                _finding(q, q.level, f"declined to answer: {q.text}{note}", rule + ".declined")
            )
    counted = [f for f in out if f.counts]
    if inst.id == "relationship":
        gun = result.answer("gun") is Answer.YES
        if gun and counted:
            q = inst.question("gun")
            out.append(
                _finding(
                    q,
                    SafetyLevel.EMERGENCY,
                    "a gun within reach together with other signs of abuse "
                    "(Lethality Screen: high danger)",
                    "screening.relationship.gun_with_abuse",
                )
            )
        signs = len(counted) + int(gun)
        if signs >= 4 and max(f.level for f in counted) < SafetyLevel.URGENT:
            out.append(
                Finding(
                    domain=Domain.IPV,
                    category="control",
                    start=0,
                    end=0,
                    score=_SCORE_FOR[SafetyLevel.URGENT],
                    explanation=f"{signs} signs together: a pattern of control, not one incident",
                    rule="screening.relationship.pattern_of_control",
                    subject=Subject.SELF,
                    tags=("screening", "combined"),
                )
            )
    return out
