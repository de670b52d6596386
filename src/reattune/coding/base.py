"""The coder interface, and the view of a conversation that context-aware coders read.

A coder declares what codes it ``assigns`` and which it ``requires`` from coders that ran
before it; the pipeline checks the order (like spaCy's ``assigns=``/``requires=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from reattune.model import ConversationKind, Turn
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

NEGATIVE_FAMILIES = frozenset({"pursue", "horseman", "withdraw"})


@dataclass(slots=True)
class CodingState:
    """The turns being coded and the spans found so far, per turn."""

    turns: Sequence[Turn]
    kind: ConversationKind
    settings: AnalysisSettings
    spans: list[list[CodeSpan]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.spans:
            self.spans = [[] for _ in self.turns]

    def codes(self, turn: int) -> set[str]:
        return {s.code for s in self.spans[turn]}

    def has(self, turn: int, *prefixes: str) -> bool:
        return any(s.code.startswith(prefixes) for s in self.spans[turn])

    def negative(self, turn: int) -> bool:
        return any(s.family in NEGATIVE_FAMILIES for s in self.spans[turn])

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
