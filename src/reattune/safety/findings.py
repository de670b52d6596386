"""What the safety screen reports: levels, domains, and findings (spans with a score).

A finding is a character span of a text with a ``score`` in [0, 1], a ``category`` and a
plain explanation, like every coder's finding (``model/codes.py``). Its level follows from
its score through :data:`LEVEL_THRESHOLDS`; a text's level is the highest level of the
findings that count (:attr:`Finding.counts`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum

from reattune.model.codes import CodeSpan, EvidenceKind, check_span

__all__ = [
    "LEVEL_THRESHOLDS",
    "Domain",
    "Finding",
    "SafetyLevel",
    "Subject",
    "level_for",
]


class SafetyLevel(IntEnum):
    """How strongly the safety response takes over. Ordered: ``max()`` of levels works."""

    NONE = 0
    """Nothing found: ordinary coaching may run."""
    CONCERN = 1
    """A sign worth a gentle check-in (passive wish to be dead, someone else at risk, fear of
    the partner, monitoring): relational coaching stops, resources are shown."""
    URGENT = 2
    """Active risk (thoughts of suicide, self-harm, physical violence, threats): all coaching
    stops; resources first; the person's own therapist is told."""
    EMERGENCY = 3
    """Imminent danger (plan, means or intent; strangulation, weapons, threats to kill):
    emergency number first."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def positive(self) -> bool:
        return self is not SafetyLevel.NONE


LEVEL_THRESHOLDS: tuple[tuple[float, SafetyLevel], ...] = (
    (0.85, SafetyLevel.EMERGENCY),
    (0.65, SafetyLevel.URGENT),
    (0.40, SafetyLevel.CONCERN),
)
"""Score → level (proposed; see docs/safety.md). A finding below 0.40 is kept for the record
(a negated or supportive phrase) but does not count."""


def level_for(score: float) -> SafetyLevel:
    for threshold, level in LEVEL_THRESHOLDS:
        if score >= threshold:
            return level
    return SafetyLevel.NONE


class Domain(StrEnum):
    CRISIS = "crisis"
    """Suicide and self-harm risk."""
    IPV = "ipv"
    """Intimate-partner violence and coercive control."""


class Subject(StrEnum):
    """Whose safety a finding is about, seen from the writer."""

    SELF = "self"
    """The writer ("I want to die", "he hit me")."""
    OTHER = "other"
    """Someone the writer talks about ("my partner said he wants to die", "he choked my
    sister")."""
    ADDRESSEE = "addressee"
    """The person the writer speaks to ("I'll kill you if you leave"): in a couple's chat,
    the other partner."""
    NOBODY = "nobody"
    """Support, grief or general talk ("please don't hurt yourself", "I lost my brother to
    suicide"): recorded, never counted."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One safety finding on a span of text.

    ``start``/``end`` are character offsets into the checked text (into ``Turn.text`` when
    ``turn`` is set); ``rule`` names the lexicon entry or rule; ``tags`` say how the context
    changed the score (``negated``, ``quoted``, ``past``, ``hedged``, ``second_person``,
    ``reported``, ``combined``).
    """

    domain: Domain
    category: str
    start: int
    end: int
    score: float
    explanation: str
    rule: str
    subject: Subject = Subject.SELF
    tags: tuple[str, ...] = ()
    turn: int | None = None
    speaker: str | None = None

    def __post_init__(self) -> None:
        check_span(self.start, self.end, self.score)

    @property
    def code(self) -> str:
        """``safety.crisis.ideation``, ``safety.ipv.strangulation`` …"""
        return f"safety.{self.domain.value}.{self.category}"

    @property
    def level(self) -> SafetyLevel:
        if self.subject is Subject.NOBODY:
            return SafetyLevel.NONE
        return level_for(self.score)

    @property
    def counts(self) -> bool:
        """Whether this finding raises the level (score at or above the concern threshold,
        about someone who may be at risk)."""
        return self.level is not SafetyLevel.NONE

    def at(self, turn: int, speaker: str | None) -> Finding:
        """The same finding placed on a turn of a conversation."""
        return replace(self, turn=turn, speaker=speaker)

    def to_code_span(self) -> CodeSpan:
        """The finding as an engine ``CodeSpan`` (turn 0 when checked on a bare text)."""
        return CodeSpan(
            code=self.code,
            turn=self.turn if self.turn is not None else 0,
            start=self.start,
            end=self.end,
            score=self.score,
            explanation=self.explanation,
            kind=EvidenceKind.LEXICON if "." in self.rule else EvidenceKind.RULE,
            ref=self.rule,
            tag=self.subject.value,
        )
