"""A draft as the engine sees it: coded as the next turn of a conversation.

A draft alone is coded as a reply, an hour later, to a partner who said "Can we talk about
what happened?" — a turn that raises an issue without negativity. That frame lets the
engine's reply codes (a minimal reply, a postponement, a denial) and its bid codes ("hello??"
into silence) fire on a draft that has no conversation around it, without inventing a
conflict. With a real conversation as context, the draft follows its last turns instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from reattune.coding import code_turns
from reattune.errors import CoachInputError
from reattune.model import Conversation, ConversationKind, Message, SourceLocation, Turn
from reattune.model.codes import CodeSpan
from reattune.model.speaker import Role
from reattune.settings import AnalysisSettings

SCORED_CODES = (
    "pursue.pressure",
    "pursue.blame",
    "pursue.question_stack",
    "pursue.bid_in_silence",
    "pursue.escalation",
    "horseman.criticism",
    "horseman.contempt",
)
"""The pursuit, blame and contempt codes a rewrite may never score higher on."""

OPENER = "Can we talk about what happened?"
"""The partner's turn a draft alone answers (see the module docstring)."""

ME = "me"
PARTNER = "partner"
CONTEXT_TURNS = 12
"""How many of the context's last turns the draft is coded after: the coders look back a few
turns (``conflict_window_turns``), and runs of one speaker's turns."""
MAX_DRAFT_CHARS = 20_000
_EPOCH = datetime(2000, 1, 1, 20, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Frame:
    """The turns a draft is coded after, who writes it, and when it would be sent."""

    turns: tuple[Turn, ...]
    me: str
    partner: str | None
    kind: ConversationKind
    sent_at: datetime | None
    synthetic: bool


def _turn(index: int, speaker: str, text: str, at: datetime | None, kind_clock: bool) -> Turn:
    message = Message(index, speaker, text, SourceLocation("draft"), timestamp=at)
    clock = at.timestamp() if (at is not None and kind_clock) else None
    return Turn(index, speaker, (message,), text, ((0, len(text)),), clock, clock)


def alone() -> Frame:
    """The frame of a draft with no conversation: a reply to ``OPENER`` an hour later."""
    opener = _turn(0, PARTNER, OPENER, _EPOCH, True)
    return Frame((opener,), ME, PARTNER, ConversationKind.CHAT, _EPOCH + timedelta(hours=1), True)


def speakers(conversation: Conversation) -> list[str]:
    """The ids of the people who may write a draft: the partners, else every speaker."""
    partners = [s.id for s in conversation.participants if s.role is Role.PARTNER]
    if partners:
        return partners
    return [s.id for s in conversation.participants if s.role is not Role.THERAPIST]


def resolve_me(conversation: Conversation, me: str | None) -> str:
    """The speaker id of the person drafting, from an id or display name (any case)."""
    people = speakers(conversation)
    if me is None:
        if len(people) == 1:
            return people[0]
        raise CoachInputError(
            f"the context has {len(people)} speakers: say which one you are",
            expected="--me NAME (as written in the chat)",
        )
    wanted = me.casefold()
    for s in conversation.participants:
        if wanted in (s.id.casefold(), s.display_name.casefold()):
            return s.id
    raise CoachInputError(
        "the name given as you is not a speaker of the context",
        expected=f"one of the {len(conversation.participants)} speakers (see `reattune inspect`)",
    )


def in_context(
    conversation: Conversation, me: str | None = None, sent_at: datetime | None = None
) -> Frame:
    """The frame of a draft sent after ``conversation`` by ``me``: its last turns, with the
    draft at ``sent_at`` (default: right after the last message)."""
    who = resolve_me(conversation, me)
    last = conversation.turns[-CONTEXT_TURNS:]
    turns = tuple(dataclasses.replace(t, index=i) for i, t in enumerate(last))
    partner = next((t.speaker for t in reversed(turns) if t.speaker != who), None)
    if partner is None:
        partner = next((p for p in speakers(conversation) if p != who), None)
    if sent_at is None and conversation.last_time is not None:
        sent_at = conversation.last_time + timedelta(seconds=1)
    return Frame(turns, who, partner, conversation.kind, sent_at, False)


def check_draft(text: str) -> str:
    """The draft, or a catalogued error when there is nothing to review."""
    if not text.strip():
        raise CoachInputError("the draft is empty", expected="the message you want to send")
    if len(text) > MAX_DRAFT_CHARS:
        raise CoachInputError(
            f"the draft has {len(text)} characters",
            expected=f"at most {MAX_DRAFT_CHARS} (a message, not a document)",
        )
    return text


@lru_cache(maxsize=2048)
def _code(
    text: str, frame: Frame, settings: AnalysisSettings
) -> tuple[tuple[CodeSpan, ...], tuple[tuple[CodeSpan, ...], ...]]:
    draft = _turn(len(frame.turns), frame.me, text, frame.sent_at, True)
    if not frame.synthetic and frame.turns and frame.turns[-1].start is None:
        draft = dataclasses.replace(draft, start=None, end=None)
    spans = code_turns([*frame.turns, draft], frame.kind, settings)
    return tuple(spans[-1]), tuple(tuple(s) for s in spans[:-1])


def code_draft(
    text: str, frame: Frame | None = None, settings: AnalysisSettings | None = None
) -> tuple[CodeSpan, ...]:
    """The engine's spans on the draft (offsets into ``text``)."""
    return _code(text, frame or alone(), settings or AnalysisSettings())[0]


def code_context(
    text: str, frame: Frame, settings: AnalysisSettings | None = None
) -> tuple[tuple[CodeSpan, ...], ...]:
    """The spans of the frame's turns, coded together with the draft."""
    return _code(text, frame, settings or AnalysisSettings())[1]


def scores(spans: Sequence[CodeSpan]) -> dict[str, float]:
    """The highest score of each pursuit, blame and contempt code (0 when absent)."""
    out = dict.fromkeys(SCORED_CODES, 0.0)
    for s in spans:
        if s.code in out:
            out[s.code] = max(out[s.code], s.score)
    return out
