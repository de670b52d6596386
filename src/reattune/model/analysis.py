"""What the engine finds in a conversation: coded turns, episodes, metrics.

Times are on the conversation's clock (``Message.clock``: seconds from the recording's start
for sessions, POSIX seconds for chats). Every episode names the turns it rests on and says in
plain words why it was found. ``Analysis.to_dict()`` is JSON-ready (schema ``SCHEMA``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reattune.model.codes import CodeSpan

SCHEMA = "reattune.analysis/1"


class StonewallCriterion(StrEnum):
    UNANSWERED_BIDS = "unanswered_bids"
    """(a) the listener left two or more consecutive bids unanswered."""
    WITHDRAWAL_REPLIES = "withdrawal_replies"
    """(b) two or more consecutive minimal / denying / noncommittal replies."""
    SLOW_MINIMAL = "slow_minimal"
    """(c) a reply far slower than the listener's own median, with minimal content."""


class EpisodeEnd(StrEnum):
    CONTENT = "content"
    """The listener took up the partner's content (even defensively)."""
    BREAK = "break"
    """The listener asked for a break."""
    END_OF_DATA = "end_of_data"
    """The conversation ended first: the episode is censored."""


@dataclass(frozen=True, slots=True)
class StonewallingEpisode:
    listener: str
    pursuer: str
    criterion: StonewallCriterion
    start_turn: int
    last_turn: int
    """The last turn inside the episode."""
    end_turn: int | None
    """The listener's turn that ended it; ``None`` when censored."""
    start: float | None
    end: float | None
    duration_seconds: float | None
    censored: bool
    ended_by: EpisodeEnd
    unanswered_bids: int
    pursuer_bids: int
    pursuer_bid_rate_per_hour: float | None
    trigger_turn: int | None
    trigger_codes: tuple[str, ...]
    trigger_words: tuple[str, ...]
    flooding_before: bool
    turns: tuple[int, ...]
    explanation: str


@dataclass(frozen=True, slots=True)
class Loop:
    """One pursue → withdraw → pursue-again sequence."""

    pursuer: str
    withdrawer: str
    pursue_turn: int
    withdraw_turn: int
    repursue_turn: int
    pursue_codes: tuple[str, ...]
    withdraw_codes: tuple[str, ...]
    start: float | None
    end: float | None


@dataclass(frozen=True, slots=True)
class Cycle:
    """Two or more loops with the same roles close together (codebook)."""

    pursuer: str
    withdrawer: str
    loops: tuple[int, ...]
    """Indices into ``Analysis.loops``."""
    start_turn: int
    end_turn: int
    explanation: str


@dataclass(frozen=True, slots=True)
class CycleStrength:
    """The codebook's five measures, for the pair (A, B) read as pursuer and withdrawer."""

    pursuer: str | None
    withdrawer: str | None
    p_withdraw_after_pursuit: float | None
    """Lag-1: P(withdrawer withdraws | pursuer just pursued)."""
    withdraw_base_rate: float | None
    """The withdrawer's base rate of withdrawal over their turns."""
    yules_q: float | None
    """Yule's Q of that 2×2 contingency (−1..1; 0 = no association)."""
    role_asymmetry: float
    """(A's pursuit − B's pursuit) + (B's withdrawal − A's withdrawal), per turn rates."""
    demand: dict[str, float]
    """Per partner: share of their turns with a pursuit or criticism code."""
    withdraw: dict[str, float]
    """Per partner: share of their turns with a withdrawal code."""
    escalation_slope: float | None
    """Slope of the pursuer's negativity across successive loops (codes per loop)."""
    loops_per_hour: float | None


class RepairOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    UNDETERMINED = "undetermined"
    """Nothing followed to judge it by."""


class Phase(StrEnum):
    EARLY = "early"
    MIDDLE = "middle"
    LATE = "late"


@dataclass(frozen=True, slots=True)
class RepairAttempt:
    turn: int
    speaker: str
    types: tuple[str, ...]
    outcome: RepairOutcome
    response_turn: int | None
    negativity_before: float
    negativity_after: float | None
    phase: Phase
    at: float | None
    explanation: str


class BreakStatus(StrEnum):
    HONOURED = "honoured"
    """Agreed, and the requester came back within the agreed time (with tolerance)."""
    RETURNED_LATE = "returned_late"
    RETURNED_EARLY = "returned_early"
    """Came back before the minimum break (20 minutes): too short to calm down."""
    NOT_RETURNED = "not_returned"
    NOT_AGREED = "not_agreed"


