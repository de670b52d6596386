"""The coding pipeline: coders in a checked order, over a conversation or a single draft."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from reattune.coding.base import Coder, CodingState
from reattune.coding.coders import ContextCoder, LexiconCoder, StructureCoder
from reattune.coding.models import LearnedCoder
from reattune.model import ConversationKind, Turn
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings


def default_coders() -> list[Coder]:
    return [LexiconCoder(), StructureCoder(), ContextCoder(), LearnedCoder()]


def check_order(coders: Sequence[Coder]) -> None:
    """Every coder's ``requires`` names a coder that runs before it."""
    seen: set[str] = set()
    for coder in coders:
        missing = [r for r in coder.requires if r not in seen]
        if missing:
            raise ValueError(f"coder {coder.name} needs {', '.join(missing)} to run first")
        seen.add(coder.name)


def code_turns(
    turns: Sequence[Turn],
    kind: ConversationKind,
    settings: AnalysisSettings | None = None,
    coders: Sequence[Coder] | None = None,
) -> list[list[CodeSpan]]:
    """Code every turn; returns the spans per turn, each list sorted by offset."""
    return code_state(turns, kind, settings, coders).spans


def code_state(
    turns: Sequence[Turn],
    kind: ConversationKind,
    settings: AnalysisSettings | None = None,
    coders: Sequence[Coder] | None = None,
) -> CodingState:
    """``code_turns``, returning the whole coding state: the spans and the readings of the
    turns' texts (tokens…) that the episode finders share."""
    coders = list(coders) if coders is not None else default_coders()
    check_order(coders)
    state = CodingState(turns=turns, kind=kind, settings=settings or AnalysisSettings())
    for coder in coders:
        coder.apply(state)
    for spans in state.spans:
        if len(spans) > 1:
            spans.sort(key=_ORDER)
    return state


_ORDER = attrgetter("start", "end", "code")
"""A span's place in its turn's list: by offset, then end, then code."""
