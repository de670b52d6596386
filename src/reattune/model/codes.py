"""Findings of the coders: each one a character span of a turn with a score and a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reattune.model._construct import positional_constructor


def check_span(start: int, end: int, score: float) -> None:
    """Every finding's invariants: a span runs forwards from a non-negative offset, and its
    score lies in [0, 1]."""
    if not 0 <= start <= end:
        raise ValueError("a span runs forwards from a non-negative offset")
    if not 0.0 <= score <= 1.0:
        raise ValueError("scores lie in [0, 1]")


class EvidenceKind(StrEnum):
    LEXICON = "lexicon"
    """A lexicon entry matched (``ref`` is its id)."""
    RULE = "rule"
    """A structural rule fired (caps, punctuation, question count, length)."""
    CONTEXT = "context"
    """The conversation around the turn decided it (what the partner just said, silence)."""
    MODEL = "model"
    """A trained model scored the text (``ref`` is the model name and version)."""


@dataclass(frozen=True, slots=True)
class CodeSpan:
    """One code on one turn: ``turn`` is the turn index, ``start``/``end`` character offsets
    into ``Turn.text`` (``end`` exclusive), ``score`` in [0, 1]. ``explanation`` says in plain
    words why it fired; ``kind`` and ``ref`` name the rule, lexicon entry or model."""

    code: str
    turn: int
    start: int
    end: int
    score: float
    explanation: str
    kind: EvidenceKind
    ref: str
    tag: str | None = None
    """A sub-type where the codebook has one: the repair type (``apology``, ``humour``…), or
    ``recalled`` on ``flooding`` said about the past ("I was overwhelmed last night")."""

    def __post_init__(self) -> None:
        check_span(self.start, self.end, self.score)

    @property
    def family(self) -> str:
        """``pursue`` for ``pursue.blame``; the code itself for undotted codes."""
        return self.code.split(".", 1)[0]


_new_code_span: Callable[
    [str, int, int, int, float, str, EvidenceKind, str, str | None], CodeSpan
] = positional_constructor(CodeSpan)


def code_span(
    code: str,
    turn: int,
    start: int,
    end: int,
    score: float,
    explanation: str,
    kind: EvidenceKind,
    ref: str,
    tag: str | None = None,
) -> CodeSpan:
    """``CodeSpan(...)`` — the same checks, the same object — built about twice as fast
    (``model/_construct.py``): the coders make one for every finding."""
    check_span(start, end, score)
    return _new_code_span(code, turn, start, end, score, explanation, kind, ref, tag)
