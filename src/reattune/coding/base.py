"""The coder interface, and the view of a conversation that context-aware coders read.

A coder declares what codes it ``assigns`` and which it ``requires`` from coders that ran
before it; the pipeline checks the order (like spaCy's ``assigns=``/``requires=``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeVar

from reattune.coding import text as tx
from reattune.model import ConversationKind, Turn
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

NEGATIVE_FAMILIES = frozenset({"pursue", "horseman", "withdraw"})
NEGATIVE_PREFIXES = tuple(f"{f}." for f in sorted(NEGATIVE_FAMILIES))
"""A code is of a negative family when it starts with one of these (or is the family's
name itself): the same test as ``span.family in NEGATIVE_FAMILIES``, without splitting."""


T = TypeVar("T")


def per_text(
    texts: Sequence[str],
    read: Callable[[str], T],
    read_many: Callable[[Sequence[str]], Sequence[T]] | None = None,
) -> list[T]:
    """``read`` of every text, each distinct text read once (the results are shared: treat
    them as read-only). ``read_many``, when given, reads the distinct texts all at once
    instead (with the same results as ``read`` of each)."""
    if read_many is not None:
        distinct = list(dict.fromkeys(texts))
        by_text = dict(zip(distinct, read_many(distinct), strict=True))
        return [by_text[text] for text in texts]
    seen: dict[str, T] = {}
    out = []
    for text in texts:
        found = seen.get(text)
        if found is None:
            found = seen[text] = read(text)
        out.append(found)
    return out


_NO_QUESTIONS: list[tuple[int, int]] = []
"""The questions of every turn without one: one list shared by them all (read-only, as every
list of questions), not one more object per turn for the garbage collector to walk."""


def _questions(text: str) -> list[tuple[int, int]]:
    return tx.questions(text) or _NO_QUESTIONS


def negative_code(code: str) -> bool:
    return code.startswith(NEGATIVE_PREFIXES) or code in NEGATIVE_FAMILIES


@dataclass(slots=True)
class CodingState:
    """The turns being coded and the spans found so far, per turn.

    It also holds the readings of each turn's text that several coders (and the episode
    finders after them) share — tokens, questions, the normalised words — each computed once
    per turn rather than once per coder that asks, and once per distinct text: chats repeat
    short messages ("ok", "love you")."""

    turns: Sequence[Turn]
    kind: ConversationKind
    settings: AnalysisSettings
    spans: list[list[CodeSpan]] = field(default_factory=list)
    _questions: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    tokens: list[tuple[str, ...]] = field(default_factory=list)
    """``text.tokens`` of every turn (read-only)."""
    _normalised: dict[int, str] = field(default_factory=dict)
    _content: dict[int, frozenset[str]] = field(default_factory=dict)
    _settled: list[bool] = field(default_factory=list)
    """``negative`` of the first turns, while a coder that has finished with them runs
    (``settle``)."""

    def __post_init__(self) -> None:
        if not self.spans:
            self.spans = [[] for _ in self.turns]
        self.texts = [t.text for t in self.turns]
        self.tokens = per_text(self.texts, tx.token_tuple)

    def questions(self, turn: int) -> list[tuple[int, int]]:
        """``text.questions`` of the turn, read once per coding (do not change the list)."""
        found = self._questions.get(turn)
        if found is None:
            found = self._questions[turn] = tx.questions(self.texts[turn]) or _NO_QUESTIONS
        return found

    def read_questions(self) -> None:
        """Read the questions of every turn at once (once per distinct text)."""
        for i, found in enumerate(per_text(self.texts, _questions)):
            self._questions.setdefault(i, found)

    def normalised(self, turn: int) -> str:
        """``text.normalised`` of the turn, read once per coding."""
        found = self._normalised.get(turn)
        if found is None:
            found = self._normalised[turn] = tx.normalised(self.texts[turn])
        return found

    def content_words(self, turn: int) -> frozenset[str]:
        """``text.content_words`` of the turn, read once per coding."""
        found = self._content.get(turn)
        if found is None:
            found = self._content[turn] = tx.words_of_content(self.tokens[turn])
        return found

    def codes(self, turn: int) -> set[str]:
        return {s.code for s in self.spans[turn]}

    def has(self, turn: int, *prefixes: str) -> bool:
        for s in self.spans[turn]:  # a loop: no generator made for the one or two spans
            if s.code.startswith(prefixes):
                break
        else:
            return False
        return True

    def negative(self, turn: int) -> bool:
        for s in self.spans[turn]:
            if s.code.startswith(NEGATIVE_PREFIXES) or s.code in NEGATIVE_FAMILIES:
                return True
        return False

    def in_conflict(self, turn: int) -> bool:
        """A negative code in this turn or in the last few turns (``conflict_window_turns``)."""
        lo = max(0, turn - self.settings.conflict_window_turns)
        settled = self._settled
        if turn < len(settled):
            return any(settled[lo : turn + 1])
        return any(
            settled[j] if j < len(settled) else self.negative(j) for j in range(lo, turn + 1)
        )

    def settle(self, turn: int) -> None:
        """The running coder will not change the spans of turns up to ``turn`` again (it
        goes through the turns in order): remember whether they are negative, so that the
        conflict windows of later turns do not read them again. ``unsettle`` when it ends."""
        if turn != len(self._settled):
            raise ValueError("turns are settled in order, from the first")
        self._settled.append(self.negative(turn))

    def unsettle(self) -> None:
        self._settled.clear()

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