@dataclass(frozen=True, slots=True)
class Break:
    requester: str
    request_turn: int
    agree_turn: int | None
    return_turn: int | None
    agreed_seconds: float | None
    """The duration the request (or agreement) named, if any."""
    actual_seconds: float | None
    within_bounds: bool | None
    """Agreed duration ≥ 20 minutes and < 24 hours."""
    status: BreakStatus
    negativity_before: float
    negativity_after: float | None
    explanation: str


class DelayKind(StrEnum):
    PROCESSING = "processing"
    """A delay followed by an elaborated, on-topic reply — never an episode."""
    FREEZE = "freeze"
    """Self-reported inability to think or speak: flooding, route to self-soothing."""
    SHUTDOWN = "shutdown"
    """Delay with minimal, denying or avoiding content in active conflict."""
    PAUSE = "pause"
    """A long delay outside conflict with an ordinary reply."""


@dataclass(frozen=True, slots=True)
class DelayedReply:
    turn: int
    speaker: str
    latency: float
    baseline: float
    factor: float
    kind: DelayKind
    explanation: str


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of the conversation (3 minutes in sessions, one exchange in chats)."""

    index: int
    start: float | None
    end: float | None
    first_turn: int
    last_turn: int
    positives: int
    negatives: int
    balance: int
    rolling: float


@dataclass(frozen=True, slots=True)
class Recovery:
    baseline: float
    """The couple's baseline rolling balance (median over the blocks)."""
    peak_block: int | None
    """The block where negativity peaked."""
    peak_turn: int | None
    recovered_block: int | None
    recovery_seconds: float | None
    """From the peak until the rolling balance is back at baseline and stays there."""
    recovered: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class PartnerMetrics:
    speaker: str
    label: str
    turns: int
    messages: int
    words: int
    median_turn_tokens: float | None
    median_latency: float | None
    baseline_latency: float | None
    """Median latency over calm turns (no negative code around)."""
    median_words_per_minute: float | None
    code_counts: dict[str, int]
    horsemen: dict[str, int]
    antidotes: dict[str, int]
    demand: float
    withdraw: float
    bids: int
    repair_attempts: int
    repair_successes: int
    stonewalling_episodes: int
    stonewalling_seconds: float
    cycle_namings: int
    flooding: int
    you_talk: float
    """Share of tokens that are second person ("you"-talk)."""
    we_talk: float


@dataclass(frozen=True, slots=True)
class ConversationMetrics:
    kind: str
    turns: int
    duration_seconds: float | None
    stonewalling_episodes: int
    stonewalling_seconds: float
    loops: int
    cycles: int
    loops_per_hour: float | None
    repair_attempts: int
    repair_success_rate: float | None
    breaks: int
    breaks_honoured: int
    recovery_seconds: float | None
    cycle_namings: int
    negative_codes: int
    positive_codes: int
    positive_negative_ratio: float | None


@dataclass(frozen=True, slots=True)
class Analysis:
    schema: str
    codebook_version: str
    lexicon_version: str
    models: tuple[str, ...]
    settings: dict[str, Any]
    source: dict[str, Any]
    kind: str
    participants: tuple[dict[str, Any], ...]
    codes: tuple[CodeSpan, ...]
    stonewalling: tuple[StonewallingEpisode, ...]
    loops: tuple[Loop, ...]
    cycles: tuple[Cycle, ...]
    cycle_strength: CycleStrength
    repairs: tuple[RepairAttempt, ...]
    breaks: tuple[Break, ...]
    delays: tuple[DelayedReply, ...]
    blocks: tuple[Block, ...]
    recovery: Recovery
    partners: tuple[PartnerMetrics, ...]
    metrics: ConversationMetrics

    def codes_for(self, turn: int) -> tuple[CodeSpan, ...]:
        return tuple(c for c in self.codes if c.turn == turn)

    def code_set(self, turn: int) -> set[str]:
        return {c.code for c in self.codes if c.turn == turn}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: what ``dataclasses.asdict`` gives, with tuples as lists,
        dictionary keys as strings and enums as their string values."""
        data: dict[str, Any] = _plain(self)
        return data


_FIELDS: dict[type, tuple[str, ...]] = {}
"""Each dataclass's field names, read once (``dataclasses.fields`` per object was most of
the cost of ``to_dict`` on a long chat)."""

_ATOMS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """One pass from the analysis objects to plain data (``asdict`` copied every value and
    walked the result a second time: three times slower on a 20,000-message chat)."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple or kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {str(k): _plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind)
    if names is not None:
        return {n: _plain(getattr(value, n)) for n in names}
    if isinstance(value, StrEnum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return _plain(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
