"""The coder interface, and the view of a conversation that context-aware coders read.

A coder declares what codes it ``assigns`` and which it ``requires`` from coders that ran
before it; the pipeline checks the order (like spaCy's ``assigns=``/``requires=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from reattune.coding import text as tx
from reattune.model import ConversationKind, Turn
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

NEGATIVE_FAMILIES = frozenset({"pursue", "horseman", "withdraw"})
NEGATIVE_PREFIXES = tuple(f"{f}." for f in sorted(NEGATIVE_FAMILIES))
"""A code is of a negative family when it starts with one of these (or is the family's
name itself): the same test as ``span.family in NEGATIVE_FAMILIES``, without splitting."""


def negative_code(code: str) -> bool:
    return code.startswith(NEGATIVE_PREFIXES) or code in NEGATIVE_FAMILIES


@dataclass(slots=True)
class CodingState:
    """The turns being coded and the spans found so far, per turn."""

    turns: Sequence[Turn]
    kind: ConversationKind
    settings: AnalysisSettings
    spans: list[list[CodeSpan]] = field(default_factory=list)
    _questions: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.spans:
            self.spans = [[] for _ in self.turns]

    def questions(self, turn: int) -> list[tuple[int, int]]:
        """``text.questions`` of the turn, read once per coding (do not change the list)."""
        found = self._questions.get(turn)
        if found is None:
            found = self._questions[turn] = tx.questions(self.turns[turn].text)
        return found

    def codes(self, turn: int) -> set[str]:
        return {s.code for s in self.spans[turn]}

    def has(self, turn: int, *prefixes: str) -> bool:
        return any(s.code.startswith(prefixes) for s in self.spans[turn])

    def negative(self, turn: int) -> bool:
        for s in self.spans[turn]:
            if s.code.startswith(NEGATIVE_PREFIXES) or s.code in NEGATIVE_FAMILIES:
                return True
        return False

    def in_conflict(self, turn: int) -> bool:
        """A negative code in this turn or in the last few turns (``conflict_window_turns``)."""
        lo = max(0, turn - self.settings.conflict_window_turns)
        return any(self.negative(j) for j in range(lo, turn + 1))

    def silence_seconds(self) -> float:
        if self.kind is ConversationKind.SESSION:
            return self.settings.session_silence_seconds
        return self.settings.chat_silence_seconds


class Coder(Protocol):
    """One step of the coding pipeline. ``apply`` adds to or prunes ``state.spans``."""

    name: ClassVar[str]
    assigns: ClassVar[tuple[str, ...]]
    requires: ClassVar[tuple[str, ...]]

    def apply(self, state: CodingState) -> None: ...
